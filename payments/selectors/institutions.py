"""Institution side of an order (being built)."""


def order_institution_details(*, order, researcher) -> dict:
    return {"coverage": None, "coverage_offers": [], "bank_transfer": None, "voucher": None}
