"""HTTP endpoints of applications: file one (multipart, idempotent), list and read them, the filing
confirmation PDF, attachments; the office's queue with extend, answer and close."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.types import ControllerRouterHandler

from backend.accounts.guards import UserDep, logged_in, role_in, staff_only
from backend.applications import services
from backend.applications.schemas import MAX_ATTACHMENTS, AnswerIn, ApplicationOut, DeadlinesOut, ExtendIn
from backend.core.errors import ApiError
from backend.core.files import attachment_response
from backend.core.forms import form_files, form_id, form_text, idempotency_key, require_form
from backend.core.photos import MAX_BYTES
from backend.core.types import Id, Line
from backend.settings import SettingsDep

FORM_LIMIT = MAX_ATTACHMENTS * MAX_BYTES + 64 * 1024


class ApplicationsController(Controller):
    path = "/api/applications"
    guards = [logged_in]

    @post("/", request_max_body_size=FORM_LIMIT, guards=[role_in("resident")])
    async def file(self, request: Request, user: UserDep, settings: SettingsDep) -> Response[Any]:
        key = idempotency_key(request)
        require_form(request)
        form = await request.form()
        files = await form_files(form, "attachment", MAX_BYTES)
        incoming = services.Incoming(
            customer_id=form_id(form, "customer_id"), kind=form_text(form, "kind", 24),
            fields_json=form_text(form, "fields", 40_000, multiline=True), files=files,
        )
        status, body = await services.file(settings, user, key, incoming)
        return Response(body, status_code=status)

    @get("/")
    async def mine(self, user: UserDep) -> list[ApplicationOut]:
        return await services.list_for(user)

    @get("/deadlines")
    async def deadlines(self, settings: SettingsDep) -> DeadlinesOut:
        """Days to answer the kinds whose deadline the utility's regulations set (shown on the form)."""
        return DeadlinesOut(complaint_days=settings.complaint_days, application_days=settings.application_days)

    @get("/{application_id:str}")
    async def one(self, user: UserDep, application_id: FromPath[Id]) -> ApplicationOut:
        return await services.detail(user, application_id)

    @get("/{application_id:str}/confirmation")
    async def confirmation(self, user: UserDep, settings: SettingsDep, application_id: FromPath[Id]) -> Response[bytes]:
        data, name = await services.confirmation_pdf(settings, user, application_id)
        return Response(data, media_type="application/pdf", headers={
            "content-disposition": f'attachment; filename="{name}"', "cache-control": "private, no-store"})

    @get("/attachments/{attachment_id:str}")
    async def attachment(self, user: UserDep, settings: SettingsDep, attachment_id: FromPath[Id]) -> Response[bytes]:
        return attachment_response(*await services.attachment_file(settings, user, attachment_id))


class StaffApplicationsController(Controller):
    path = "/api/staff/applications"
    guards = [staff_only]

    @get("/")
    async def queue(self, status: FromQuery[Line] = "open") -> list[ApplicationOut]:
        if status not in ("open", "all", "answered", "closed"):
            raise ApiError("invalid_request", "Unknown status", 400, field="status")
        return await services.queue(status)

    @post("/{application_id:str}/extend", status_code=200)
    async def extend(self, user: UserDep, settings: SettingsDep, application_id: FromPath[Id],
                     data: JSONBody[ExtendIn]) -> ApplicationOut:
        return await services.extend(settings, user, application_id, data.reason)

    @post("/{application_id:str}/answer", status_code=200)
    async def answer(self, user: UserDep, settings: SettingsDep, application_id: FromPath[Id],
                     data: JSONBody[AnswerIn]) -> ApplicationOut:
        return await services.answer(settings, user, application_id, data.answer)

    @post("/{application_id:str}/close", status_code=200)
    async def close(self, user: UserDep, application_id: FromPath[Id]) -> ApplicationOut:
        return await services.close(user, application_id)


controllers: list[ControllerRouterHandler] = [ApplicationsController, StaffApplicationsController]
