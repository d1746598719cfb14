"""What other domains (the dashboard, the demo loader, the CLI) ask of settlements."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from backend.accounts.schemas import CurrentUser
from backend.billing import external, invoices, payments
from backend.billing.external import BatchInvalid, DocumentItem, ItemError, PaymentItem
from backend.billing.tables import Document
from backend.core.clock import today_in_warsaw
from backend.core.db import Read, run
from backend.core.errors import not_found
from backend.customers import services as customers
from backend.settings import Settings


async def balance(customer_ids: Sequence[str]) -> dict[str, int]:
    """{total_grosze, overdue_grosze} of the customers (positive total: owed)."""
    return await run(balance_read(customer_ids))


def balance_read(customer_ids: Sequence[str]) -> Read[dict[str, int]]:
    """balance() as a read to send with a screen's others (the dashboard's, db.read_together())."""
    return payments.balance_read(list(customer_ids), today_in_warsaw())


async def documents_of(customer_id: str, limit: int = 50) -> list[dict[str, Any]]:
    """The customer's payment documents, newest first, each with what remains to pay (the office's
    customer screen): id, number, kind, issue_date, due_date, gross_grosze, remaining_grosze."""
    keys = ("id", "number", "kind", "issue_date", "due_date", "gross_grosze", "remaining_grosze")
    return [{k: d[k] for k in keys} for d in (await payments.documents_with_remaining([customer_id]))[:limit]]


async def document_pdf(settings: Settings, document_id: str) -> tuple[bytes, str]:
    """(PDF bytes, file name) of a document, without an authorisation check (callers do that)."""
    system = CurrentUser(id="", email="", name="", role="staff", language="pl", customer_ids=(), session_id="")
    doc = await invoices.detail(system, document_id)
    row = await Document.select(Document.pdf_file).where(Document.id == doc.document.id).first()
    if row and row["pdf_file"]:  # external billing: the billing system's own PDF, as it sent it
        return await external.stored_pdf(settings, str(row["pdf_file"])), doc.document.number.replace("/", "-") + ".pdf"
    customer = await customers.get_customer(doc.document.customer_id)
    if customer is None:
        raise not_found("customer")
    transfer = await invoices.transfer(settings, system, document_id, None)
    from backend.billing import pdf  # fpdf and its fonts: imported when the first PDF is made

    data = await asyncio.to_thread(pdf.render, settings, doc, customer, transfer)
    return data, doc.document.number.replace("/", "-") + ".pdf"


async def visible_pdf(settings: Settings, user: CurrentUser, document_id: str) -> tuple[bytes, str]:
    await invoices.visible_document(user, document_id)
    return await document_pdf(settings, document_id)


def _plain_number(number: str) -> str:
    return "".join(number.split()).upper()


async def invoice_matches(customer_id: str, number: str, gross_grosze: int, last: int = 3) -> bool:
    """Self-registration's proof of being the customer: one of their `last` newest invoices (by issue
    date; corrections count, reminders do not) has this number (spaces and case ignored) and this
    gross amount as printed on it."""
    rows = await Document.select(Document.number, Document.gross_grosze).where(
        (Document.customer == customer_id) & Document.kind.is_in(["invoice", "correction"])
    ).order_by(Document.issue_date, ascending=False).order_by(Document.number, ascending=False).limit(last)
    wanted = _plain_number(number)
    return any(_plain_number(r["number"]) == wanted and int(r["gross_grosze"]) == gross_grosze for r in rows)


# --- external billing (EBOK_BILLING=external; the integration API and `ebok import`) ---------------

__all__ = ["BatchInvalid", "DocumentItem", "ItemError", "PaymentItem"]


async def import_documents(settings: Settings, items: list[DocumentItem]) -> tuple[list[str], list[str]]:
    """The billing system's documents with their PDFs, all or none: (numbers added, numbers unchanged)."""
    return await external.import_documents(settings, items)


async def import_payments(settings: Settings, items: list[PaymentItem]) -> tuple[list[str], list[str]]:
    """The billing system's payments, all or none: (external ids recorded, external ids known already)."""
    return await external.import_payments(settings, items)


async def payments_made_in_ebok(seq: int, limit: int) -> tuple[list[dict[str, Any]], int]:
    """The payments feed: payments made online in e-BOK after position `seq`, and the last position."""
    return await payments.reported_after(seq, limit)


def check_pdf(data: bytes, max_bytes: int) -> tuple[str, str] | None:
    return external.check_pdf(data, max_bytes)


def read_documents_file(path: Any) -> Any:
    """(documents, their lines, errors) of an `ebok import documents` CSV (billing/external_file.py)."""
    from backend.billing import external_file

    return external_file.read_documents(path)


def read_payments_file(path: Any) -> Any:
    from backend.billing import external_file

    return external_file.read_payments(path)
