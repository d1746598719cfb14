"""What other domains (the dashboard, the demo loader, the CLI) ask of settlements."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from backend.accounts.schemas import CurrentUser
from backend.billing import invoices, payments, pdf
from backend.billing.tables import Document
from backend.core.clock import today_in_warsaw
from backend.core.errors import not_found
from backend.customers import services as customers
from backend.settings import Settings


async def balance(customer_ids: Sequence[str]) -> dict[str, int]:
    """{total_grosze, overdue_grosze} of the customers (positive total: owed) for the dashboard."""
    return await payments.balance(list(customer_ids), today_in_warsaw())


async def document_pdf(settings: Settings, document_id: str) -> tuple[bytes, str]:
    """(PDF bytes, file name) of a document, without an authorisation check (callers do that)."""
    system = CurrentUser(id="", email="", name="", role="staff", language="pl", customer_ids=(), session_id="")
    doc = await invoices.detail(system, document_id)
    customer = await customers.get_customer(doc.document.customer_id)
    if customer is None:
        raise not_found("customer")
    transfer = await invoices.transfer(settings, system, document_id, None)
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
