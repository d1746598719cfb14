"""HTTP endpoints of Moje dane: the ZIP export, the deletion request, and the office's list of requests."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, delete, get, post
from litestar.background_tasks import BackgroundTask
from litestar.params import FromPath, JSONBody
from litestar.response import File
from litestar.status_codes import HTTP_204_NO_CONTENT

from backend.accounts.guards import UserDep, logged_in, staff_only
from backend.accounts.schemas import Password, Strict
from backend.core.clock import now
from backend.core.types import Id, Text
from backend.privacy import services
from backend.settings import SettingsDep


class DeletionIn(Strict):
    password: Password
    reason: Annotated[Text, msgspec.Meta(max_length=500)] = ""


def _unlink(path: object) -> None:
    from pathlib import Path

    Path(str(path)).unlink(missing_ok=True)


class MyDataController(Controller):
    path = "/api/my-data"
    guards = [logged_in]

    @get("/")
    async def status(self, user: UserDep) -> services.MyDataOut:
        return await services.my_data(user)

    @get("/export")
    async def export(self, user: UserDep, settings: SettingsDep) -> File:
        path = await services.build_export(settings, user)
        stamp = now().strftime("%Y-%m-%d")
        return File(path, filename=f"e-bok-moje-dane-{stamp}.zip", media_type="application/zip",
                    content_disposition_type="attachment", headers={"cache-control": "no-store"},
                    background=BackgroundTask(_unlink, path))

    @post("/deletion", status_code=201)
    async def request_deletion(self, user: UserDep, settings: SettingsDep, data: JSONBody[DeletionIn]
                               ) -> services.MyDataOut:
        return await services.request_deletion(settings, user, data.password, data.reason)

    @delete("/deletion", status_code=200)
    async def cancel(self, user: UserDep) -> services.MyDataOut:
        return await services.cancel_deletion(user)


class StaffDeletionController(Controller):
    path = "/api/staff/deletion-requests"
    guards = [staff_only]

    @get("/")
    async def pending(self) -> list[services.StaffDeletionOut]:
        return await services.pending_requests()

    @post("/{request_id:str}/complete", status_code=HTTP_204_NO_CONTENT)
    async def complete(self, user: UserDep, request_id: FromPath[Id]) -> None:
        await services.carry_out(user, request_id)


controllers = [MyDataController, StaffDeletionController]
