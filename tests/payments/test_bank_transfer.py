"""Bank transfers (对公转账): reading the bank's statement, matching its rows to orders, applying all or nothing."""

from __future__ import annotations

import codecs

import pytest
from django.utils import translation

from notifications.models import Notification
from payments.models import AuditAction, BankStatementImport, OrderAudit, OrderStatus, SettledBy
from payments.selectors.institutions import bank_transfer_details, order_institution_details
from payments.services.bank_transfer import (
    StatementApplied,
    StatementInvalid,
    StatementOutdated,
    bank_statement_apply,
    bank_statement_preview,
    statement_rows_parse,
    yuan_to_fen,
)
from tests.factories import OrderFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _in_english():
    with translation.override("en"):
        yield


def chinese_statement(*rows: tuple[str, str, str, str, str]) -> str:
    """What a Chinese bank exports: account details above the header (交易日期, 贷方金额, 摘要, 对方户名, 流水号)."""
    lines = ["账号：1100 2233 4455,,,,", "户名：某某出版社有限公司,,,,", "交易日期,贷方金额,摘要,对方户名,交易流水号"]
    lines += [",".join(f'"{cell}"' for cell in row) for row in rows]
    return "\r\n".join(lines) + "\r\n"


def preview(text: str, encoding: str = "utf-8"):
    return bank_statement_preview(file_name="statement.csv", content=text.encode(encoding), uploaded_by=None)


def verdicts(statement: BankStatementImport) -> list[tuple[int, str]]:
    return [(row["line"], row["verdict"]) for row in statement.rows]


# --- reading the file ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "fen"), [("2,500.00", 250000), ("2500", 250000), ("￥1,234.5", 123450),
                                           ("0.01", 1), (" 12.30 元", 1230)])
def test_yuan_text_becomes_integer_fen(text, fen):
    assert yuan_to_fen(text) == fen


@pytest.mark.parametrize("text", ["2.505", "abc", "1,2a", ""])
def test_what_is_not_an_amount_in_yuan_is_refused(text):
    with pytest.raises(ValueError):
        yuan_to_fen(text)


def test_a_gbk_statement_with_chinese_headers_is_read():
    text = chinese_statement(("2026-11-02", "2,500.00", "货款 SLTABCD2345", "清华大学", "TXN001"))

    rows = statement_rows_parse(content=text.encode("gbk"))

    assert rows == [{"line": 4, "date": "2026-11-02", "amount_fen": 250000, "remark": "货款 SLTABCD2345",
                     "payer": "清华大学", "bank_txn": "TXN001"}]


def test_a_utf8_statement_with_a_bom_is_read():
    text = chinese_statement(("2026/11/02", "2,500.00", "SLTABCD2345", "清华大学", "TXN001"))

    rows = statement_rows_parse(content=codecs.BOM_UTF8 + text.encode("utf-8"))

    assert [(row["date"], row["amount_fen"], row["payer"]) for row in rows] == [("2026-11-02", 250000, "清华大学")]


def test_a_statement_with_english_headers_is_read():
    text = ("Date,Credit Amount,Debit Amount,Reference,Payer Name,Transaction ID\n"
            '2026-11-02,"2,500.00",,APC SLTABCD2345,Tsinghua University,TX-9\n'
            "2026-11-03,,100.00,bank fee,,TX-10\n")

    rows = statement_rows_parse(content=text.encode("utf-8"))

    assert [(row["amount_fen"], row["remark"], row["payer"], row["bank_txn"]) for row in rows] == [
        (250000, "APC SLTABCD2345", "Tsinghua University", "TX-9")]  # the outgoing fee is left out


def test_every_remark_column_is_searched():
    text = "日期,金额,摘要,附言\n2026-11-02,2500.00,汇款,SLTABCD2345\n"

    assert statement_rows_parse(content=text.encode("utf-8"))[0]["remark"] == "汇款 SLTABCD2345"


def test_an_amount_that_is_not_yuan_is_an_error_naming_the_line():
    text = chinese_statement(("2026-11-02", "2,500.00", "SLTABCD2345", "A", "T1"),
                             ("2026-11-03", "two thousand", "SLTABCD2346", "B", "T2"))

    with pytest.raises(StatementInvalid) as refused:
        preview(text)

    assert str(refused.value.message) == 'Line 5: "two thousand" is not an amount in yuan (like 2,500.00).'
    assert BankStatementImport.objects.count() == 0


def test_a_file_without_a_header_row_is_an_error_saying_what_is_needed():
    with pytest.raises(StatementInvalid) as refused:
        preview("a,b,c\n1,2,3\n")

    assert "amount column" in str(refused.value.message)


def test_a_file_that_is_not_text_is_an_error():
    with pytest.raises(StatementInvalid) as refused:
        bank_statement_preview(file_name="x.xls", content=b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\xff" * 50,
                               uploaded_by=None)

    assert list(refused.value.fields) == ["file"]


# --- preview ---------------------------------------------------------------------------------------------------


def test_preview_gives_each_row_a_verdict_and_counts_them():
    due, closed, paid = OrderFactory(), OrderFactory(), OrderFactory()
    closed.status = OrderStatus.CLOSED
    closed.save()
    paid.status, paid.settled_by = OrderStatus.PAID, SettledBy.WECHAT_PAY
    paid.save()
    other = OrderFactory()
    text = chinese_statement(
        ("2026-11-02", "2,500.00", f"APC {due.transfer_reference.lower()}", "清华大学", "T1"),
        ("2026-11-02", "2,400.00", other.transfer_reference, "北京大学", "T2"),
        ("2026-11-02", "2,500.00", closed.transfer_reference, "复旦大学", "T3"),
        ("2026-11-02", "2,500.00", paid.transfer_reference, "浙江大学", "T4"),
        ("2026-11-02", "2,500.00", "学费", "张三", "T5"),
        ("2026-11-02", "2,500.00", due.transfer_reference, "清华大学", "T1"),
        ("2026-11-02", "2,500.00", "SLTZZZZZZZZ", "李四", "T6"),
    )

    statement = preview(text)

    assert verdicts(statement) == [(4, "matched"), (5, "mismatched"), (6, "mismatched"), (7, "already_paid"),
                                   (8, "unmatched"), (9, "duplicate_row"), (10, "unmatched")]
    assert (statement.matched, statement.mismatched, statement.unmatched) == (1, 2, 2)
    first = statement.rows[0]
    assert (first["order_id"], first["reference_found"], first["amount_fen"]) == (
        due.pk, due.transfer_reference, 250000)
    assert statement.rows[1]["message"] == (f"Order {other.out_trade_no} asks for ¥2,500.00, the transfer is "
                                            "¥2,400.00.")


def test_preview_settles_nothing():
    order = OrderFactory()

    preview(chinese_statement(("2026-11-02", "2,500.00", order.transfer_reference, "清华大学", "T1")))

    order.refresh_from_db()
    assert order.status == OrderStatus.CREATED


# --- apply -----------------------------------------------------------------------------------------------------


def test_apply_settles_the_matched_orders_only():
    matched, mismatched = OrderFactory(), OrderFactory()
    statement = preview(chinese_statement(
        ("2026-11-02", "2,500.00", matched.transfer_reference, "清华大学", "T1"),
        ("2026-11-02", "100.00", mismatched.transfer_reference, "北京大学", "T2")))
    staff = UserFactory(is_staff=True)

    assert bank_statement_apply(import_id=statement.pk, actor=staff) == 1

    matched.refresh_from_db()
    mismatched.refresh_from_db()
    statement.refresh_from_db()
    assert (matched.status, matched.settled_by, matched.transaction_id) == (
        OrderStatus.PAID, SettledBy.BANK_TRANSFER, "T1")
    assert mismatched.status == OrderStatus.CREATED
    assert statement.applied_at is not None
    audit = OrderAudit.objects.get(order=matched, action=AuditAction.BANK_TRANSFER)
    assert (audit.actor, audit.amount_fen, audit.reason) == (staff, 250000, "statement.csv line 4: 清华大学")


def test_a_row_without_a_bank_transaction_id_is_settled_under_its_line():
    order = OrderFactory()
    statement = preview(f"日期,金额,用途\n2026-11-02,2500.00,{order.transfer_reference}\n")

    bank_statement_apply(import_id=statement.pk, actor=None)

    order.refresh_from_db()
    assert order.transaction_id == f"BANK-{statement.pk}-2"


def test_the_author_is_told_the_transfer_arrived():
    order = OrderFactory()
    statement = preview(chinese_statement(("2026-11-02", "2,500.00", order.transfer_reference, "清华大学", "T1")))

    bank_statement_apply(import_id=statement.pk, actor=None)

    assert Notification.objects.filter(researcher=order.researcher, kind="payment_received").count() == 1


def test_a_row_that_stopped_matching_since_the_preview_rolls_everything_back():
    first, second = OrderFactory(), OrderFactory()
    statement = preview(chinese_statement(
        ("2026-11-02", "2,500.00", first.transfer_reference, "清华大学", "T1"),
        ("2026-11-02", "2,500.00", second.transfer_reference, "北京大学", "T2")))
    second.status = OrderStatus.CLOSED  # reconciliation closed it meanwhile
    second.save()

    with pytest.raises(StatementOutdated) as refused:
        bank_statement_apply(import_id=statement.pk, actor=None)

    first.refresh_from_db()
    statement.refresh_from_db()
    assert first.status == OrderStatus.CREATED and statement.applied_at is None
    assert f"line 5: Order {second.out_trade_no} is closed." in str(refused.value.message)
    assert "line 4" not in str(refused.value.message)


def test_applying_a_statement_twice_is_refused():
    order = OrderFactory()
    statement = preview(chinese_statement(("2026-11-02", "2,500.00", order.transfer_reference, "清华大学", "T1")))
    bank_statement_apply(import_id=statement.pk, actor=None)

    with pytest.raises(StatementApplied):
        bank_statement_apply(import_id=statement.pk, actor=None)

    assert OrderAudit.objects.filter(order=order, action=AuditAction.BANK_TRANSFER).count() == 1


def test_the_same_statement_uploaded_again_after_applying_shows_the_rows_already_paid():
    order = OrderFactory()
    text = chinese_statement(("2026-11-02", "2,500.00", order.transfer_reference, "清华大学", "T1"))
    bank_statement_apply(import_id=preview(text).pk, actor=None)

    assert verdicts(preview(text)) == [(4, "already_paid")]


# --- what the researcher is shown ------------------------------------------------------------------------------


def test_bank_transfer_details_carry_the_account_and_the_orders_reference(settings):
    settings.PAYMENTS_BANK_ACCOUNT_NAME = "某某出版社有限公司"
    settings.PAYMENTS_BANK_NAME = "中国工商银行北京分行"
    settings.PAYMENTS_BANK_ACCOUNT_NUMBER = "0200 0000 0000 0000 000"
    order = OrderFactory()

    assert bank_transfer_details(order=order) == {
        "account_name": "某某出版社有限公司", "bank_name": "中国工商银行北京分行",
        "account_number": "0200 0000 0000 0000 000", "reference": order.transfer_reference, "amount_fen": 250000}


def test_without_a_configured_account_there_are_no_bank_transfer_details(settings):
    settings.PAYMENTS_BANK_ACCOUNT_NUMBER = ""

    details = order_institution_details(order=(order := OrderFactory()), researcher=order.researcher)

    assert details["bank_transfer"] is None
