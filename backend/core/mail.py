"""Mail: composed in a request, queued in the outbox, delivered by the worker over SMTP
(aiosmtplib) or, without SMTP_URL, written as .eml files for the demo."""

from __future__ import annotations

import base64
import logging
import uuid
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import aiosmtplib

from backend.core import metrics, outbox
from backend.core.clock import now
from backend.settings import Settings

log = logging.getLogger("ebok.mail")


async def queue_mail(to: str, subject: str, text: str, attachments: list[dict[str, str]] | None = None) -> None:
    """Queue a plain-text message; it is sent after the surrounding transaction commits.
    `attachments`: [{"filename", "content_type", "data_b64"}] (e.g. an invoice PDF)."""
    payload: dict[str, Any] = {"to": to, "subject": subject, "text": text}
    if attachments:
        payload["attachments"] = attachments
    await outbox.enqueue("mail", payload)


def build_message(settings: Settings, payload: dict[str, Any]) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = settings.mail_from
    msg["To"] = payload["to"]
    msg["Subject"] = payload["subject"]
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain=settings.mail_from.rsplit("@", 1)[-1].strip(">"))
    msg.set_content(payload["text"])
    for item in payload.get("attachments") or []:
        maintype, _, subtype = item["content_type"].partition("/")
        msg.add_attachment(base64.b64decode(item["data_b64"]), maintype=maintype, subtype=subtype or "octet-stream",
                           filename=item["filename"])
    return msg


class MailDelivery:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def __call__(self, payload: dict[str, Any]) -> None:
        msg = build_message(self.settings, payload)
        if not self.settings.smtp_url:
            path = self._write_eml(msg)
            # The path only: the message may hold a single-use link, which must not sit in logs
            log.warning("mail to %s written to %s (no SMTP_URL set)", _mask(payload["to"]), path)
            metrics.MAIL.labels("sent").inc()
            return
        url = urlsplit(self.settings.smtp_url)
        try:
            await aiosmtplib.send(
                msg,
                hostname=url.hostname or "localhost",
                port=url.port or (465 if url.scheme == "smtps" else 25),
                username=unquote(url.username) if url.username else None,
                password=unquote(url.password) if url.password else None,
                use_tls=url.scheme == "smtps",
                start_tls=True if url.scheme == "smtp+starttls" else None,
                timeout=30,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            metrics.MAIL.labels("failed").inc()
            raise outbox.GiveUp(f"recipient refused: {exc}") from exc
        except Exception:
            metrics.MAIL.labels("failed").inc()  # retried by the outbox
            raise
        metrics.MAIL.labels("sent").inc()

    def _write_eml(self, msg: EmailMessage) -> Path:
        folder = self.settings.data_dir / "mail"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{now():%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:8]}.eml"
        path.write_bytes(bytes(msg))
        return path


def _mask(address: str) -> str:
    name, _, domain = address.partition("@")
    return f"{name[:1]}***@{domain}"
