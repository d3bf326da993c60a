"""Plain pages (not under /api/): the printable receipt behind a signed link (payments.selectors.documents).

No sign-in: the signature is the proof. A wrong, altered or expired token gets the same small 404 page, which says
nothing of any order. Receipts are personal: never cached, never indexed, never leaked through a Referer.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_safe

from payments.formatting import fen_as_yuan
from payments.selectors.documents import order_for_receipt_token, order_receipt

PAGE_LANGUAGES = ("zh-hans", "en")  # Chinese first, English under it, whatever the browser asks: it is printed
PRIVATE_PAGE_HEADERS = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex", "Referrer-Policy": "no-referrer"}


def _private(response: HttpResponse) -> HttpResponse:
    for name, value in PRIVATE_PAGE_HEADERS.items():
        response[name] = value
    return response


def _in_both(text) -> tuple[str, str]:
    """A translatable text in Chinese, then in English (the page shows both)."""
    shown = []
    for language in PAGE_LANGUAGES:
        with translation.override(language):
            shown.append(str(text))
    return shown[0], shown[1]


def _receipt_rows(receipt: dict, receipt_en: dict) -> list[dict]:
    """The receipt's lines: each a label in both languages and its value(s)."""
    paid_at = timezone.localtime(receipt["paid_at"]) if receipt["paid_at"] else None
    rows = [
        (pgettext_lazy("receipt", "Receipt number"), receipt["receipt_no"], ""),
        (pgettext_lazy("receipt", "Order number"), receipt["out_trade_no"], ""),
        (pgettext_lazy("receipt", "WeChat Pay transaction number"), receipt["transaction_id"], ""),
        (pgettext_lazy("receipt", "Paid on"), date_format(paid_at, "Y-m-d H:i") if paid_at else "", ""),
        (pgettext_lazy("receipt", "Payer"), receipt["payer"]["name"], ""),
        (pgettext_lazy("receipt", "Author"), receipt["author"]["display_name"], ""),
        (pgettext_lazy("receipt", "Journal"), receipt["journal"] or "", receipt_en["journal"] or ""),
        (pgettext_lazy("receipt", "For"), receipt["description"], ""),
        (pgettext_lazy("receipt", "Paid through"), receipt["settled_by_label"], receipt_en["settled_by_label"]),
    ]
    lines = []
    for label, value, value_en in rows:
        if not value:
            continue
        label_zh, label_en = _in_both(label)
        lines.append({"label_zh": label_zh, "label_en": label_en, "value": value,
                      "value_en": value_en if value_en != value else ""})
    return lines


@require_safe
def receipt_page(request, token: str) -> HttpResponse:
    order = order_for_receipt_token(token=token)
    if order is None:
        return _private(render(request, "payments/receipt_unavailable.html", status=404))
    receipt, receipt_en = (order_receipt(order=order, language=language) for language in PAGE_LANGUAGES)
    amounts = [(pgettext_lazy("receipt", "Amount paid"), fen_as_yuan(receipt["amount_fen"]))]
    if receipt["refunded_fen"]:
        amounts += [(pgettext_lazy("receipt", "Refunded"), fen_as_yuan(-receipt["refunded_fen"])),
                    (pgettext_lazy("receipt", "Amount kept"),
                     fen_as_yuan(receipt["amount_fen"] - receipt["refunded_fen"]))]
    context = {
        "receipt": receipt,
        "rows": _receipt_rows(receipt, receipt_en),
        "amounts": [{"label": _in_both(label), "value": value} for label, value in amounts],
    }
    return _private(render(request, "payments/receipt.html", context))
