"""Public endpoints every page needs, before login too."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request, Response, get, route

from backend.core import sms
from backend.core.errors import ApiError
from backend.settings import SettingsDep


class Utility(msgspec.Struct):
    name: str
    short_name: str
    phone: str
    hours: str
    emergency_phone: str
    email: str


class ConfigOut(msgspec.Struct):
    utility: Utility
    languages: list[str]


@get("/api/config", cache_control=None)
async def config(settings: SettingsDep) -> ConfigOut:
    return ConfigOut(
        utility=Utility(
            name=settings.utility_name, short_name=settings.utility_short_name, phone=settings.utility_phone,
            hours=settings.utility_hours, emergency_phone=settings.utility_emergency_phone,
            email=settings.office_email,
        ),
        languages=["pl", "en", "uk"],
    )


@get("/api/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@route("/api/sms/report", http_method=["GET", "POST"], status_code=200, cache_control=None)
async def sms_report(request: Request[Any, Any, Any], settings: SettingsDep) -> Response[str]:
    """SMSAPI's delivery-report callback: MsgId, status_name and idx (comma-separated for several
    messages) in the query string, or in a form body; the gateway expects "OK"."""
    values: dict[str, str] = {k: str(v) for k, v in request.query_params.items()}
    if request.method == "POST" and "form" in request.headers.get("content-type", ""):
        values.update({k: str(v) for k, v in (await request.form()).items()})
    if not sms.report_key_ok(settings, values.get("key", "")[:64]):
        raise ApiError("not_found", "Not found", 404)
    ids = [i for i in values.get("MsgId", "")[:20000].split(",") if i]
    await sms.record_reports(ids, values.get("status_name", "")[:20000].split(","),
                             values.get("idx", "")[:40000].split(","))
    return Response("OK", media_type="text/plain")


controllers = [config, health, sms_report]
