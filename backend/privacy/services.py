"""Moje dane: the data export and the request to delete the portal account. Deleting the account
removes the login and what hangs on it (sessions, links, consents screen access); the customer,
their meters, readings, invoices and payments stay, as accounting law requires."""

from __future__ import annotations

import asyncio
import os
import tempfile
from pathlib import Path
from typing import Any

import msgspec

from backend.accounts import services as accounts
from backend.accounts.schemas import CurrentUser
from backend.audit import services as audit
from backend.core import storage
from backend.core.clock import now
from backend.core.db import transaction
from backend.core.errors import ApiError, not_found
from backend.core.files import is_uuid
from backend.core.mail import queue_mail
from backend.customers import services as customers
from backend.privacy import export
from backend.privacy.tables import DeletionRequest
from backend.settings import Settings


class DeletionOut(msgspec.Struct):
    id: str
    status: str
    requested_at: str
    handled_at: str | None


class MyDataOut(msgspec.Struct):
    deletion_request: DeletionOut | None


class StaffDeletionOut(msgspec.Struct):
    id: str
    email: str
    customer_numbers: str
    reason: str
    status: str
    requested_at: str


def _out(r: dict[str, Any]) -> DeletionOut:
    return DeletionOut(id=str(r["id"]), status=r["status"], requested_at=r["requested_at"].isoformat(),
                       handled_at=r["handled_at"].isoformat() if r["handled_at"] else None)


# --- export -------------------------------------------------------------------------------------


def _files(data: dict[str, list[dict[str, Any]]]) -> list[tuple[str, str]]:
    """(name in the ZIP, storage key) of the person's stored files."""
    from backend.applications import services as applications
    from backend.contact import services as contact
    from backend.documents import services as documents

    out: list[tuple[str, str]] = []
    for r in data.get("reading", []):
        if r.get("photo_hash"):
            out.append((f"zdjecia/{r['photo_hash']}.jpg", storage.photo_key(r["photo_hash"])))
    for r in data.get("customer_document", []):
        out.append((f"dokumenty/{r['id']}-{r['file_name']}", documents.customer_document_key(r["id"])))
    for r in data.get("contact_attachment", []):
        out.append((f"kontakt/{r['id']}-{r['file_name']}", contact.attachment_key(r["kind"], r["id"])))
    for r in data.get("application_attachment", []):
        out.append((f"wnioski/{r['id']}-{r['file_name']}", applications.attachment_key(r["kind"], r["id"])))
    # photos are stored by content: readings sent with the same picture share one file, listed once
    return list(dict(out).items())


async def _read_files(settings: Settings, data: dict[str, list[dict[str, Any]]]) -> list[tuple[str, bytes]]:
    store = storage.from_settings(settings)
    out = []
    for name, key in _files(data):
        try:
            content = await store.get(key)
        except storage.StorageUnavailable:
            raise ApiError("storage_unavailable", "Files cannot be read right now; try again later", 503,
                           headers={"retry-after": "30"}) from None
        if content is not None:
            out.append((name, content))
    return out


async def build_export(settings: Settings, user: CurrentUser) -> Path:
    """A ZIP in a temporary file of the data directory; the caller deletes it after sending."""
    numbers = [c["number"] for c in await customers.customers_brief(user.customer_ids)]
    data = await export.collect(user.id, user.email, user.customer_ids, numbers)
    folder = settings.data_dir / "exports"
    folder.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=folder, suffix=".zip")
    os.close(fd)
    path = Path(name)
    readme = export.README.format(utility=settings.utility_name, when=now().isoformat(timespec="seconds"))
    try:
        files = await _read_files(settings, data)
        await asyncio.to_thread(export.write_zip, path, data, files, readme)
    except BaseException:
        await asyncio.to_thread(path.unlink, missing_ok=True)
        raise
    await audit.record_many(user, [audit.Entry("data.export", "account", user.id, None, {"customers": numbers},
                                               customer_id=c) for c in user.customer_ids]
                            or [audit.Entry("data.export", "account", user.id)])
    return path


# --- deletion request -----------------------------------------------------------------------------


async def my_data(user: CurrentUser) -> MyDataOut:
    row = await DeletionRequest.select().where(
        (DeletionRequest.user == user.id) & DeletionRequest.status.is_in(["pending"])
    ).first()
    return MyDataOut(deletion_request=_out(row) if row else None)


async def request_deletion(settings: Settings, user: CurrentUser, password: str, reason: str) -> MyDataOut:
    await accounts.check_password(user.id, password)
    if user.role != "resident":
        raise ApiError("not_for_staff", "Office accounts are removed by an administrator", 400)
    numbers = ", ".join(c["number"] for c in await customers.customers_brief(user.customer_ids))
    async with transaction():
        if await DeletionRequest.exists().where((DeletionRequest.user == user.id) & (DeletionRequest.status == "pending")):
            return await my_data(user)
        await DeletionRequest.insert(DeletionRequest(user=user.id, email=user.email, customer_numbers=numbers[:200],
                                                     reason=reason.strip()[:500], requested_at=now()))
        await queue_mail(
            settings.office_email, f"[e-BOK] Wniosek o usunięcie konta ({numbers})",
            f"Klient {numbers} ({user.email}) prosi o usunięcie konta w e-BOK.\n"
            f"Powód: {reason.strip() or '—'}\n\nWniosek wykonasz w e-BOK: {settings.base_url}/biuro/dane\n"
            "Dane rozliczeniowe (faktury, płatności, odczyty) pozostają zgodnie z przepisami o rachunkowości.\n",
        )
    return await my_data(user)


async def cancel_deletion(user: CurrentUser) -> MyDataOut:
    await DeletionRequest.update({DeletionRequest.status: "cancelled", DeletionRequest.handled_at: now()}).where(
        (DeletionRequest.user == user.id) & (DeletionRequest.status == "pending"))
    return await my_data(user)


async def pending_requests() -> list[StaffDeletionOut]:
    rows = await DeletionRequest.select().where(DeletionRequest.status == "pending").order_by(
        DeletionRequest.requested_at)
    return [StaffDeletionOut(id=str(r["id"]), email=r["email"], customer_numbers=r["customer_numbers"],
                             reason=r["reason"], status=r["status"], requested_at=r["requested_at"].isoformat())
            for r in rows]


async def carry_out(staff: CurrentUser, request_id: str) -> None:
    """Delete the portal account. The request row stays (without the link) as the record of it."""
    from backend.accounts.profile import delete_account

    row = await DeletionRequest.select().where(
        (DeletionRequest.id == request_id) & (DeletionRequest.status == "pending")).first() if is_uuid(request_id) else None
    if not row:
        raise not_found("deletion request")
    async with transaction():
        await DeletionRequest.update({DeletionRequest.status: "done", DeletionRequest.handled_at: now(),
                                      DeletionRequest.handled_by: staff.id}).where(DeletionRequest.id == row["id"])
        await audit.record(staff, "deletion.complete", "deletion_request", row["id"], {"status": "pending"},
                           {"status": "done", "account_id": row["user"]})
        if row["user"]:
            await delete_account(str(row["user"]))
