"""External billing (EBOK_BILLING=external): the utility's billing system issues the documents and
books the payments; e-BOK shows them to residents exactly as its own (balances, PDF, transfer
details with QR, online payment) and reports the payments made online back (payments.reported_after).

Documents and payments come in batches, from the integration API or the `ebok import` commands,
and are checked whole before anything is written: with any error nothing is. Keys are the billing
system's own: a document's number, a payment's external id. The same document sent again (same
values and PDF) changes nothing; a different one under a number already used is refused. A payment
whose external id is known (sent before, or a payment made online in e-BOK sent back) is a no-op."""

from __future__ import annotations

import asyncio
import hashlib
import io
import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from backend.billing import ledger, payments
from backend.billing.tables import Document, ReminderItem
from backend.core import notify, storage
from backend.core.clock import now
from backend.core.db import transaction
from backend.core.errors import ApiError, not_found
from backend.customers import services as customers
from backend.settings import Settings

KINDS = ("invoice", "correction", "reminder")
MAX_NUMBER = 24  # document.number
MAX_BATCH = 1000


def pdf_key(file_id: str) -> str:
    """Where a billing system's PDF is kept (core/storage: the data directory or the bucket)."""
    return storage.file_key("billing-documents", file_id, ".pdf")


@dataclass
class DocumentItem:
    number: str
    kind: str
    customer_number: str
    issue_date: date
    due_date: date
    gross_grosze: int
    pdf: bytes
    net_grosze: int | None = None
    vat_grosze: int | None = None
    period_start: date | None = None
    period_end: date | None = None
    refers_to: str = ""  # a correction: the number of the invoice it corrects
    reminds: list[str] = field(default_factory=list)  # a reminder: the numbers of the invoices it demands
    reason: str = ""


@dataclass
class PaymentItem:
    external_id: str
    customer_number: str
    amount_grosze: int
    booked_on: date
    title: str = ""
    payer: str = ""


@dataclass(frozen=True, slots=True)
class ItemError:
    item: int  # 1 = the first document / payment of the batch (a CSV file: its line)
    field: str
    code: str  # stable: customer_unknown, pdf_invalid, pdf_too_large, document_conflict, document_unknown, ...
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"item": self.item, "field": self.field, "code": self.code, "message": self.message}


class BatchInvalid(ApiError):
    def __init__(self, code: str, errors: list[ItemError]) -> None:
        super().__init__(code, f"{len(errors)} errors: nothing was written", 422,
                         extra={"errors": [e.as_dict() for e in errors[:1000]], "error_count": len(errors)})
        self.errors = errors


def require_external(settings: Settings) -> None:
    if not settings.external_billing:
        raise ApiError("billing_builtin", "e-BOK issues the invoices itself (EBOK_BILLING=builtin): documents and "
                       "payments of a billing system are not taken", 409)


def refuse_when_external(settings: Settings) -> None:
    """e-BOK's own billing (runs, reminders, corrections, tariffs, statements) is off with external billing."""
    if settings.external_billing:
        raise ApiError("billing_external", "The utility's billing system issues the documents (EBOK_BILLING="
                       "external): e-BOK does not bill", 409)


def check_pdf(data: bytes, max_bytes: int) -> tuple[str, str] | None:
    """(code, message) when `data` is not a PDF one can show, None when it is."""
    if len(data) > max_bytes:
        return "pdf_too_large", f"The PDF has {len(data)} bytes, more than {max_bytes}"
    if not data.startswith(b"%PDF-"):
        return "pdf_invalid", "Not a PDF (it does not start with %PDF-)"
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted or len(reader.pages) < 1:
            return "pdf_invalid", "The PDF is encrypted or has no page"
    except (PyPdfError, ValueError, KeyError, TypeError, OSError, RecursionError, AttributeError):
        return "pdf_invalid", "The PDF cannot be read"
    return None


def _same(row: dict[str, Any], item: DocumentItem, customer_id: str, stored: bytes | None) -> bool:
    return (str(row["customer"]) == customer_id and row["kind"] == item.kind
            and int(row["gross_grosze"]) == item.gross_grosze and row["issue_date"] == item.issue_date
            and row["due_date"] == item.due_date and stored is not None
            and hashlib.sha256(stored).digest() == hashlib.sha256(item.pdf).digest())


async def import_documents(settings: Settings, items: list[DocumentItem]) -> tuple[list[str], list[str]]:
    """Check every document, then write them all in one transaction (or none). Returns the numbers
    (added, unchanged)."""
    require_external(settings)
    errors: list[ItemError] = []

    def err(n: int, field_name: str, code: str, message: str) -> None:
        errors.append(ItemError(n, field_name, code, message))

    if len(items) > MAX_BATCH:
        raise ApiError("batch_too_large", f"At most {MAX_BATCH} documents at once", 413)
    ids = await customers.customer_ids_by_numbers(i.customer_number for i in items)
    numbers = [i.number for i in items]
    refs = {r for i in items for r in [i.refers_to, *i.reminds] if r}
    known = {r["number"]: r for r in await Document.select(
        Document.id, Document.number, Document.customer, Document.kind, Document.gross_grosze, Document.issue_date,
        Document.due_date, Document.pdf_file).where(Document.number.is_in(sorted(set(numbers) | refs) or [""]))}
    pdf_checks = await asyncio.gather(*[asyncio.to_thread(check_pdf, i.pdf, settings.external_pdf_max_bytes)
                                        for i in items])
    first_line: dict[str, int] = {}
    batch: dict[str, DocumentItem] = {}
    unchanged: list[str] = []
    for n, (item, bad_pdf) in enumerate(zip(items, pdf_checks, strict=True), start=1):
        before = len(errors)
        if not item.number or len(item.number) > MAX_NUMBER or item.number != item.number.strip():
            err(n, "number", "value_invalid", f"A document number has 1 to {MAX_NUMBER} characters")
        elif item.number in first_line:
            err(n, "number", "number_duplicate", f"Document {item.number} is also item {first_line[item.number]}")
        first_line.setdefault(item.number, n)
        if item.kind not in KINDS:
            err(n, "kind", "value_invalid", f"'{item.kind}' is not invoice, correction or reminder")
        customer_id = ids.get(item.customer_number.strip())
        if customer_id is None:
            err(n, "customer_number", "customer_unknown", f"No customer has the number '{item.customer_number}'")
        if item.due_date < item.issue_date:
            err(n, "due_date", "value_invalid", "The due date is before the issue date")
        if item.kind != "correction" and item.gross_grosze <= 0:
            err(n, "gross_grosze", "value_invalid", "An invoice or a reminder is for more than 0 zł")
        if abs(item.gross_grosze) > 10**11:
            err(n, "gross_grosze", "value_invalid", "The amount is out of range")
        if (item.net_grosze is None) != (item.vat_grosze is None) or (
                item.net_grosze is not None and item.net_grosze + (item.vat_grosze or 0) != item.gross_grosze):
            err(n, "net_grosze", "value_invalid", "net_grosze + vat_grosze must be gross_grosze (give both or none)")
        if (item.period_start is None) != (item.period_end is None) or (
                item.period_start and item.period_end and item.period_end < item.period_start):
            err(n, "period_end", "value_invalid", "Give both period_start and period_end, the end not before the start")
        if bad_pdf:
            err(n, "pdf", *bad_pdf)
        if item.kind == "correction":
            if not item.refers_to:
                err(n, "refers_to", "value_invalid", "A correction names the invoice it corrects (refers_to)")
        elif item.refers_to:
            err(n, "refers_to", "value_invalid", "Only a correction refers to an invoice")
        if item.reminds and item.kind != "reminder":
            err(n, "reminds", "value_invalid", "Only a reminder lists reminded invoices")
        for ref, field_name in [(item.refers_to, "refers_to"), *[(r, "reminds") for r in item.reminds]]:
            if not ref:
                continue
            target = known.get(ref)
            target_kind, target_customer = (target["kind"], str(target["customer"])) if target else (
                (batch[ref].kind, ids.get(batch[ref].customer_number.strip())) if ref in batch else (None, None))
            if target_kind != "invoice" or target_customer != customer_id:
                err(n, field_name, "document_unknown", f"No invoice {ref} of this customer (send it first or "
                    "earlier in the batch)")
        old = known.get(item.number)
        if old is not None and len(errors) == before and customer_id:
            stored = None
            if old["pdf_file"]:
                stored = await storage.read(settings, pdf_key(str(old["pdf_file"])))  # 503 while the store is down
            if _same(old, item, customer_id, stored):
                unchanged.append(item.number)
            else:
                err(n, "number", "document_conflict", f"Document {item.number} exists with other values or PDF")
        if len(errors) == before and old is None:
            batch[item.number] = item
    if errors:
        raise BatchInvalid("documents_invalid", errors)
    reminded = [r for i in batch.values() for r in i.reminds]
    if reminded:
        already = {r["invoice"] for r in await ReminderItem.select(ReminderItem.invoice).where(
            ReminderItem.invoice.is_in([known[r]["id"] for r in reminded if r in known] or [uuid.uuid4()]))}
        twice = [r for r in reminded if r in known and known[r]["id"] in already]
        if twice or len(set(reminded)) != len(reminded):
            raise BatchInvalid("documents_invalid", [ItemError(
                next(n for n, i in enumerate(items, start=1) if r in i.reminds), "reminds", "document_conflict",
                f"Invoice {r} is already listed by a reminder") for r in (twice or reminded)])
    if not batch:
        return [], unchanged
    await _write(settings, list(batch.values()), ids, known)
    return list(batch), unchanged


async def _write(settings: Settings, items: list[DocumentItem], ids: dict[str, str], known: dict[str, Any]) -> None:
    files = {i.number: uuid.uuid4() for i in items}
    doc_ids = {i.number: uuid.uuid4() for i in items}
    saved = [pdf_key(str(files[i.number])) for i in items]
    # every PDF stored before any row names it (all or none: 503 storage_unavailable otherwise)
    await storage.put_all(settings, [(pdf_key(str(files[i.number])), i.pdf) for i in items])
    try:
        created = now()
        async with transaction():
            for i in items:  # parents first: a correction's invoice may be in the same batch
                refers = (known[i.refers_to]["id"] if i.refers_to in known else doc_ids[i.refers_to]) \
                    if i.refers_to else None
                await Document.insert(Document(
                    id=doc_ids[i.number], customer=ids[i.customer_number.strip()], service_point=None, kind=i.kind,
                    number=i.number, bill_key=f"ext:{i.number}", period=f"{i.issue_date:%Y-%m}",
                    period_start=i.period_start, period_end=i.period_end, issue_date=i.issue_date,
                    due_date=i.due_date, net_grosze=i.net_grosze if i.net_grosze is not None else i.gross_grosze,
                    vat_grosze=i.vat_grosze or 0, gross_grosze=i.gross_grosze, estimated=False, refers_to=refers,
                    reason=i.reason[:300], pdf_file=files[i.number], created_at=created))
            remaining = {str(d["id"]): d["remaining_grosze"] for d in await payments.documents_with_remaining(
                sorted({ids[i.customer_number.strip()] for i in items if i.reminds}))}
            owed: dict[str, int] = {}
            for i in items:
                for ref in i.reminds:
                    invoice_id = known[ref]["id"] if ref in known else doc_ids[ref]
                    owed[i.number] = owed.get(i.number, 0) + max(remaining.get(str(invoice_id), 0), 0)
                    await ReminderItem.insert(ReminderItem(
                        id=uuid.uuid4(), reminder=doc_ids[i.number], invoice=invoice_id,
                        owed_grosze=max(remaining.get(str(invoice_id), 0), 0)))
            # each customer is told of the new document (one job per 500 of them), as for e-BOK's own
            await notify.emit([ledger.document_notice(
                doc_ids[i.number], ids[i.customer_number.strip()], i.kind, i.number, i.gross_grosze, i.due_date,
                {"owed_grosze": owed.get(i.number, 0)} if i.kind == "reminder" else None) for i in items])
            # money already paid (an overpayment, a credit) settles the new documents
            await payments.apply_credits(sorted({ids[i.customer_number.strip()] for i in items}))
    except BaseException:
        await storage.remove_all(settings, saved)
        raise


async def import_payments(settings: Settings, items: list[PaymentItem]) -> tuple[list[str], list[str]]:
    """Check every payment, then record them all (or none). Returns the external ids (recorded, known already)."""
    require_external(settings)
    if len(items) > MAX_BATCH:
        raise ApiError("batch_too_large", f"At most {MAX_BATCH} payments at once", 413)
    ids = await customers.customer_ids_by_numbers(i.customer_number for i in items)
    errors: list[ItemError] = []
    for n, i in enumerate(items, start=1):
        if not i.external_id or len(i.external_id) > 120 or i.external_id != i.external_id.strip():
            errors.append(ItemError(n, "external_id", "value_invalid", "An external id has 1 to 120 characters"))
        if i.customer_number.strip() not in ids:
            errors.append(ItemError(n, "customer_number", "customer_unknown",
                                    f"No customer has the number '{i.customer_number}'"))
        if not 0 < i.amount_grosze <= 10**11:
            errors.append(ItemError(n, "amount_grosze", "value_invalid", "A payment is for more than 0 zł"))
    if errors:
        raise BatchInvalid("payments_invalid", errors)
    return await payments.record_payments([
        {"customer_id": ids[i.customer_number.strip()], "amount_grosze": i.amount_grosze, "booked_on": i.booked_on,
         "external_id": i.external_id, "title": i.title, "payer": i.payer} for i in items])


async def stored_pdf(settings: Settings, file_id: str) -> bytes:
    data = await storage.read(settings, pdf_key(file_id))
    if data is None:
        raise not_found("document")
    return data
