"""Applications (wnioski): a resident files one for a customer (kind, its fields, attachments); the
filing is confirmed in writing with its date (a PDF, e-mailed and in the app); the office's queue is
sorted by the deadline the law or the regulations give; the office extends it once with a reason,
answers and closes; the resident is told of each change. Filing is idempotent per Idempotency-Key,
so an application queued offline on the phone arrives exactly once however often it is resent."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import uuid
from datetime import date, datetime, timedelta
from typing import Any

import msgspec

from backend.accounts import services as accounts
from backend.accounts.schemas import CurrentUser
from backend.applications import kinds, mails
from backend.applications.schemas import MAX_ATTACHMENTS, ApplicationOut, AttachmentOut
from backend.applications.tables import Application, ApplicationAttachment
from backend.audit import services as audit
from backend.core import idempotency, storage
from backend.core.clock import iso, local_day, now, today_in_warsaw
from backend.core.db import is_unique_violation, json_column, transaction
from backend.core.errors import ApiError, not_found
from backend.core.files import is_uuid
from backend.core.mail import queue_mail
from backend.customers import services as customers
from backend.documents import services as documents
from backend.settings import Settings


def _due(row: dict[str, Any]) -> date:
    value = row["due_on"]
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def attachment_key(kind: str, att_id: str) -> str:
    return storage.file_key("applications", att_id, ".jpg" if kind == "photo" else ".pdf")


class Incoming(msgspec.Struct, frozen=True):
    customer_id: str
    kind: str
    fields_json: str  # the kind's fields, as the form sends them
    files: list[tuple[str, bytes]]  # (file name, content)


def request_hash(app: Incoming) -> str:
    h = hashlib.sha256()
    for part in (app.customer_id, app.kind, app.fields_json):
        h.update(part.encode())
        h.update(b"\x00")
    for _, data in app.files:
        h.update(hashlib.sha256(data).digest())
    return h.hexdigest()


def _fields(app: Incoming) -> dict[str, str]:
    try:
        raw = json.loads(app.fields_json or "{}")
    except ValueError:
        raise ApiError("invalid_request", "fields is not JSON", 400, field="fields") from None
    try:
        return kinds.clean(app.kind, raw)
    except kinds.Invalid as exc:
        raise ApiError(exc.code, str(exc), 400, field=exc.field) from None


async def _check_meter(customer_id: str, fields: dict[str, str]) -> None:
    serial = fields.get("meter_serial")
    if serial and serial not in {m["serial"] for m in await customers.meters_of([customer_id])}:
        raise ApiError("unknown_meter", "Not a meter of this customer", 400, field="meter_serial")


# --- filing -----------------------------------------------------------------------------------------


async def file(settings: Settings, user: CurrentUser, key: str, app: Incoming) -> tuple[int, dict[str, Any]]:
    if user.role != "resident" or app.customer_id not in user.customer_ids:
        raise not_found("customer")
    fields = _fields(app)
    if len(app.files) > MAX_ATTACHMENTS:
        raise ApiError("too_many_attachments", f"At most {MAX_ATTACHMENTS} attachments", 400, field="attachment")
    if app.kind in kinds.NEEDS_ATTACHMENT and not app.files:
        raise ApiError("site_plan_required", "Attach the site plan", 400, field="attachment")
    await _check_meter(app.customer_id, fields)
    return await idempotency.once(key, user.id, request_hash(app),
                                  lambda: _store_new(settings, user, key, app, fields))


async def _next_number(year: int) -> str:
    """WN/2026/00012: the year's count + 1; two filings at once collide on the unique number and retry."""
    n = await Application.count().where(Application.number.like(f"WN/{year}/%"))
    return f"WN/{year}/{n + 1:05d}"


async def _store_new(settings: Settings, user: CurrentUser, key: str, app: Incoming,
                     fields: dict[str, str]) -> tuple[int, dict[str, Any]]:
    prepared = await documents.prepare_uploads(app.files)
    customer = await customers.get_customer(app.customer_id)
    if not customer:
        raise not_found("customer")
    saved = [(uuid.uuid4(), p) for p in prepared]
    await storage.put_all(settings, [(attachment_key(p.kind, str(att_id)), p.data) for att_id, p in saved])
    filed_at = now()
    due = kinds.due_on(local_day(filed_at), kinds.answer_days(app.kind, fields, settings.complaint_days,
                                                               settings.application_days))
    app_id = uuid.uuid4()
    try:
        for attempt in range(5):
            try:
                async with transaction():
                    number = await _next_number(local_day(filed_at).year)
                    await Application.insert(Application(
                        id=app_id, number=number, customer=customer["id"], author=user.id, kind=app.kind,
                        fields=fields, status="filed", filed_at=filed_at, due_on=due, resident_unread=False))
                    for att_id, p in saved:
                        await ApplicationAttachment.insert(ApplicationAttachment(
                            id=att_id, application=app_id, kind=p.kind, file_name=p.file_name, size=len(p.data),
                            sha256=hashlib.sha256(p.data).hexdigest()))
                    await _mail_filed(settings, user, customer, number, app.kind, filed_at, due, fields,
                                      [p.file_name for _, p in saved], app_id)
                    (out,) = await _applications(application_id=str(app_id), viewer_is_staff=False)
                    body = msgspec.to_builtins(out)
                    await idempotency.complete(key, 201, body)
                break
            except Exception as exc:
                if not is_unique_violation(exc) or attempt == 4:
                    raise
    except BaseException:
        await storage.remove_all(settings, [attachment_key(p.kind, str(att_id)) for att_id, p in saved])
        raise
    return 201, body


def _confirmation(settings: Settings, customer: dict[str, Any], number: str, kind: str, filed_at: datetime,
                  due: date, fields: dict[str, str], attachments: list[str]) -> bytes:
    from backend.applications import pdf  # fpdf and its fonts: imported when the first PDF is made

    return pdf.confirmation(utility=settings.utility_name, utility_address=settings.utility_address, number=number,
                            kind=kind, filed_at=filed_at, due_on=due, customer_number=customer["number"],
                            customer_name=customer["name"], fields=fields, attachments=attachments)


async def _mail_filed(settings: Settings, user: CurrentUser, customer: dict[str, Any], number: str, kind: str,
                      filed_at: datetime, due: date, fields: dict[str, str], attachments: list[str],
                      app_id: uuid.UUID) -> None:
    document = await asyncio.to_thread(_confirmation, settings, customer, number, kind, filed_at, due, fields,
                                       attachments)
    subject, text = mails.filed_mail(
        user.language, number=number, kind=kind, day=f"{local_day(filed_at):%d.%m.%Y}", due=f"{due:%d.%m.%Y}",
        link=f"{settings.base_url}/wnioski/wniosek?id={app_id}", utility=settings.utility_name)
    await queue_mail(user.email, subject, text, attachments=[{
        "filename": f"potwierdzenie-{number.replace('/', '-')}.pdf", "content_type": "application/pdf",
        "data_b64": base64.b64encode(document).decode()}])
    subject, text = mails.office_mail(kind=kind, number=number, customer=f"{customer['number']} — {customer['name']}",
                                      due=f"{due:%d.%m.%Y}", link=f"{settings.base_url}/biuro/wnioski")
    await queue_mail(settings.office_email, subject, text)


# --- reading ----------------------------------------------------------------------------------------


async def _applications(*, customer_ids: list[str] | None = None, application_id: str | None = None,
                        statuses: tuple[str, ...] = (), viewer_is_staff: bool,
                        limit: int = 500) -> list[ApplicationOut]:
    query = Application.select(*Application.all_columns(),
                               Application.customer.number.as_alias("customer_number")).limit(limit)
    if viewer_is_staff:
        query = query.order_by(Application.due_on).order_by(Application.filed_at)
    else:
        query = query.order_by(Application.filed_at, ascending=False)
    if customer_ids is not None:
        if not customer_ids:
            return []
        query = query.where(Application.customer.is_in(customer_ids))
    if application_id:
        if not is_uuid(application_id):
            return []
        query = query.where(Application.id == application_id)
    if statuses:
        query = query.where(Application.status.is_in(list(statuses)))
    rows = await query
    files = await ApplicationAttachment.select().where(
        ApplicationAttachment.application.is_in([r["id"] for r in rows])) if rows else []
    by_app: dict[str, list[AttachmentOut]] = {}
    for a in files:
        by_app.setdefault(str(a["application"]), []).append(
            AttachmentOut(id=str(a["id"]), kind=a["kind"], file_name=a["file_name"], size=a["size"]))
    today = today_in_warsaw()
    out = []
    for r in rows:
        due = _due(r)
        left = kinds.days_left(due, today)
        out.append(ApplicationOut(
            id=str(r["id"]), number=r["number"], customer_id=str(r["customer"]), customer_number=r["customer_number"],
            kind=r["kind"], status=r["status"], fields=dict(json_column(r["fields"]) or {}),
            filed_at=iso(r["filed_at"]), due_on=due.isoformat(), days_left=left,
            overdue=r["status"] in kinds.OPEN and left < 0, extension_reason=r["extension_reason"],
            extended_at=iso(r["extended_at"]), answer=r["answer"], answered_at=iso(r["answered_at"]),
            closed_at=iso(r["closed_at"]), unread=bool(r["resident_unread"]),
            attachments=by_app.get(str(r["id"]), []),
        ))
    return out


async def list_for(user: CurrentUser) -> list[ApplicationOut]:
    return await _applications(customer_ids=list(user.customer_ids), viewer_is_staff=False)


async def queue(status: str) -> list[ApplicationOut]:
    """The office's queue: open ones by deadline (overdue first), or every one."""
    statuses = kinds.OPEN if status == "open" else (status,) if status in kinds.STATUSES else ()
    return await _applications(statuses=statuses, viewer_is_staff=True)


async def _visible(user: CurrentUser, application_id: str) -> dict[str, Any]:
    row = await Application.select().where(Application.id == application_id).first() \
        if is_uuid(application_id) else None
    if not row or not (user.is_staff or str(row["customer"]) in user.customer_ids):
        raise not_found("application")
    return row


async def detail(user: CurrentUser, application_id: str) -> ApplicationOut:
    row = await _visible(user, application_id)
    if not user.is_staff and row["resident_unread"]:
        await Application.update({Application.resident_unread: False}).where(Application.id == row["id"])
    (out,) = await _applications(application_id=str(row["id"]), viewer_is_staff=user.is_staff)
    return out


async def confirmation_pdf(settings: Settings, user: CurrentUser, application_id: str) -> tuple[bytes, str]:
    row = await _visible(user, application_id)
    customer = await customers.get_customer(str(row["customer"])) or {"number": "", "name": ""}
    names = [a["file_name"] for a in await ApplicationAttachment.select(ApplicationAttachment.file_name).where(
        ApplicationAttachment.application == row["id"])]
    due = _due(row)
    data = await asyncio.to_thread(_confirmation, settings, customer, row["number"], row["kind"], row["filed_at"],
                                   due, dict(json_column(row["fields"]) or {}), names)
    return data, f"potwierdzenie-{row['number'].replace('/', '-')}.pdf"


async def attachment_file(settings: Settings, user: CurrentUser, attachment_id: str) -> tuple[bytes, str, str]:
    row = await ApplicationAttachment.select(
        ApplicationAttachment.id, ApplicationAttachment.kind, ApplicationAttachment.file_name,
        ApplicationAttachment.application.customer.as_alias("customer"),
    ).where(ApplicationAttachment.id == attachment_id).first() if is_uuid(attachment_id) else None
    if not row or not (user.is_staff or str(row["customer"]) in user.customer_ids):
        raise not_found("attachment")
    data = await storage.read(settings, attachment_key(row["kind"], str(row["id"])))
    if data is None:
        raise not_found("attachment")
    return data, row["file_name"], "image/jpeg" if row["kind"] == "photo" else "application/pdf"


# --- the office -------------------------------------------------------------------------------------


async def _tell_resident(settings: Settings, row: dict[str, Any], change: str, due: date) -> None:
    if not row["author"]:
        return
    author = await accounts.me(row["author"])
    subject, text = mails.changed_mail(author.language, change, number=row["number"], due=f"{due:%d.%m.%Y}",
                                       link=f"{settings.base_url}/wnioski/wniosek?id={row['id']}",
                                       utility=settings.utility_name)
    await queue_mail(author.email, subject, text)


async def extend(settings: Settings, staff: CurrentUser, application_id: str, reason: str) -> ApplicationOut:
    """Once, by as many days again as the kind allows, with a reason the resident sees."""
    row = await _visible(staff, application_id)
    if row["status"] != "filed":
        code = "already_extended" if row["status"] == "extended" else "application_not_open"
        raise ApiError(code, "The deadline can be extended once, before the answer", 409)
    due = _due(row)
    days = kinds.answer_days(row["kind"], dict(json_column(row["fields"]) or {}), settings.complaint_days,
                             settings.application_days)
    new_due = kinds.due_on(due, days)
    async with transaction():
        changed = await Application.update({
            Application.status: "extended", Application.due_on: new_due, Application.extension_reason: reason.strip(),
            Application.extended_at: now(), Application.resident_unread: True,
        }).where((Application.id == row["id"]) & (Application.status == "filed")).returning(Application.id)
        if not changed:  # another member of staff was quicker
            raise ApiError("already_extended", "The deadline has been extended already", 409)
        await audit.record(staff, "application.extend", "application", row["id"],
                           {"due_on": due.isoformat()}, {"due_on": new_due.isoformat(), "reason": reason.strip()},
                           customer_id=row["customer"])
        await _tell_resident(settings, row, "extended", new_due)
    return await detail(staff, application_id)


async def answer(settings: Settings, staff: CurrentUser, application_id: str, text: str) -> ApplicationOut:
    row = await _visible(staff, application_id)
    if row["status"] not in kinds.OPEN:
        raise ApiError("application_not_open", "This application has been answered already", 409)
    async with transaction():
        changed = await Application.update({
            Application.status: "answered", Application.answer: text.strip(), Application.answered_at: now(),
            Application.answered_by: staff.id, Application.resident_unread: True,
        }).where((Application.id == row["id"]) & Application.status.is_in(list(kinds.OPEN))).returning(
            Application.id)
        if not changed:
            raise ApiError("application_not_open", "This application has been answered already", 409)
        await audit.record(staff, "application.answer", "application", row["id"], {"status": row["status"]},
                           {"status": "answered", "answer": text.strip()}, customer_id=row["customer"])
        await _tell_resident(settings, row, "answered", _due(row))
    return await detail(staff, application_id)


async def close(staff: CurrentUser, application_id: str) -> ApplicationOut:
    """Done with: only after the answer, so nothing is closed unanswered."""
    row = await _visible(staff, application_id)
    if row["status"] != "answered":
        raise ApiError("application_not_answered", "Answer the application before closing it", 409)
    async with transaction():
        await Application.update({Application.status: "closed", Application.closed_at: now()}).where(
            Application.id == row["id"])
        await audit.record(staff, "application.close", "application", row["id"], {"status": "answered"},
                           {"status": "closed"}, customer_id=row["customer"])
    return await detail(staff, application_id)


# --- the demo ---------------------------------------------------------------------------------------


async def create_demo_applications(customer_id: Any, author_id: Any, meter_serial: str, at: datetime,
                                   complaint_days: int = 14, application_days: int = 30) -> None:
    """One application of each kind in the states the office meets: new, extended, answered, closed,
    one overdue (the demo shows the queue as it looks on a real morning)."""
    day = local_day(at)
    plans = [
        ("connection_conditions", 3, "extended", {
            "applicant_name": "Anna Nowak", "applicant_address": "ul. Zielona 5/3, 19-400 Olecko",
            "property_address": "ul. Polna 12, 19-400 Olecko", "plot_number": "231/7", "building": "single_family",
            "property_use": "Dom mieszkalny jednorodzinny, 4 osoby", "connection": "both", "water_demand": "0,6",
            "water_purpose": "cele bytowe", "sewage_amount": "0,6", "sewage_kind": "domestic"}),
        ("complaint", 20, "filed", {"subject": "reading", "reference": "",
                                    "description": "Odczyt szacunkowy za wrzesień jest wyższy niż zużycie."}),
        ("meter_check", 10, "answered", {"meter_serial": meter_serial,
                                         "reason": "Wodomierz liczy mimo zakręconych kranów."}),
        ("customer_change", 40, "closed", {"change": "move_in", "date": (day - timedelta(days=41)).isoformat(),
                                           "meter_serial": meter_serial, "final_reading": "312,450",
                                           "other_party_name": "Jan Kowalski"}),
        ("contract_end", 1, "filed", {"end_date": (day + timedelta(days=30)).isoformat(), "meter_serial": meter_serial,
                                      "final_reading": "330,000",
                                      "correspondence_address": "ul. Zielona 5/3, 19-400 Olecko"}),
    ]
    rows = []
    for n, (kind, days_ago, status, fields) in enumerate(plans, 1):
        filed = at - timedelta(days=days_ago)
        due = kinds.due_on(local_day(filed), kinds.answer_days(kind, fields, complaint_days, application_days))
        extended = status == "extended"
        if extended:
            due = kinds.due_on(due, kinds.answer_days(kind, fields, complaint_days, application_days))
        answered = status in ("answered", "closed")
        rows.append(Application(
            number=f"WN/{local_day(filed).year}/9{n:04d}", customer=customer_id, author=author_id, kind=kind,
            fields=fields, status=status, filed_at=filed, due_on=due,
            extension_reason="Potrzebna wizja lokalna na działce." if extended else "",
            extended_at=filed + timedelta(days=2) if extended else None,
            answer="Ekspertyza zlecona; laboratorium odbierze wodomierz w przyszłym tygodniu." if kind == "meter_check"
            else "Przepisaliśmy umowę od dnia przekazania." if answered else "",
            answered_at=filed + timedelta(days=5) if answered else None,
            closed_at=filed + timedelta(days=6) if status == "closed" else None,
            resident_unread=status in ("extended", "answered")))
    await Application.insert(*rows)
