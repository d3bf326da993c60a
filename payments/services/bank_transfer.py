"""Bank transfers (对公转账): staff upload the bank's statement, preview how its rows match orders, then apply.

Invariants:
- Preview writes nothing but the import row: each statement row gets a verdict (matched, unmatched, mismatched,
  already_paid, duplicate_row) from the order reference (SLT + 8 letters/digits) found in its remark.
- Apply settles every matched row in ONE transaction or none: each order is locked again (in id order, so two
  imports never deadlock), re-verified (still open, same amount), its live WeChat Pay prepays closed, settled
  through `order_settle` (settled_by "bank_transfer") and audited. A row that stopped matching since the preview
  rolls everything back with a message naming the rows. A statement applies once.
- Amounts are parsed from yuan text ("2,500.00") with Decimal into integer fen, never through float.
- Files come as UTF-8 (with or without BOM), UTF-16 with BOM, or GBK/GB18030 (what Chinese banks export);
  columns are found by their header names, Chinese or English, after any preamble lines of account details.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from payments.errors import OrderPaid, PaymentInvalid, StatementApplied, StatementInvalid, StatementOutdated
from payments.models import (
    SETTLED_STATUSES,
    AuditAction,
    BankStatementImport,
    Order,
    OrderAudit,
    OrderStatus,
    SettledBy,
)
from payments.services.paying import attempts_close_open, order_attempts_check
from payments.services.settlement import order_settle

MATCHED, UNMATCHED, MISMATCHED = "matched", "unmatched", "mismatched"
ALREADY_PAID, DUPLICATE_ROW = "already_paid", "duplicate_row"
VERDICTS = (MATCHED, UNMATCHED, MISMATCHED, ALREADY_PAID, DUPLICATE_ROW)

REFERENCE_PATTERN = re.compile(r"(?<![A-Z0-9])SLT[A-Z0-9]{8}(?![A-Z0-9])", re.IGNORECASE)
MAX_STATEMENT_BYTES = 5 * 1024 * 1024
_HEADER_SEARCH_ROWS = 30  # account details banks put above the header

# Header names as banks write them, compared after _header_key. The first column found of each list is used,
# except remarks: every remark-like column is searched for the reference.
COLUMN_NAMES = {
    "date": ["交易日期", "日期", "记账日期", "入账日期", "交易时间", "记账时间", "date", "transactiondate",
             "valuedate", "bookingdate", "postingdate"],
    # Credit columns before the generic ones: a statement with 借方/贷方 columns lists incoming money as 贷方.
    "amount": ["贷方金额", "贷方发生额", "收入金额", "收入", "入账金额", "来账金额", "credit", "creditamount",
               "金额", "交易金额", "发生额", "amount"],
    "remark": ["摘要", "附言", "用途", "备注", "交易附言", "汇款附言", "交易摘要", "附加信息", "remark", "remarks",
               "reference", "memo", "description", "narrative", "purpose", "note"],
    "payer": ["付款人", "付款人名称", "付款人户名", "付款方", "付款户名", "对方户名", "对方账户名称", "对方名称",
              "对方单位", "payer", "payername", "counterparty", "counterpartyname"],
    "bank_txn": ["流水号", "交易流水号", "银行流水号", "交易序号", "凭证号", "交易参考号", "业务流水号",
                 "transactionid", "transactionno", "transactionnumber", "txnid", "referenceno", "referencenumber",
                 "serialno", "serialnumber"],
}
_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y.%m.%d", "%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M:%S",
                 "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M", "%Y年%m月%d日")


def yuan_to_fen(text: str) -> int:
    """"2,500.00" / "￥2500" / "2500.5" → integer fen (Decimal, never float). ValueError when not an amount."""
    cleaned = re.sub(r"[\s,¥]|CNY|RMB|元", "", unicodedata.normalize("NFKC", text), flags=re.IGNORECASE)
    if not re.fullmatch(r"[+-]?(\d+(\.\d{0,2})?|\.\d{1,2})", cleaned):
        raise ValueError(text)
    try:
        return int(Decimal(cleaned) * 100)
    except InvalidOperation as error:
        raise ValueError(text) from error


def _yuan(amount_fen: int) -> str:
    yuan, fen = divmod(amount_fen, 100)
    return f"¥{yuan:,}.{fen:02d}"


def _header_key(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    text = re.sub(r"\((元|rmb|cny|yuan)\)", "", text)
    return re.sub(r"[\s_\-.:#*]", "", text)


def _decoded(content: bytes) -> str:
    if content.startswith(codecs.BOM_UTF8):
        encodings = ("utf-8-sig",)
    elif content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings = ("utf-16",)
    else:
        encodings = ("utf-8", "gb18030")
    for encoding in encodings:
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise StatementInvalid(_("The file is neither UTF-8 nor GBK/GB18030 text. Export the statement as CSV."))


def _columns(header: list[str]) -> dict[str, list[int]] | None:
    """{column kind: [indexes]} when `header` has an amount and a remark column, else None."""
    keys = [_header_key(cell) for cell in header]
    found: dict[str, list[int]] = {}
    for kind, names in COLUMN_NAMES.items():
        if kind == "remark":
            indexes = [index for index, key in enumerate(keys) if key in names]
        else:
            indexes = next(([keys.index(name)] for name in names if name in keys), [])
        if indexes:
            found[kind] = indexes
    return found if "amount" in found and "remark" in found else None


def _date_iso(text: str) -> str:
    text = text.strip()
    for date_format in _DATE_FORMATS:
        try:
            return datetime.strptime(text, date_format).date().isoformat()
        except ValueError:
            continue
    return text


def statement_rows_parse(*, content: bytes) -> list[dict]:
    """The statement's incoming rows as {line, date, amount_fen, remark, payer, bank_txn}. Rows without a positive
    amount (outgoing money, blank lines) are left out. StatementInvalid names the line of what can't be read."""
    text = _decoded(content)
    unreadable: StatementInvalid | None = None
    for delimiter in (",", "\t", ";"):
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
        columns = None
        try:
            for _row_number, header in zip(range(_HEADER_SEARCH_ROWS), reader, strict=False):
                columns = _columns(header)
                if columns:
                    break
        except csv.Error as error:  # maybe another delimiter reads it
            unreadable = unreadable or StatementInvalid(_("Line %(line)s: %(problem)s") % {
                "line": reader.line_num, "problem": error})
            continue
        if columns:
            return _data_rows(reader, columns)
    if unreadable is not None:
        raise unreadable
    raise StatementInvalid(_("No header row found: a statement needs an amount column (金额, 贷方金额, amount…) and a "
                             "remark column (摘要, 附言, 用途, remark…)."))


def _data_rows(reader, columns: dict[str, list[int]]) -> list[dict]:
    rows = []

    def cell(row: list[str], kind: str) -> str:
        values = (row[index].strip() for index in columns.get(kind, []) if index < len(row))
        return " ".join(value for value in values if value)

    try:
        for row in reader:
            if not any(value.strip() for value in row):
                continue
            amount_text = cell(row, "amount")
            if not amount_text:
                continue  # an outgoing row of a statement with separate debit and credit columns
            try:
                amount_fen = yuan_to_fen(amount_text)
            except ValueError:
                raise StatementInvalid(_('Line %(line)s: "%(amount)s" is not an amount in yuan (like 2,500.00).') % {
                    "line": reader.line_num, "amount": amount_text[:40]}) from None
            if amount_fen <= 0:
                continue  # money going out
            rows.append({"line": reader.line_num, "date": _date_iso(cell(row, "date")), "amount_fen": amount_fen,
                         "remark": cell(row, "remark")[:300], "payer": cell(row, "payer")[:200],
                         "bank_txn": cell(row, "bank_txn")[:64]})
    except csv.Error as error:
        raise StatementInvalid(_("Line %(line)s: %(problem)s") % {"line": reader.line_num, "problem": error}) from error
    return rows


def _order_problem(*, order: Order | None, amount_fen: int) -> tuple[str, str] | None:
    """(verdict, message) when the order can't take a transfer of `amount_fen`, else None."""
    if order is None:
        return UNMATCHED, _("No order has this reference.")
    if order.status in SETTLED_STATUSES:
        return ALREADY_PAID, _("Order %(order)s is already paid (%(by)s): if this transfer paid it again, send the "
                               "money back.") % {"order": order.out_trade_no, "by": order.get_settled_by_display()}
    if order.status == OrderStatus.CLOSED:
        return MISMATCHED, _("Order %(order)s is closed.") % {"order": order.out_trade_no}
    if order.amount_fen != amount_fen:
        return MISMATCHED, _("Order %(order)s asks for %(due)s, the transfer is %(paid)s.") % {
            "order": order.out_trade_no, "due": _yuan(order.amount_fen), "paid": _yuan(amount_fen)}
    return None


def statement_rows_match(*, rows: list[dict]) -> list[dict]:
    """Each parsed row with its verdict, order_id, reference_found and message."""
    references = {match.upper() for row in rows for match in REFERENCE_PATTERN.findall(row["remark"])}
    orders = {order.transfer_reference: order for order in Order.objects.filter(transfer_reference__in=references)}
    seen_txns: dict[str, int] = {}
    matched_orders: dict[int, int] = {}
    verdicts = []
    for row in rows:
        found = sorted({match.upper() for match in REFERENCE_PATTERN.findall(row["remark"])})
        row = {**row, "reference_found": found[0] if len(found) == 1 else " ".join(found), "order_id": None}
        order = orders.get(found[0]) if len(found) == 1 else None
        if order is not None:
            row["order_id"] = order.pk
        if not found:
            verdict, message = UNMATCHED, _("No order reference (SLT…) in the remark.")
        elif len(found) > 1:
            verdict, message = MISMATCHED, _("Several order references in one transfer: settle these by hand.")
        elif row["bank_txn"] and row["bank_txn"] in seen_txns:
            verdict, message = DUPLICATE_ROW, _("Same transaction as line %(line)s.") % {
                "line": seen_txns[row["bank_txn"]]}
        elif order is not None and order.pk in matched_orders:
            verdict, message = DUPLICATE_ROW, _("Line %(line)s already pays order %(order)s.") % {
                "line": matched_orders[order.pk], "order": order.out_trade_no}
        else:
            verdict, message = _order_problem(order=order, amount_fen=row["amount_fen"]) or (
                MATCHED, _("Pays order %(order)s.") % {"order": order.out_trade_no})
        if row["bank_txn"]:
            seen_txns.setdefault(row["bank_txn"], row["line"])
        if verdict == MATCHED:
            matched_orders[order.pk] = row["line"]
        verdicts.append({**row, "verdict": verdict, "message": str(message)})
    return verdicts


def bank_statement_preview(*, file_name: str, content: bytes, uploaded_by) -> BankStatementImport:
    """Read an uploaded statement and keep its rows with their verdicts (nothing is settled). StatementInvalid
    (400, naming the line) when the file can't be read."""
    if len(content) > MAX_STATEMENT_BYTES:
        raise StatementInvalid(_("The file is larger than %(size)s MB.") % {"size": MAX_STATEMENT_BYTES // 2**20})
    rows = statement_rows_match(rows=statement_rows_parse(content=content))
    counts = {verdict: sum(1 for row in rows if row["verdict"] == verdict) for verdict in VERDICTS}
    return BankStatementImport.objects.create(
        file_name=file_name[:200], rows=rows, matched=counts[MATCHED], unmatched=counts[UNMATCHED],
        mismatched=counts[MISMATCHED], uploaded_by=uploaded_by)


def bank_statement_apply(*, import_id: int, actor) -> int:
    """Settle every matched row of a previewed statement, all in one transaction, and return how many. Raises
    StatementApplied (409) the second time, StatementOutdated (409, nothing applied) when a row no longer
    matches its order, PaymentInvalid when no row matched; PaymentsUnavailable (nothing applied) when a live
    WeChat Pay prepay can't be closed."""
    paid_meanwhile: list[int] = []
    try:
        with transaction.atomic():
            statement = BankStatementImport.objects.select_for_update().get(pk=import_id)
            if statement.applied_at is not None:
                raise StatementApplied()
            rows = [row for row in statement.rows if row["verdict"] == MATCHED]
            if not rows:
                raise PaymentInvalid(_("No row of this statement pays an unpaid order: there is nothing to apply."))
            orders = {order.pk: order for order in Order.objects.select_for_update()
                      .filter(pk__in=[row["order_id"] for row in rows]).order_by("pk")}
            problems = []
            for row in rows:
                order = orders.get(row["order_id"])
                problem = _order_problem(order=order, amount_fen=row["amount_fen"])
                if problem is None and order.transfer_reference != row["reference_found"]:
                    problem = (MISMATCHED, _("No order has this reference."))
                if problem:
                    problems.append(_("line %(line)s: %(problem)s") % {"line": row["line"], "problem": problem[1]})
            if problems:
                raise _outdated(problems)
            for row in rows:
                order = orders[row["order_id"]]
                try:
                    attempts_close_open(order=order)
                except OrderPaid:
                    paid_meanwhile.append(order.pk)
                    raise _outdated([_("line %(line)s: order %(order)s was paid through WeChat Pay meanwhile.") % {
                        "line": row["line"], "order": order.out_trade_no}]) from None
                order_settle(order=order, settled_by=SettledBy.BANK_TRANSFER,
                             transaction_id=row["bank_txn"] or f"BANK-{statement.pk}-{row['line']}")
                OrderAudit.objects.create(
                    order=order, actor=actor, action=AuditAction.BANK_TRANSFER, amount_fen=row["amount_fen"],
                    reason=f"{statement.file_name} line {row['line']}: {row['payer']}"[:300])
            statement.applied_at = timezone.now()
            statement.save(update_fields=["applied_at"])
    finally:
        for order_id in paid_meanwhile:  # a close found it paid: apply that payment, after the rollback
            order_attempts_check(order_id=order_id)
    return len(rows)


def _outdated(problems: list[str]) -> StatementOutdated:
    return StatementOutdated(_("Nothing was applied; these rows no longer match: %(rows)s. Upload the statement "
                               "again to see how it matches now.") % {"rows": "; ".join(problems)})
