"""`/api/integration/*`: endpoints for machine clients (a utility's billing system), opened only by
`Authorization: Bearer <token>` (`ebok token create`). No session cookie opens them and no CSRF
token applies (app.py excludes the path from the CSRF check): a browser never sends a bearer token
on its own, so there is no ambient credential to forge a request with."""

from __future__ import annotations

from typing import Annotated, Any, TypeAlias

import msgspec
from litestar import Controller, Request, delete, get, post
from litestar.di import NamedDependency, Provide
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import Components, Example, SecurityScheme
from litestar.params import FromPath, JSONBody, QueryParameter, SkipValidation
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from backend.accounts.guards import staff_only
from backend.core.types import LINE_PATTERN, Id, OptionalId
from backend.integration import services
from backend.integration.schemas import FeedEntry, FeedPage, WebhookIn
from backend.readings import services as readings
from backend.settings import SettingsDep
from backend.webhooks import services as webhooks
from backend.webhooks.schemas import DeliveryOut, EndpointCreated, EndpointOut

MAX_LIMIT = 1000


async def authenticated_client(request: Request[Any, Any, Any], settings: SettingsDep) -> services.Client:
    return await services.authenticate(request.headers.get("authorization"),
                                       request.route_handler.opt.get("scope"), settings)


ClientDep: TypeAlias = NamedDependency[SkipValidation[services.Client]]
# any printable text reaches the signature check (and is refused there with cursor_invalid)
Cursor = Annotated[str | None, QueryParameter(pattern=LINE_PATTERN, max_length=500)]

_EXAMPLE = FeedPage(readings=[FeedEntry(
    seq=1042, event="received", reading_id="6f1c1c1e-8d1f-4c55-9a34-0b1f3f7f9a10", customer_number="100001",
    service_point_id="0d6c3a52-4b51-4d0e-a3a2-6a0e6c1f2b11", point_code="PP-004512", meter_serial="WM-2023-004512",
    value_litres=123456, value_m3=123.456, captured_at="2026-11-28T07:15:00+00:00",
    received_at="2026-11-30T18:02:11+00:00", source="resident", status="flagged", verification="",
    flags=["high_consumption"])], next_cursor="eyJ2IjoxLCJzZXEiOjEwNDJ9.Vb0Jx2dQm1gq3E6oQy1yFA")

SECURITY_COMPONENTS = Components(security_schemes={"bearer": SecurityScheme(
    type="http", scheme="bearer", description="A token from `uv run ebok token create`")})


class IntegrationController(Controller):
    path = "/api/integration"
    dependencies = {"client": Provide(authenticated_client)}
    security = [{"bearer": []}]
    tags = ["integration"]

    @get("/readings", opt={"scope": "readings:read"}, summary="The readings feed (scope readings:read)",
         description=(
             "Readings in the order e-BOK received them, and later status changes (a reading rejected or "
             "verified after it was fetched) as new entries of the same feed. Start without `cursor`; store "
             "each page's `next_cursor` and send it next time: every entry comes exactly once, a reading "
             "that arrives from a phone days late included. An empty `readings` list means nothing new "
             "yet (`next_cursor` stays the same). 400 `cursor_invalid` for a cursor that was altered."),
         responses={200: ResponseSpec(data_container=FeedPage, description="A page of the feed",
                                      examples=[Example(summary="One reading", value=msgspec.to_builtins(_EXAMPLE))])})
    async def readings(
        self, client: ClientDep, settings: SettingsDep, cursor: Cursor = None,
        limit: Annotated[int, QueryParameter(ge=1, le=MAX_LIMIT)] = 500,
    ) -> FeedPage:
        seq = services.decode_cursor(settings, cursor)
        entries, last = await readings.changes_after(seq, limit)
        return FeedPage(readings=[FeedEntry(**{k: v for k, v in e.items() if k != "has_photo"}) for e in entries],
                        next_cursor=services.encode_cursor(settings, last))


class StaffWebhooksController(Controller):
    """The office's webhooks: its endpoints (the secret shown once, at creation), the delivery log
    with each endpoint's last answer, and sending one event again."""

    path = "/api/staff/webhooks"
    guards = [staff_only]
    tags = ["webhooks"]

    @get("/")
    async def list_endpoints(self) -> list[EndpointOut]:
        return await webhooks.list_endpoints()

    @post("/", status_code=HTTP_201_CREATED)
    async def create_endpoint(self, data: JSONBody[WebhookIn], settings: SettingsDep) -> EndpointCreated:
        return await webhooks.create_endpoint(settings, data.url, list(data.events), data.description)

    @delete("/{endpoint_id:str}", status_code=HTTP_204_NO_CONTENT)
    async def disable_endpoint(self, endpoint_id: FromPath[Id]) -> None:
        await webhooks.disable_endpoint(endpoint_id)

    @get("/deliveries")
    async def deliveries(self, endpoint: OptionalId = None) -> list[DeliveryOut]:
        return await webhooks.deliveries(endpoint)

    @post("/deliveries/{delivery_id:str}/resend", status_code=200)
    async def resend(self, delivery_id: FromPath[Id]) -> DeliveryOut:
        return await webhooks.resend(delivery_id)


controllers = [IntegrationController, StaffWebhooksController]
