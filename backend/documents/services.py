"""Documents: staff upload PDFs for one customer or for everybody; residents see their customers'
documents (new ones unread until the first download), everybody sees the public ones.
Another customer's document is 404 like a missing one."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import uuid
from typing import Any

import msgspec

from backend.accounts.schemas import CurrentUser
from backend.audit import services as audit
from backend.core import storage
from backend.core.clock import iso, now
from backend.core.db import transaction
from backend.core.errors import ApiError, not_found
from backend.core.files import is_uuid
from backend.core.photos import PhotoError, process_photo_async
from backend.customers import services as customers
from backend.documents.pdf import PdfError, check_pdf, safe_file_name
from backend.documents.schemas import (
    CUSTOMER_CATEGORIES,
    PUBLIC_CATEGORIES,
    DocumentOut,
    PublicDocumentOut,
    StaffDocumentOut,
)
from backend.documents.tables import CustomerDocument, PublicDocument
from backend.settings import Settings

log = logging.getLogger("ebok.documents")


CUSTOMER_FOLDER, PUBLIC_FOLDER = "documents/customers", "documents/public"


def customer_document_key(doc_id: str) -> str:
    return storage.file_key(CUSTOMER_FOLDER, doc_id, ".pdf")


async def _put(settings: Settings, key: str, data: bytes) -> None:
    try:
        await storage.from_settings(settings).put(key, data)
    except storage.StorageUnavailable:
        raise ApiError("storage_unavailable", "Files cannot be stored right now; try again later", 503,
                       headers={"retry-after": "30"}) from None


async def _get(settings: Settings, key: str) -> bytes:
    try:
        data = await storage.from_settings(settings).get(key)
    except storage.StorageUnavailable:
        raise ApiError("storage_unavailable", "Files cannot be read right now; try again later", 503,
                       headers={"retry-after": "30"}) from None
    if data is None:
        raise not_found("document")
    return data


async def _remove(settings: Settings, key: str) -> None:
    try:
        await storage.from_settings(settings).delete(key)
    except storage.StorageUnavailable:
        log.warning("object storage unavailable: %s left behind", key)


async def validate_pdf(data: bytes, field: str = "file") -> int:
    """Pages of a real PDF, or a 400 naming the field (used by contact attachments too)."""
    try:
        return await asyncio.to_thread(check_pdf, data)
    except PdfError as exc:
        raise ApiError(exc.code, str(exc), 400, field=field) from None


class Upload:
    def __init__(self, title: str, category: str, file_name: str, data: bytes, description: str = "") -> None:
        self.title, self.category, self.description = title.strip(), category, description.strip()
        self.file_name, self.data = file_name, data


def _check_upload(upload: Upload, categories: tuple[str, ...]) -> None:
    if not upload.title:
        raise ApiError("field_required", "title is required", 400, field="title")
    if upload.category not in categories:
        raise ApiError("invalid_request", "Unknown category", 400, field="category")


# --- per-customer documents ---------------------------------------------------------------------


async def upload_for_customer(settings: Settings, staff: CurrentUser, customer_id: str, upload: Upload
                              ) -> StaffDocumentOut:
    _check_upload(upload, CUSTOMER_CATEGORIES)
    customer = await customers.get_customer(customer_id) if is_uuid(customer_id) else None
    if not customer:
        raise ApiError("not_found", "customer not found", 404, field="customer_id")
    pages = await validate_pdf(upload.data)
    doc_id = uuid.uuid4()
    await _put(settings, customer_document_key(str(doc_id)), upload.data)
    try:
        await CustomerDocument.insert(CustomerDocument(
            id=doc_id, customer=customer["id"], title=upload.title[:200], category=upload.category,
            file_name=safe_file_name(upload.file_name or upload.title), size=len(upload.data), pages=pages,
            sha256=hashlib.sha256(upload.data).hexdigest(), uploaded_by=staff.id, uploaded_at=now(),
        ))
    except BaseException:
        await _remove(settings, customer_document_key(str(doc_id)))
        raise
    out = (await staff_documents(customer_id=str(customer["id"]), doc_id=str(doc_id)))[0]
    await audit.record(staff, "document.upload", "customer_document", doc_id, None,
                       {"title": upload.title[:200], "category": upload.category, "size": len(upload.data)},
                       customer_id=customer["id"])
    return out


async def documents_for(user: CurrentUser) -> list[DocumentOut]:
    if not user.customer_ids:
        return []
    rows = await CustomerDocument.select(
        *CustomerDocument.all_columns(), CustomerDocument.customer.number.as_alias("customer_number")
    ).where(CustomerDocument.customer.is_in(list(user.customer_ids))).order_by(
        CustomerDocument.uploaded_at, ascending=False
    )
    return [DocumentOut(
        id=str(r["id"]), customer_id=str(r["customer"]), customer_number=r["customer_number"], title=r["title"],
        category=r["category"], file_name=r["file_name"], size=r["size"], pages=r["pages"],
        uploaded_at=iso(r["uploaded_at"]) or "", unread=r["first_opened_at"] is None,
    ) for r in rows]


async def staff_documents(customer_id: str | None = None, doc_id: str | None = None, limit: int = 200
                          ) -> list[StaffDocumentOut]:
    query = CustomerDocument.select(
        *CustomerDocument.all_columns(), CustomerDocument.customer.number.as_alias("customer_number"),
        CustomerDocument.customer.name.as_alias("customer_name"),
    ).order_by(CustomerDocument.uploaded_at, ascending=False).limit(limit)
    if (customer_id and not is_uuid(customer_id)) or (doc_id and not is_uuid(doc_id)):
        return []
    if customer_id:
        query = query.where(CustomerDocument.customer == customer_id)
    if doc_id:
        query = query.where(CustomerDocument.id == doc_id)
    rows = await query
    return [StaffDocumentOut(
        id=str(r["id"]), customer_id=str(r["customer"]), customer_number=r["customer_number"],
        customer_name=r["customer_name"], title=r["title"], category=r["category"], file_name=r["file_name"],
        size=r["size"], pages=r["pages"], uploaded_at=iso(r["uploaded_at"]) or "",
        first_opened_at=iso(r["first_opened_at"]),
    ) for r in rows]


async def open_document(settings: Settings, user: CurrentUser, doc_id: str) -> tuple[bytes, str]:
    """The file of a document this user may see; a resident's first download marks it read."""
    row = await CustomerDocument.select().where(CustomerDocument.id == doc_id).first() if is_uuid(doc_id) else None
    if not row or not (user.is_staff or str(row["customer"]) in user.customer_ids):
        raise not_found("document")
    data = await _get(settings, customer_document_key(str(row["id"])))
    if not user.is_staff and row["first_opened_at"] is None:
        # only the first opening counts; a concurrent one loses the compare-and-set
        await CustomerDocument.update({CustomerDocument.first_opened_at: now(),
                                       CustomerDocument.first_opened_by: user.id}).where(
            (CustomerDocument.id == row["id"]) & CustomerDocument.first_opened_at.is_null())
    return data, row["file_name"]


async def delete_customer_document(settings: Settings, doc_id: str, staff: audit.Actor = None) -> None:
    async with transaction():
        deleted = await CustomerDocument.delete().where(CustomerDocument.id == doc_id).returning(
            CustomerDocument.id, CustomerDocument.customer, CustomerDocument.title, CustomerDocument.category,
            CustomerDocument.size) if is_uuid(doc_id) else []
        if not deleted:
            raise not_found("document")
        d = deleted[0]
        await audit.record(staff, "document.remove", "customer_document", doc_id,
                           {"title": d["title"], "category": d["category"], "size": d["size"]}, None,
                           customer_id=d["customer"])
    await _remove(settings, customer_document_key(doc_id))


# --- public information documents ----------------------------------------------------------------


def _public_out(r: dict[str, Any]) -> PublicDocumentOut:
    return PublicDocumentOut(
        id=str(r["id"]), title=r["title"], category=r["category"], description=r["description"],
        file_name=r["file_name"], size=r["size"], pages=r["pages"], uploaded_at=iso(r["uploaded_at"]) or "",
    )


async def public_documents() -> list[PublicDocumentOut]:
    rows = await PublicDocument.select().order_by(PublicDocument.category).order_by(PublicDocument.title)
    return [_public_out(r) for r in rows]


async def upload_public(settings: Settings, staff: CurrentUser, upload: Upload) -> PublicDocumentOut:
    _check_upload(upload, PUBLIC_CATEGORIES)
    pages = await validate_pdf(upload.data)
    doc_id = uuid.uuid4()
    await _put(settings, storage.file_key(PUBLIC_FOLDER, str(doc_id), ".pdf"), upload.data)
    doc = PublicDocument(
        id=doc_id, title=upload.title[:200], category=upload.category, description=upload.description[:500],
        file_name=safe_file_name(upload.file_name or upload.title), size=len(upload.data), pages=pages,
        sha256=hashlib.sha256(upload.data).hexdigest(), uploaded_by=staff.id, uploaded_at=now(),
    )
    try:
        await PublicDocument.insert(doc)
    except BaseException:
        await _remove(settings, storage.file_key(PUBLIC_FOLDER, str(doc_id), ".pdf"))
        raise
    await audit.record(staff, "information.upload", "public_document", doc_id, None,
                       {"title": doc.title, "category": doc.category, "size": doc.size})
    return _public_out(doc.to_dict())  # what was stored: no second read


async def public_file(settings: Settings, doc_id: str) -> tuple[bytes, str]:
    row = await PublicDocument.select(PublicDocument.id, PublicDocument.file_name).where(
        PublicDocument.id == doc_id).first() if is_uuid(doc_id) else None
    if not row:
        raise not_found("document")
    return await _get(settings, storage.file_key(PUBLIC_FOLDER, str(row["id"]), ".pdf")), row["file_name"]


async def delete_public(settings: Settings, doc_id: str, staff: audit.Actor = None) -> None:
    async with transaction():
        deleted = await PublicDocument.delete().where(PublicDocument.id == doc_id).returning(
            PublicDocument.id, PublicDocument.title, PublicDocument.category) if is_uuid(doc_id) else []
        if not deleted:
            raise not_found("document")
        await audit.record(staff, "information.remove", "public_document", doc_id,
                           {"title": deleted[0]["title"], "category": deleted[0]["category"]}, None)
    await _remove(settings, storage.file_key(PUBLIC_FOLDER, doc_id, ".pdf"))


def safe_name(name: str, default: str, suffix: str) -> str:
    """A download name safe for Content-Disposition (used by contact attachments too)."""
    return safe_file_name(name, default, suffix)


# --- what residents attach (contact messages, applications) ------------------------------------------


class Attachment(msgspec.Struct):
    kind: str  # photo | pdf
    file_name: str
    data: bytes


async def prepare_uploads(files: list[tuple[str, bytes]], field: str = "attachment") -> list[Attachment]:
    """Photos are re-encoded (metadata dropped) like meter photos; PDFs must parse as PDFs."""
    out = []
    for name, data in files:
        if data.lstrip(b"\r\n\t ")[:5] == b"%PDF-":
            await validate_pdf(data, field=field)
            out.append(Attachment("pdf", safe_name(name, "zalacznik.pdf", ".pdf"), data))
            continue
        try:
            photo = await process_photo_async(data)
        except PhotoError as exc:
            code = "attachment_not_allowed" if exc.code in ("photo_not_image", "photo_unsupported_format") else exc.code
            raise ApiError(code, str(exc), 400, field=field) from None
        stem = (name or "zdjecie").rsplit(".", 1)[0]
        out.append(Attachment("photo", safe_name(stem, "zdjecie.jpg", ".jpg"), photo.full))
    return out
