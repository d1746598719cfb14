"""HTTP endpoints: the office's review queue and routes; the inspector's route and visit results."""

from __future__ import annotations

from datetime import date
from typing import Any

from litestar import Controller, Request, Response, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody

from backend.accounts.guards import UserDep, role_in, staff_only
from backend.core.errors import ApiError
from backend.core.types import Id
from backend.inspections import services
from backend.inspections.schemas import Inspector, QueueItem, ReassignIn, RouteIn, RouteOut, VisitOut, VisitsIn
from backend.readings.api import FORM_LIMIT, read_submission
from backend.settings import SettingsDep


class ReviewController(Controller):
    path = "/api/staff"
    guards = [staff_only]

    @get("/review")
    async def review_queue(self, settings: SettingsDep) -> list[QueueItem]:
        return await services.queue(settings)

    @get("/inspectors")
    async def inspectors(self) -> list[Inspector]:
        return await services.inspectors()

    @post("/visits", status_code=201)
    async def create_visits(self, user: UserDep, settings: SettingsDep, data: JSONBody[VisitsIn]) -> dict[str, list[str]]:
        if not data.reading_ids and not data.meter_ids:
            raise ApiError("no_visits", "Choose readings or meters to visit", 400, field="reading_ids")
        return {"visit_ids": await services.create_visits(settings, data.reading_ids, data.meter_ids,
                                                            data.access_note, user)}

    @get("/visits")
    async def open_visits(self) -> list[VisitOut]:
        return await services.open_visits()

    @get("/routes")
    async def routes(self, day: FromQuery[date | None] = None) -> list[RouteOut]:
        return await services.routes(day)

    @post("/routes", status_code=201)
    async def create_route(self, user: UserDep, data: JSONBody[RouteIn]) -> RouteOut:
        return await services.create_route(user, data.inspector_id, data.day, data.visit_ids,
                                           data.street)

    @patch("/routes/{route_id:str}")
    async def reassign(self, route_id: FromPath[Id], data: JSONBody[ReassignIn]) -> RouteOut:
        return await services.reassign(route_id, data.inspector_id)


class InspectorController(Controller):
    path = "/api/inspector"
    guards = [role_in("inspector")]

    @get("/routes")
    async def my_routes(self, user: UserDep, settings: SettingsDep) -> list[RouteOut]:
        return await services.my_routes(settings, user)

    @post("/visits/{visit_id:str}/result", request_max_body_size=FORM_LIMIT)
    async def result(self, request: Request, user: UserDep, settings: SettingsDep, visit_id: FromPath[Id]) -> Response[Any]:
        key, form, sub = await read_submission(request, value_required=False)
        outcome = form.get("result")
        if outcome not in ("confirmed", "corrected", "damaged", "no_access"):
            raise ApiError("invalid_request", "result must be confirmed, corrected, damaged or no_access", 400,
                           field="result")
        status, body = await services.record_result(settings, user, key, visit_id, outcome, sub)
        return Response(body, status_code=status)


controllers = [ReviewController, InspectorController]
