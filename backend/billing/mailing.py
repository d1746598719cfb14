"""e-Faktura delivery: each new invoice of a consenting customer goes by e-mail with its PDF,
through the outbox (a job per document, rendered by the worker, not by the billing run)."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Sequence
from typing import Any

from backend.billing import einvoice, services
from backend.billing.tables import Document
from backend.core import outbox
from backend.core.clock import now
from backend.core.mail import queue_mail
from backend.settings import Settings

KIND = "billing_invoice_mail"


async def queue_invoice_mails(document_ids: Sequence[str], customer_ids: Sequence[str]) -> int:
    """Queue the e-mail of each document whose customer consented (call in the issuing transaction)."""
    emails = await einvoice.consenting(sorted(set(customer_ids)))
    count = 0
    for doc_id, customer_id in zip(document_ids, customer_ids, strict=True):
        if customer_id in emails:
            await outbox.enqueue(KIND, {"document_id": doc_id})
            count += 1
    return count


class InvoiceMail:
    """Outbox handler: render the PDF and queue the message with it attached."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def __call__(self, payload: dict[str, Any]) -> None:
        doc = await Document.select(Document.id, Document.customer, Document.number, Document.emailed_at).where(
            Document.id == payload["document_id"]).first()
        if doc is None or doc["emailed_at"] is not None:
            return  # gone, or already sent by an earlier attempt of this job
        emails = await einvoice.consenting([str(doc["customer"])])
        to = emails.get(str(doc["customer"]))
        if not to:
            return  # consent withdrawn meanwhile: paper it is
        pdf, filename = await services.document_pdf(self.settings, str(doc["id"]))
        text = (f"Dzień dobry,\n\nw załączniku przesyłamy dokument nr {doc['number']} w formie elektronicznej "
                f"(e-Faktura).\nSaldo i płatności: {self.settings.base_url}/rozliczenia\n\n{self.settings.utility_name}\n")
        attachment = {"filename": filename, "content_type": "application/pdf",
                      "data_b64": await asyncio.to_thread(lambda: base64.b64encode(pdf).decode())}
        await queue_mail(to, f"e-Faktura {doc['number']} — {self.settings.utility_name}", text, [attachment])
        await Document.update({Document.emailed_at: now()}).where(Document.id == doc["id"])
