"""HTTP endpoints of contact: send a message (multipart, idempotent), threads, replies, staff inbox."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.types import ControllerRouterHandler

from backend.accounts.guards import UserDep, logged_in, role_in, staff_only
from backend.contact import services
from backend.contact.schemas import MAX_ATTACHMENTS, ReplyIn, ThreadDetailOut, ThreadOut
from backend.core.errors import ApiError
from backend.core.files import attachment_response
from backend.core.forms import form_files, form_id, form_text, idempotency_key, require_form
from backend.core.photos import MAX_BYTES
from backend.core.types import Id, Line
from backend.settings import SettingsDep

FORM_LIMIT = MAX_ATTACHMENTS * MAX_BYTES + 64 * 1024


class ContactController(Controller):
    path = "/api/contact"
    guards = [logged_in]

    @post("/messages", request_max_body_size=FORM_LIMIT, guards=[role_in("resident")])
    async def send(self, request: Request, user: UserDep, settings: SettingsDep) -> Response[Any]:
        key = idempotency_key(request)
        require_form(request)
        form = await request.form()
        files = await form_files(form, "attachment", MAX_BYTES)
        msg = services.Incoming(
            customer_id=form_id(form, "customer_id"), category=form_text(form, "category", 20),
            subject=form_text(form, "subject", 200),
            body=form_text(form, "body", services.MAX_BODY, multiline=True), files=files,
        )
        status, body = await services.send(settings, user, key, msg)
        return Response(body, status_code=status)

    @get("/threads")
    async def threads(self, user: UserDep) -> list[ThreadOut]:
        return await services.threads_for(user)

    @get("/threads/{thread_id:str}")
    async def thread(self, user: UserDep, thread_id: FromPath[Id]) -> ThreadDetailOut:
        return await services.thread_detail(user, thread_id)

    @post("/threads/{thread_id:str}/messages", status_code=201, guards=[role_in("resident")])
    async def follow_up(self, user: UserDep, settings: SettingsDep, thread_id: FromPath[Id],
                        data: JSONBody[ReplyIn]) -> ThreadDetailOut:
        return await services.resident_reply(settings, user, thread_id, data.body)

    @get("/attachments/{attachment_id:str}")
    async def attachment(self, user: UserDep, settings: SettingsDep, attachment_id: FromPath[Id]) -> Response[bytes]:
        return attachment_response(*await services.attachment_file(settings, user, attachment_id))


class StaffInboxController(Controller):
    path = "/api/staff/contact"
    guards = [staff_only]

    @get("/threads")
    async def inbox(self, status: FromQuery[Line] = "") -> list[ThreadOut]:
        if status not in ("", "open", "answered", "closed"):
            raise ApiError("invalid_request", "Unknown status", 400, field="status")
        return await services.inbox(status or None)

    @get("/threads/{thread_id:str}")
    async def thread(self, user: UserDep, thread_id: FromPath[Id]) -> ThreadDetailOut:
        return await services.thread_detail(user, thread_id)

    @post("/threads/{thread_id:str}/reply", status_code=201)
    async def reply(self, user: UserDep, settings: SettingsDep, thread_id: FromPath[Id],
                    data: JSONBody[ReplyIn]) -> ThreadDetailOut:
        return await services.staff_reply(settings, user, thread_id, data.body)

    @post("/threads/{thread_id:str}/close", status_code=200)
    async def close(self, user: UserDep, thread_id: FromPath[Id]) -> ThreadDetailOut:
        return await services.close_thread(user, thread_id)


controllers: list[ControllerRouterHandler] = [ContactController, StaffInboxController]
