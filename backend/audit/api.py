"""HTTP endpoints of the audit log: search for the office. There is no endpoint that changes or
deletes an entry (append-only; only the retention purge removes old ones)."""

from __future__ import annotations

from datetime import date

from litestar import Controller, get
from litestar.params import FromQuery

from backend.accounts.guards import staff_only
from backend.audit import services
from backend.audit.schemas import AuditPageOut
from backend.core.errors import ApiError
from backend.core.types import Line, OptionalId


def _day(value: str, field: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ApiError("invalid_request", f"{field} must be a date YYYY-MM-DD", 400, field=field) from None


class StaffAuditController(Controller):
    path = "/api/staff/audit"
    guards = [staff_only]

    @get("/")
    async def search(self, actor: FromQuery[Line] = "", action: FromQuery[Line] = "", kind: FromQuery[Line] = "",
                     object_id: FromQuery[Line] = "", customer_id: FromQuery[OptionalId] = None,
                     since: FromQuery[Line] = "", until: FromQuery[Line] = "",
                     offset: FromQuery[int] = 0) -> AuditPageOut:
        return await services.search(
            actor=actor[:100], action=action[:60], object_kind=kind[:40], object_id=object_id[:80],
            customer_id=customer_id, since=_day(since, "since"), until=_day(until, "until"),
            offset=max(0, min(offset, 100_000)),
        )


controllers = [StaffAuditController]
