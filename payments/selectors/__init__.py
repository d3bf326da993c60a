"""Payments' reads: orders (what a researcher sees), institutions (agreements, vouchers, bank transfer details),
documents (receipts, fapiao)."""
