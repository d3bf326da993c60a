"""Payments' writes, one module per use case: orders (creating, discounting, waiving, the APC rule), settlement
(the one way an order becomes paid), paying (WeChat Pay prepays and share links), callbacks (WeChat Pay's
notifications), refunds, reconciliation, agreements, vouchers, bank transfers, fapiao."""
