"""Payments in admin: orders and their events and refunds (orders), agreements, coverage requests, vouchers and
bank statements (institutions), fapiao requests (fapiao)."""

from payments.admin import fapiao, institutions, orders  # noqa: F401  (each registers its models)
