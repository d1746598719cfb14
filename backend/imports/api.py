"""HTTP endpoints of the office's registry import (Kartoteka): staff only, behind the app's CSRF check."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath
from litestar.status_codes import HTTP_200_OK, HTTP_202_ACCEPTED

from backend.accounts.guards import UserDep, staff_only
from backend.accounts.schemas import CurrentUser
from backend.core.errors import ApiError
from backend.core.forms import form_text
from backend.core.types import Id
from backend.customers.registry_file import MAX_BYTES
from backend.imports import services
from backend.settings import SettingsDep

FORM_LIMIT = MAX_BYTES + 64 * 1024  # the file and the "full" flag; Litestar answers 413 above it


def _staff(user: CurrentUser) -> services.Staff:
    return services.Staff(id=user.id, name=user.name or user.email, language=user.language or "pl")


class RegistryImportController(Controller):
    path = "/api/staff/registry"
    guards = [staff_only]

    @get("/imports/current")
    async def current(self, user: UserDep, settings: SettingsDep) -> dict[str, Any]:
        return await services.current(settings, _staff(user))

    @post("/imports", status_code=HTTP_202_ACCEPTED, request_max_body_size=FORM_LIMIT)
    async def upload(self, request: Request[Any, Any, Any], user: UserDep, settings: SettingsDep) -> dict[str, Any]:
        if request.content_type[0] != "multipart/form-data":
            raise ApiError("invalid_request", "Send multipart/form-data", 400)
        form = await request.form()
        file = form.get("file")
        if file is None or isinstance(file, str):
            raise ApiError("field_required", "file is required", 400, field="file")
        full = form_text(form, "full", 5, required=False) in ("1", "true", "on")
        data = await file.read()
        return await services.upload(settings, _staff(user), file.filename or "", data, full)

    @get("/imports/{import_id:str}")
    async def view(self, user: UserDep, settings: SettingsDep, import_id: FromPath[Id]) -> dict[str, Any]:
        return await services.view(settings, import_id, _staff(user))

    @get("/imports/{import_id:str}/errors.csv")
    async def errors(self, user: UserDep, settings: SettingsDep, import_id: FromPath[Id]) -> Response[bytes]:
        data, name = await services.errors_csv(settings, _staff(user), import_id)
        return Response(data, media_type="text/csv; charset=utf-8", headers={
            "content-disposition": f'attachment; filename="{name}"', "cache-control": "private, no-store"})

    @post("/imports/{import_id:str}/apply", status_code=HTTP_202_ACCEPTED)
    async def apply(self, user: UserDep, settings: SettingsDep, import_id: FromPath[Id]) -> dict[str, Any]:
        return await services.apply(settings, _staff(user), import_id)

    @post("/imports/{import_id:str}/discard", status_code=HTTP_200_OK)
    async def discard(self, user: UserDep, settings: SettingsDep, import_id: FromPath[Id]) -> dict[str, Any]:
        return await services.discard(settings, _staff(user), import_id)


controllers = [RegistryImportController]
