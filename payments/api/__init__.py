"""Payments' HTTP endpoints: orders and paying (orders), WeChat Pay's callbacks (notify), institutional coverage
and vouchers (institutions), receipts and fapiao (documents)."""
