"""Bank statement import: CSV (the column names Polish banks use) and MT940 (parsed by the mt-940
library; Polish banks put structured ~NN subfields into :86:). Each credit is matched by the
individual account number it was paid to, wherever the bank wrote it, and allocated; the rest
waits in the unmatched queue. The same file twice, or the same credit in two overlapping
statements, is recorded once."""

from __future__ import annotations

import csv
import hashlib
import io
import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from backend.billing import nrb, payments
from backend.billing.schemas import StatementOut
from backend.billing.tables import Payment, StatementImport
from backend.core.amounts import parse_grosze
from backend.core.db import is_unique_violation
from backend.core.errors import ApiError
from backend.customers import services as customers
from backend.settings import Settings

MAX_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Credit:
    booked_on: date
    amount_grosze: int
    account: str  # our individual account it was paid to ("" when not found)
    payer: str
    title: str
    reference: str  # the bank's id of the transaction, when it gives one


def decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1250"):  # Polish banks still export Windows-1250
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def grosze(text: str) -> int:
    value = parse_grosze(text, max_whole_digits=15, bank=True)
    if value is None:
        raise ValueError(f"not an amount: {text!r}")
    return value


def _our_account(settings: Settings, *texts: str) -> str:
    for text in texts:
        for account in nrb.accounts_in(text):
            if nrb.customer_number_for(settings, account):
                return account
    return ""


_HEADERS = {
    "date": ("data księgowania", "data ksiegowania", "data operacji", "data waluty", "data", "date"),
    "amount": ("kwota", "kwota operacji", "amount"),
    "account": ("rachunek odbiorcy", "rachunek wirtualny", "nr rachunku", "rachunek", "account"),
    "payer": ("nadawca", "kontrahent", "nazwa nadawcy", "zleceniodawca", "payer"),
    "title": ("tytuł", "tytul", "tytuł operacji", "opis", "title"),
    "reference": ("identyfikator", "id transakcji", "referencja", "numer referencyjny", "reference", "id"),
}


def _date(text: str) -> date:
    text = text.strip()
    for fmt in ("%Y-%m-%d", "%d.%m.%Y", "%d-%m-%Y", "%Y.%m.%d"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"not a date: {text!r}")


def parse_csv(settings: Settings, text: str) -> list[Credit]:
    sample = text[:4096]
    delimiter = ";" if sample.count(";") >= sample.count(",") else ","
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    if not rows:
        return []
    header = [h.strip().lower() for h in rows[0]]
    where = {key: next((header.index(n) for n in names if n in header), None) for key, names in _HEADERS.items()}
    if where["date"] is None or where["amount"] is None:
        raise ApiError("statement_unreadable", "The CSV needs a date and an amount column", 400, field="file")
    out = []
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue

        def cell(key: str, row: list[str] = row) -> str:
            i = where[key]
            return row[i].strip() if i is not None and i < len(row) else ""

        try:
            amount, booked = grosze(cell("amount")), _date(cell("date"))
        except ValueError as exc:
            raise ApiError("statement_unreadable", f"line {line}: {exc}", 400, field="file") from None
        if amount <= 0:
            continue  # debits are not payments from customers
        out.append(Credit(booked, amount, _our_account(settings, cell("account"), " ".join(row)), cell("payer"),
                          cell("title"), cell("reference")))
    return out


_SUBFIELD = re.compile(r"[~^<](\d{2})", re.ASCII)


def subfields(details: str) -> dict[str, str]:
    """:86: of Polish banks: ~20..~25 title, ~32/~33 counterparty name, ~38 IBAN, ... (code -> text)."""
    parts = _SUBFIELD.split(details.replace("\n", ""))
    return {parts[i]: parts[i + 1].strip() for i in range(1, len(parts) - 1, 2)}


def parse_mt940(settings: Settings, text: str) -> list[Credit]:
    try:
        import mt940  # only when a statement comes

        transactions = mt940.parse(text)
    except Exception as exc:  # the library raises several kinds on bad input
        raise ApiError("statement_unreadable", f"not an MT940 file: {exc}", 400, field="file") from None
    out = []
    for t in transactions:
        data = t.data
        if data.get("status") not in ("C", "RD") or "amount" not in data:
            continue
        amount = int((Decimal(str(data["amount"].amount)) * 100).to_integral_value())
        if amount <= 0:
            continue
        details = data.get("transaction_details") or ""
        fields = subfields(details)
        title = "".join(fields.get(f"{n}", "") for n in range(20, 26)) or details[:140]
        payer = " ".join(fields.get(n, "") for n in ("32", "33")).strip() or fields.get("27", "")
        booked = data.get("entry_date") or data["date"]
        out.append(Credit(date(booked.year, booked.month, booked.day), amount,
                          _our_account(settings, *fields.values(), details, data.get("extra_details") or ""),
                          payer, title, str(data.get("bank_reference") or data.get("customer_reference") or "")))
    return out


def external_ids(credits: list[Credit]) -> list[str]:
    """The bank's reference where it gives one; else a digest of the credit and its occurrence, so
    two equal transfers on one day both count and the same statement again matches both."""
    seen: dict[str, int] = {}
    out = []
    for c in credits:
        if c.reference and c.reference.upper() not in ("NONREF", ""):
            base = f"ref:{c.reference}:{c.booked_on}:{c.amount_grosze}"
        else:
            base = f"{c.booked_on}|{c.amount_grosze}|{c.account}|{c.payer}|{c.title}"
        n = seen.get(base, 0)
        seen[base] = n + 1
        out.append("bank:" + hashlib.sha256(f"{base}#{n}".encode()).hexdigest()[:40])
    return out


async def import_statement(settings: Settings, filename: str, data: bytes, user_id: str | None) -> StatementOut:
    if len(data) > MAX_BYTES:
        raise ApiError("too_large", "The statement is larger than 5 MB", 413, field="file")
    digest = hashlib.sha256(data).hexdigest()
    text = decode(data)
    fmt = "mt940" if re.search(r"^:20:", text, re.M) and ":61:" in text else "csv"
    credits = parse_mt940(settings, text) if fmt == "mt940" else parse_csv(settings, text)
    existing = await StatementImport.select().where(StatementImport.sha256 == digest).first()
    if existing:
        # the totals are written last: none yet means an import that stopped midway (or is still
        # running in another tab); booking again adds only what is missing, each credit is stored
        # once per external id
        if credits and not existing["credits"]:
            existing = await _book(settings, uuid.UUID(str(existing["id"])), credits)
        return _out(existing, already=True)
    statement_id = uuid.uuid4()
    try:
        await StatementImport.insert(StatementImport(id=statement_id, sha256=digest, filename=filename[:200], fmt=fmt,
                                                     imported_by=user_id))
    except Exception as exc:
        if not is_unique_violation(exc):
            raise
        # the same file at the same moment from another tab: its import is the one
        winner = await StatementImport.select().where(StatementImport.sha256 == digest).first()
        if winner is None:
            raise
        return _out(winner, already=True)
    return _out(await _book(settings, statement_id, credits), already=False)


PART = 500  # credits booked per transaction


async def _book(settings: Settings, statement_id: uuid.UUID, credits: list[Credit]) -> dict[str, Any]:
    """A part of the statement a transaction, with its customers' notices (record_payments), so a
    crash midway leaves every booked payment noticed and the rest for the next import of the file.
    The totals are counted from the statement's payments: the same whichever run finishes it."""
    by_number: dict[str, str | None] = {}
    items = []
    for credit, external_id in zip(credits, external_ids(credits), strict=True):
        number = nrb.customer_number_for(settings, credit.account) if credit.account else None
        customer_id = None
        if number:
            if number not in by_number:
                by_number[number] = await customers.customer_id_by_number(number)
            customer_id = by_number[number]
        items.append({"customer_id": customer_id, "amount_grosze": credit.amount_grosze, "booked_on": credit.booked_on,
                      "external_id": external_id, "account": credit.account, "payer": credit.payer,
                      "title": credit.title})
    for i in range(0, len(items), PART):
        await payments.record_payments(items[i:i + PART], source="bank", statement_id=statement_id)
    booked = Payment.statement == statement_id
    matched = await Payment.count().where(booked & Payment.customer.is_not_null())
    unmatched = await Payment.count().where(booked & Payment.customer.is_null())
    [row] = await StatementImport.update({
        StatementImport.credits: len(credits), StatementImport.matched: matched,
        StatementImport.unmatched: unmatched, StatementImport.duplicates: len(credits) - matched - unmatched,
    }).where(StatementImport.id == statement_id).returning(*StatementImport.all_columns())
    return dict(row)


def _out(row: dict[str, Any], already: bool) -> StatementOut:
    return StatementOut(id=str(row["id"]), filename=row["filename"], fmt=row["fmt"], credits=row["credits"],
                        matched=row["matched"], unmatched=row["unmatched"], duplicates=row["duplicates"],
                        already_imported=already)
