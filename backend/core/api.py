"""Public endpoints every page needs, before login too."""

from __future__ import annotations

import msgspec
from litestar import get

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
        languages=["pl", "en"],
    )


@get("/api/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


controllers = [config, health]
