"""HTTP endpoints of readings: the resident's meters, submission, history, photos, review."""

from __future__ import annotations

import csv
import io
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, JSONBody, QueryParameter

from backend.accounts.guards import UserDep, logged_in, staff_only
from backend.core import conditional
from backend.core.errors import ApiError
from backend.core.forms import form_id, form_text, idempotency_key
from backend.core.photos import MAX_BYTES
from backend.core.types import Id
from backend.readings import services
from backend.readings.rules import HIGH_FACTOR
from backend.readings.schemas import HistoryOut, MetersOut, ReadingOut, ReviewIn
from backend.settings import SettingsDep

FORM_LIMIT = MAX_BYTES + 64 * 1024  # the photo and a few short fields


async def read_submission(request: Request, value_required: bool = True) -> tuple[str, Any, services.Submission]:
    """The Idempotency-Key, the form and the reading in it (residents' readings and visit results)."""
    key = idempotency_key(request)
    if request.content_type[0] not in ("multipart/form-data", "application/x-www-form-urlencoded"):
        raise ApiError("invalid_request", "Send multipart/form-data", 400)
    form = await request.form()
    photo = form.get("photo")
    data = None
    if photo is not None:
        # a text field is checked like a file (and refused as not an image)
        data = photo.encode() if isinstance(photo, str) else await photo.read()
        if len(data) > MAX_BYTES:
            raise ApiError("photo_too_large", "The photo is larger than 10 MB", 400, field="photo")
        if not data:  # a photo that did not make it (a failed camera save): never store the reading without it
            raise ApiError("photo_empty", "The photo file is empty", 400, field="photo")
    sub = services.Submission(
        meter_id=form_id(form, "meter_id", required=value_required),
        value_text=form_text(form, "value", 20, required=value_required),
        captured_at_text=form_text(form, "captured_at", 40),
        comment=form_text(form, "comment", 500, required=False, multiline=True), photo=data,
        reading_date_text=form_text(form, "reading_date", 10, required=False),
    )
    return key, form, sub


class ReadingsController(Controller):
    path = "/api"
    guards = [logged_in]

    @get("/meters", responses=conditional.NOT_MODIFIED)
    async def meters(self, request: Request, user: UserDep, settings: SettingsDep) -> Response[MetersOut]:
        return conditional.answer(request, user.id, MetersOut(
            meters=await services.meters_for(settings, user),
            max_daily_litres=settings.max_daily_litres, high_factor=HIGH_FACTOR))

    @post("/readings", request_max_body_size=FORM_LIMIT)
    async def submit(self, request: Request, user: UserDep, settings: SettingsDep) -> Response[Any]:
        key, _, sub = await read_submission(request)
        status, body = await services.submit(settings, user, key, sub)
        return Response(body, status_code=status)

    @get("/meters/{meter_id:str}/readings")
    async def history(self, user: UserDep, meter_id: FromPath[Id]) -> HistoryOut:
        return await services.history(user, meter_id)

    @get("/meters/{meter_id:str}/readings.csv")
    async def history_csv(self, user: UserDep, meter_id: FromPath[Id]) -> Response[str]:
        h = await services.history(user, meter_id)
        buffer = io.StringIO()
        csv.writer(buffer, delimiter=";").writerows(services.csv_rows(h))
        return Response(
            "\ufeff" + buffer.getvalue(),  # BOM: Excel opens Polish characters right
            media_type="text/csv",
            headers={"content-disposition": f'attachment; filename="odczyty-{h.serial}.csv"'},
        )

    @get("/readings/{reading_id:str}/photo")
    async def photo(self, user: UserDep, settings: SettingsDep, reading_id: FromPath[Id]) -> Response[bytes]:
        data = await services.photo(settings, user, reading_id, thumb=False)
        return Response(data, media_type="image/jpeg", headers={
            "content-disposition": "inline", "cache-control": "private, max-age=86400, immutable"})

    @get("/readings/{reading_id:str}/thumb")
    async def thumb(self, user: UserDep, settings: SettingsDep, reading_id: FromPath[Id]) -> Response[bytes]:
        data = await services.photo(settings, user, reading_id, thumb=True)
        return Response(data, media_type="image/jpeg", headers={
            "content-disposition": "inline", "cache-control": "private, max-age=86400, immutable"})


class ReadingReviewController(Controller):
    path = "/api/staff/readings"
    guards = [staff_only]

    @post("/{reading_id:str}/review", status_code=200)
    async def review(self, user: UserDep, reading_id: FromPath[Id], data: JSONBody[ReviewIn]) -> ReadingOut:
        return await services.review(user, reading_id, data.decision, data.note)


class PhotoLinkController(Controller):
    """The signed, expiring photo links of the readings export and feed: no login, the link is the key."""

    path = "/api/photo-links"

    @get("/{reading_id:str}", summary="A reading's photo by a signed link from an export or the feed",
         responses={403: ResponseSpec(data_container=dict[str, Any],
                                      description="The link was altered or has expired (photo_link_invalid)")})
    async def photo(self, settings: SettingsDep, reading_id: FromPath[Id],
                    expires: Annotated[int, QueryParameter(ge=0, le=2**40)],
                    sig: Annotated[str, QueryParameter(pattern=r"^[A-Za-z0-9_-]{1,64}$")]) -> Response[bytes]:
        data = await services.linked_photo(settings, reading_id, expires, sig)
        return Response(data, media_type="image/jpeg", headers={
            "content-disposition": "inline", "cache-control": "private, max-age=3600", "referrer-policy": "no-referrer"})


controllers = [ReadingsController, ReadingReviewController, PhotoLinkController]
