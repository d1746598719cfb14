"""HTTP endpoints: public outages (JSON, Atom), push subscriptions, e-mail alerts, staff tools."""

from __future__ import annotations

from litestar import Controller, Request, Response, delete, get, post, put
from litestar.params import FromPath, FromQuery, JSONBody

from backend.accounts.guards import UserDep, ViewerDep, logged_in, staff_only
from backend.core import conditional
from backend.core.clock import now
from backend.core.errors import ApiError
from backend.core.types import Id, Line
from backend.outages import area, atom, services, subscriptions
from backend.outages.schemas import (
    AreaIn,
    AreaPreviewOut,
    EmailAlertsIn,
    EmailAlertsOut,
    OutageIn,
    OutageListOut,
    OutageOut,
    OutageUpdateIn,
    PointOut,
    PushKeyOut,
    SmsPreviewOut,
    StaffOutageOut,
    StreetOut,
    SubscriptionIn,
    SubscriptionOut,
)
from backend.settings import SettingsDep


class PublicOutagesController(Controller):
    """No login needed; a logged-in resident sees the outages on their service points first."""

    path = "/api"

    @get("/outages", responses=conditional.NOT_MODIFIED)
    async def outages(self, request: Request, viewer: ViewerDep) -> Response[OutageListOut]:
        return conditional.answer(request, viewer.id if viewer else "", await services.public_list(viewer))

    @get("/outages.atom", media_type="application/atom+xml")
    async def feed(self, settings: SettingsDep) -> Response[bytes]:
        body = atom.feed(settings, await services.feed_rows(), now())
        return Response(body, media_type="application/atom+xml; charset=utf-8",
                        headers={"cache-control": "public, max-age=60"})

    @get("/outages/{outage_id:str}")
    async def outage(self, viewer: ViewerDep, outage_id: FromPath[Id]) -> OutageOut:
        return await services.public_one(viewer, outage_id)

    @get("/push/key")
    async def push_key(self) -> PushKeyOut:
        return PushKeyOut(public_key=await subscriptions.public_key())


class PushController(Controller):
    path = "/api/push/subscriptions"
    guards = [logged_in]

    @get("/")
    async def mine(self, user: UserDep) -> list[SubscriptionOut]:
        return await subscriptions.mine(user)

    @post("/", status_code=200)
    async def subscribe(self, request: Request, user: UserDep, settings: SettingsDep,
                        data: JSONBody[SubscriptionIn]) -> SubscriptionOut:
        return await subscriptions.subscribe(settings, user, data,
                                             request.headers.get("user-agent", ""))

    @delete("/", status_code=204)
    async def unsubscribe(self, user: UserDep, endpoint: FromQuery[Line]) -> None:
        if not endpoint:
            raise ApiError("field_required", "endpoint is required", 400, field="endpoint")
        await subscriptions.remove(user, endpoint=endpoint)

    @delete("/{subscription_id:str}", status_code=204)
    async def remove(self, user: UserDep, subscription_id: FromPath[Id]) -> None:
        await subscriptions.remove(user, subscription_id=subscription_id)


class EmailAlertsController(Controller):
    path = "/api/alerts/email"
    guards = [logged_in]

    @get("/")
    async def state(self, user: UserDep) -> EmailAlertsOut:
        return EmailAlertsOut(enabled=await services.email_alerts(user), email=user.email)

    @put("/")
    async def change(self, user: UserDep, data: JSONBody[EmailAlertsIn]) -> EmailAlertsOut:
        return EmailAlertsOut(enabled=await services.set_email_alerts(user, data.enabled), email=user.email)


class StaffOutagesController(Controller):
    path = "/api/staff/outages"
    guards = [staff_only]

    @get("/")
    async def all(self) -> list[StaffOutageOut]:
        return await services.staff_list()

    @post("/", status_code=201)
    async def create(self, user: UserDep, data: JSONBody[OutageIn]) -> StaffOutageOut:
        return await services.create(user, data)

    @post("/preview", status_code=200)
    async def preview(self, data: JSONBody[AreaIn]) -> AreaPreviewOut:
        return await services.preview(data)

    @get("/streets")
    async def streets(self, town: FromQuery[Line]) -> list[StreetOut]:
        return [StreetOut(**s) for s in await area.streets_of_town(town)]

    @get("/points")
    async def points(self, town: FromQuery[Line] = "", street: FromQuery[Line] = "",
                     ids: FromQuery[list[Id] | None] = None) -> list[PointOut]:
        """Single service points to add by address: a street's, or the ones an outage already has."""
        return [PointOut(**p) for p in await area.point_choices(town, street, ids or [])]

    @get("/towns")
    async def towns(self) -> list[str]:
        return await area.towns()

    @get("/{outage_id:str}")
    async def one(self, outage_id: FromPath[Id]) -> StaffOutageOut:
        return await services.staff_one(outage_id)

    @put("/{outage_id:str}")
    async def update(self, user: UserDep, outage_id: FromPath[Id], data: JSONBody[OutageUpdateIn]) -> StaffOutageOut:
        return await services.update(user, outage_id, data)

    @get("/{outage_id:str}/sms")
    async def sms_preview(self, settings: SettingsDep, outage_id: FromPath[Id]) -> SmsPreviewOut:
        return await services.sms_preview(settings, outage_id)

    @post("/{outage_id:str}/publish", status_code=200)
    async def publish(self, user: UserDep, outage_id: FromPath[Id]) -> StaffOutageOut:
        return await services.publish(user, outage_id)

    @post("/{outage_id:str}/close", status_code=200)
    async def close(self, user: UserDep, outage_id: FromPath[Id]) -> StaffOutageOut:
        return await services.close(user, outage_id)


controllers = [PublicOutagesController, PushController, EmailAlertsController, StaffOutagesController]
