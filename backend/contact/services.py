"""Contact: a resident writes to the office (category, subject, text, photos or PDFs), the message
reaches the office mailbox through the mail outbox and the staff inbox in the app; staff reply in the
app and the resident is e-mailed that a reply waits. Sending is idempotent per Idempotency-Key, so a
message queued offline on the phone arrives exactly once however often it is resent."""

from __future__ import annotations

import hashlib
import logging
import uuid
from typing import Any

import msgspec

from backend.accounts import services as accounts
from backend.accounts.schemas import CurrentUser
from backend.contact.mails import CATEGORY_NAMES, office_mail, reply_mail
from backend.contact.schemas import (
    CATEGORIES,
    MAX_ATTACHMENTS,
    AttachmentOut,
    MessageOut,
    ThreadDetailOut,
    ThreadOut,
)
from backend.contact.tables import ContactAttachment, ContactMessage, ContactThread
from backend.core import idempotency, storage
from backend.core.clock import iso, now
from backend.core.db import transaction
from backend.core.errors import ApiError, not_found
from backend.core.files import is_uuid
from backend.core.mail import queue_mail
from backend.customers import services as customers
from backend.documents import services as documents
from backend.settings import Settings

log = logging.getLogger("ebok.contact")

MAX_BODY = 5000


def attachment_key(kind: str, att_id: str) -> str:
    return storage.file_key("contact", att_id, ".jpg" if kind == "photo" else ".pdf")


def _unavailable() -> ApiError:
    return ApiError("storage_unavailable", "Files cannot be stored right now; try again later", 503,
                    headers={"retry-after": "30"})


class Incoming(msgspec.Struct, frozen=True):
    customer_id: str
    category: str
    subject: str
    body: str
    files: list[tuple[str, bytes]]  # (file name, content)


def request_hash(msg: Incoming) -> str:
    h = hashlib.sha256()
    for part in (msg.customer_id, msg.category, msg.subject.strip(), msg.body.strip()):
        h.update(part.encode())
        h.update(b"\x00")
    for _, data in msg.files:
        h.update(hashlib.sha256(data).digest())
    return h.hexdigest()


# --- attachments ------------------------------------------------------------------------------------


async def _prepare(files: list[tuple[str, bytes]]) -> list[documents.Attachment]:
    if len(files) > MAX_ATTACHMENTS:
        raise ApiError("too_many_attachments", f"At most {MAX_ATTACHMENTS} attachments", 400, field="attachment")
    return await documents.prepare_uploads(files)


# --- sending ----------------------------------------------------------------------------------------


def _visible_customer(user: CurrentUser, customer_id: str) -> None:
    if customer_id not in user.customer_ids:
        raise not_found("customer")


async def send(settings: Settings, user: CurrentUser, key: str, msg: Incoming) -> tuple[int, dict[str, Any]]:
    if user.role != "resident":
        raise not_found("customer")
    _visible_customer(user, msg.customer_id)
    if msg.category not in CATEGORIES:
        raise ApiError("invalid_request", "Unknown category", 400, field="category")
    if not msg.subject.strip():
        raise ApiError("field_required", "subject is required", 400, field="subject")
    if not msg.body.strip():
        raise ApiError("field_required", "body is required", 400, field="body")
    # a replay of the same Idempotency-Key gets the first answer (keys are shared with readings)
    return await idempotency.once(key, user.id, request_hash(msg), lambda: _store_new(settings, user, key, msg))


async def _save_files(settings: Settings,
                      prepared: list[documents.Attachment]) -> list[tuple[uuid.UUID, documents.Attachment]]:
    saved: list[tuple[uuid.UUID, documents.Attachment]] = []
    for p in prepared:
        att_id = uuid.uuid4()
        try:
            await storage.from_settings(settings).put(attachment_key(p.kind, str(att_id)), p.data)
        except storage.StorageUnavailable:
            await _remove(settings, saved)
            raise _unavailable() from None
        saved.append((att_id, p))
    return saved


async def _store_new(settings: Settings, user: CurrentUser, key: str, msg: Incoming) -> tuple[int, dict[str, Any]]:
    prepared = await _prepare(msg.files)
    customer = await customers.get_customer(msg.customer_id)
    if not customer:
        raise not_found("customer")
    saved = await _save_files(settings, prepared)
    thread_id, message_id, t = uuid.uuid4(), uuid.uuid4(), now()
    subject, text = office_mail(
        category=CATEGORY_NAMES["pl"][msg.category], subject=msg.subject.strip(), number=customer["number"],
        customer=customer["name"], author=user.name, email=user.email, attachments=len(saved),
        body=msg.body.strip(), link=f"{settings.base_url}/biuro/kontakt?watek={thread_id}",
    )
    try:
        async with transaction():
            await ContactThread.insert(ContactThread(
                id=thread_id, customer=customer["id"], author=user.id, category=msg.category,
                subject=msg.subject.strip()[:200], status="open", created_at=t, last_message_at=t,
                staff_unread=True, resident_unread=False,
            ))
            await ContactMessage.insert(ContactMessage(id=message_id, thread=thread_id, author=user.id,
                                                       from_staff=False, body=msg.body.strip(), created_at=t))
            for att_id, p in saved:
                await ContactAttachment.insert(ContactAttachment(
                    id=att_id, message=message_id, kind=p.kind, file_name=p.file_name, size=len(p.data),
                    sha256=hashlib.sha256(p.data).hexdigest()))
            await queue_mail(settings.office_email, subject, text)
            body = msgspec.to_builtins((await _threads(thread_id=str(thread_id), viewer_is_staff=False))[0])
            await idempotency.complete(key, 201, body)
    except BaseException:
        await _remove(settings, saved)
        raise
    return 201, body


# --- reading threads --------------------------------------------------------------------------------


async def _threads(*, customer_ids: list[str] | None = None, thread_id: str | None = None,
                   status: str | None = None, viewer_is_staff: bool, limit: int = 200) -> list[ThreadOut]:
    query = ContactThread.select(
        *ContactThread.all_columns(), ContactThread.customer.number.as_alias("customer_number"),
    ).order_by(ContactThread.last_message_at, ascending=False).limit(limit)
    if customer_ids is not None:
        if not customer_ids:
            return []
        query = query.where(ContactThread.customer.is_in(customer_ids))
    if thread_id:
        if not is_uuid(thread_id):
            return []
        query = query.where(ContactThread.id == thread_id)
    if status:
        query = query.where(ContactThread.status == status)
    rows = await query
    return [ThreadOut(
        id=str(r["id"]), customer_id=str(r["customer"]), customer_number=r["customer_number"],
        category=r["category"], subject=r["subject"], status=r["status"], created_at=iso(r["created_at"]),
        last_message_at=iso(r["last_message_at"]),
        unread=bool(r["staff_unread"] if viewer_is_staff else r["resident_unread"]),
    ) for r in rows]


async def threads_for(user: CurrentUser) -> list[ThreadOut]:
    return await _threads(customer_ids=list(user.customer_ids), viewer_is_staff=False)


async def inbox(status: str | None = None) -> list[ThreadOut]:
    return await _threads(status=status or None, viewer_is_staff=True)


async def threads_of_customer(customer_id: str, limit: int = 50) -> list[ThreadOut]:
    """The customer's threads as the office sees them (the customer screen)."""
    return await _threads(customer_ids=[customer_id], viewer_is_staff=True, limit=limit)


async def _visible_thread(user: CurrentUser, thread_id: str) -> dict[str, Any]:
    row = await ContactThread.select().where(ContactThread.id == thread_id).first() if is_uuid(thread_id) else None
    if not row or not (user.is_staff or str(row["customer"]) in user.customer_ids):
        raise not_found("thread")
    return row


async def thread_detail(user: CurrentUser, thread_id: str) -> ThreadDetailOut:
    row = await _visible_thread(user, thread_id)
    flag = ContactThread.staff_unread if user.is_staff else ContactThread.resident_unread
    if row["staff_unread" if user.is_staff else "resident_unread"]:
        await ContactThread.update({flag: False}).where(ContactThread.id == row["id"])
    messages = await ContactMessage.select(
        *ContactMessage.all_columns(), ContactMessage.author.name.as_alias("author_name"),
    ).where(ContactMessage.thread == row["id"]).order_by(ContactMessage.created_at)
    attachments = await ContactAttachment.select().where(
        ContactAttachment.message.is_in([m["id"] for m in messages])) if messages else []
    by_message: dict[str, list[AttachmentOut]] = {}
    for a in attachments:
        by_message.setdefault(str(a["message"]), []).append(
            AttachmentOut(id=str(a["id"]), kind=a["kind"], file_name=a["file_name"], size=a["size"]))
    customer = await customers.get_customer(str(row["customer"]))
    (thread,) = await _threads(thread_id=str(row["id"]), viewer_is_staff=user.is_staff)
    return ThreadDetailOut(
        thread=thread, customer_name=customer["name"] if customer else "",
        messages=[MessageOut(
            id=str(m["id"]), from_staff=m["from_staff"],
            # residents see "the office", not which employee answered
            author_name="" if m["from_staff"] and not user.is_staff else (m["author_name"] or ""),
            body=m["body"], created_at=iso(m["created_at"]), attachments=by_message.get(str(m["id"]), []),
        ) for m in messages],
    )


async def _remove(settings: Settings, saved: list[tuple[uuid.UUID, documents.Attachment]]) -> None:
    for att_id, p in saved:
        try:
            await storage.from_settings(settings).delete(attachment_key(p.kind, str(att_id)))
        except storage.StorageUnavailable:
            log.warning("object storage unavailable: attachment %s left behind", att_id)


async def attachment_file(settings: Settings, user: CurrentUser, attachment_id: str) -> tuple[bytes, str, str]:
    row = await ContactAttachment.select(
        ContactAttachment.id, ContactAttachment.kind, ContactAttachment.file_name,
        ContactAttachment.message._.thread._.customer.as_alias("customer"),
    ).where(ContactAttachment.id == attachment_id).first() if is_uuid(attachment_id) else None
    if not row or not (user.is_staff or str(row["customer"]) in user.customer_ids):
        raise not_found("attachment")
    try:
        data = await storage.from_settings(settings).get(attachment_key(row["kind"], str(row["id"])))
    except storage.StorageUnavailable:
        raise _unavailable() from None
    if data is None:
        raise not_found("attachment")
    return data, row["file_name"], "image/jpeg" if row["kind"] == "photo" else "application/pdf"


# --- replies ------------------------------------------------------------------------------------------


async def resident_reply(settings: Settings, user: CurrentUser, thread_id: str, body: str) -> ThreadDetailOut:
    row = await _visible_thread(user, thread_id)
    if user.is_staff:
        raise not_found("thread")
    customer = await customers.get_customer(str(row["customer"]))
    t = now()
    subject, text = office_mail(
        category=CATEGORY_NAMES["pl"][row["category"]], subject=row["subject"],
        number=customer["number"] if customer else "", customer=customer["name"] if customer else "",
        author=user.name, email=user.email, attachments=0, body=body.strip(),
        link=f"{settings.base_url}/biuro/kontakt?watek={row['id']}",
    )
    async with transaction():
        await ContactMessage.insert(ContactMessage(thread=row["id"], author=user.id, from_staff=False,
                                                   body=body.strip(), created_at=t))
        await ContactThread.update({ContactThread.status: "open", ContactThread.staff_unread: True,
                                    ContactThread.last_message_at: t}).where(ContactThread.id == row["id"])
        await queue_mail(settings.office_email, subject, text)
    return await thread_detail(user, thread_id)


async def staff_reply(settings: Settings, staff: CurrentUser, thread_id: str, body: str) -> ThreadDetailOut:
    row = await _visible_thread(staff, thread_id)
    t = now()
    async with transaction():
        await ContactMessage.insert(ContactMessage(thread=row["id"], author=staff.id, from_staff=True,
                                                   body=body.strip(), created_at=t))
        await ContactThread.update({ContactThread.status: "answered", ContactThread.resident_unread: True,
                                    ContactThread.staff_unread: False, ContactThread.last_message_at: t}).where(
            ContactThread.id == row["id"])
        if row["author"]:
            author = await accounts.me(row["author"])
            subject, text = reply_mail(author.language, utility=settings.utility_name,
                                       link=f"{settings.base_url}/kontakt/watek?id={row['id']}")
            await queue_mail(author.email, subject, text)
    return await thread_detail(staff, thread_id)


async def close_thread(staff: CurrentUser, thread_id: str) -> ThreadDetailOut:
    row = await _visible_thread(staff, thread_id)
    await ContactThread.update({ContactThread.status: "closed", ContactThread.staff_unread: False}).where(
        ContactThread.id == row["id"])
    return await thread_detail(staff, thread_id)
