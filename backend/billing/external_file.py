"""The CSV files of `ebok import documents` and `ebok import payments` (external billing): UTF-8 (with
or without BOM) or Windows-1250, `;` or `,` separated, amounts in zł with a decimal comma
("123,45"; a correction's may be negative), dates YYYY-MM-DD or DD.MM.YYYY. A document's PDF is a
file named in the `pdf` column, relative to the CSV file. Columns: README, "External billing";
examples: docs/external-documents.csv, docs/external-payments.csv."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from pathlib import Path

from backend.billing.external import DocumentItem, ItemError, PaymentItem
from backend.core.amounts import parse_grosze

DOCUMENT_COLUMNS = ("number", "kind", "customer_number", "issue_date", "due_date", "gross", "net", "vat",
                    "period_start", "period_end", "refers_to", "reminds", "reason", "pdf")
DOCUMENT_REQUIRED = ("number", "kind", "customer_number", "issue_date", "due_date", "gross", "pdf")
PAYMENT_COLUMNS = ("external_id", "customer_number", "amount", "booked_on", "title", "payer")
PAYMENT_REQUIRED = ("external_id", "customer_number", "amount", "booked_on")
MAX_BYTES = 20 * 1024 * 1024  # the CSV itself (the PDFs are files of their own)

_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})", re.ASCII)
_PL = re.compile(r"(\d{2})\.(\d{2})\.(\d{4})", re.ASCII)


class FileInvalid(Exception):
    """The file as a whole cannot be read."""


def _date(text: str) -> date:
    if m := _ISO.fullmatch(text):
        y, mo, d = m.groups()
    elif m := _PL.fullmatch(text):
        d, mo, y = m.groups()
    else:
        raise ValueError(f"'{text}' is not a date YYYY-MM-DD or DD.MM.YYYY")
    try:
        return date(int(y), int(mo), int(d))
    except ValueError:
        raise ValueError(f"'{text}' is not a date YYYY-MM-DD or DD.MM.YYYY") from None


def _rows(path: Path, columns: tuple[str, ...], required: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    data = path.read_bytes()
    if len(data) > MAX_BYTES:
        raise FileInvalid(f"the file is larger than {MAX_BYTES // 1024 // 1024} MB")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1250", errors="strict") if b"\x00" not in data else ""
    if not text.strip():
        raise FileInvalid("the file is empty or not text")
    first = text.splitlines()[0]
    sep = ";" if first.count(";") >= first.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=sep)
    header = [h.strip().lower() for h in next(reader)]
    missing = [c for c in required if c not in header]
    if missing:
        raise FileInvalid(f"missing columns: {', '.join(missing)} (the header must name {', '.join(columns)})")
    unknown = [h for h in header if h and h not in columns]
    if unknown:
        raise FileInvalid(f"unknown columns: {', '.join(unknown)}")
    out = []
    for cells in reader:
        if not any(c.strip() for c in cells):
            continue
        out.append((reader.line_num, {h: (cells[i].strip() if i < len(cells) else "") for i, h in enumerate(header)
                                      if h}))
    return out


def _amount(text: str) -> int:
    value = parse_grosze(text, max_whole_digits=9, bank=True)
    if value is None:
        raise ValueError(f"'{text}' is not an amount in zł such as 123,45")
    return value


def read_documents(path: Path) -> tuple[list[DocumentItem], list[int], list[ItemError]]:
    """(documents, the line of each, errors by line) of a documents CSV."""
    items: list[DocumentItem] = []
    lines: list[int] = []
    errors: list[ItemError] = []
    for line, c in _rows(path, DOCUMENT_COLUMNS, DOCUMENT_REQUIRED):
        bad = len(errors)
        values: dict[str, object] = {}
        for column, parse in (("issue_date", _date), ("due_date", _date), ("gross", _amount)):
            try:
                values[column] = parse(c.get(column, ""))
            except ValueError as exc:
                errors.append(ItemError(line, column, "value_invalid", str(exc)))
        for column, parse in (("net", _amount), ("vat", _amount), ("period_start", _date), ("period_end", _date)):
            if c.get(column):
                try:
                    values[column] = parse(c[column])
                except ValueError as exc:
                    errors.append(ItemError(line, column, "value_invalid", str(exc)))
        pdf = b""
        name = c.get("pdf", "")
        target = (path.parent / name).resolve()
        if not name or not target.is_file():
            errors.append(ItemError(line, "pdf", "pdf_invalid", f"no file '{name}' next to the CSV"))
        else:
            pdf = target.read_bytes()
        if len(errors) > bad:
            continue
        items.append(DocumentItem(
            number=c.get("number", ""), kind=c.get("kind", "").lower(), customer_number=c.get("customer_number", ""),
            issue_date=values["issue_date"], due_date=values["due_date"],  # type: ignore[arg-type]
            gross_grosze=values["gross"], pdf=pdf, net_grosze=values.get("net"),  # type: ignore[arg-type]
            vat_grosze=values.get("vat"), period_start=values.get("period_start"),  # type: ignore[arg-type]
            period_end=values.get("period_end"), refers_to=c.get("refers_to", ""),  # type: ignore[arg-type]
            reminds=[r for r in re.split(r"[\s|]+", c.get("reminds", "")) if r], reason=c.get("reason", "")))
        lines.append(line)
    return items, lines, errors


def read_payments(path: Path) -> tuple[list[PaymentItem], list[int], list[ItemError]]:
    items: list[PaymentItem] = []
    lines: list[int] = []
    errors: list[ItemError] = []
    for line, c in _rows(path, PAYMENT_COLUMNS, PAYMENT_REQUIRED):
        values: dict[str, object] = {}
        for column, parse in (("amount", _amount), ("booked_on", _date)):
            try:
                values[column] = parse(c.get(column, ""))
            except ValueError as exc:
                errors.append(ItemError(line, column, "value_invalid", str(exc)))
        if len(values) < 2:
            continue
        amount, booked = values["amount"], values["booked_on"]
        items.append(PaymentItem(external_id=c.get("external_id", ""), customer_number=c.get("customer_number", ""),
                                 amount_grosze=amount, booked_on=booked,  # type: ignore[arg-type]
                                 title=c.get("title", ""),
                                 payer=c.get("payer", "")))
        lines.append(line)
    return items, lines, errors
