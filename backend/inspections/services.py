"""The desk's review queue, inspectors' visits and routes, and visit results from the field."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta
from typing import Any

from backend.accounts import services as accounts
from backend.accounts.schemas import CurrentUser
from backend.audit import services as audit
from backend.core import idempotency
from backend.core.addresses import house_order
from backend.core.clock import iso, now, today_in_warsaw
from backend.core.db import json_list, transaction
from backend.core.errors import ApiError, not_found
from backend.customers import services as customers
from backend.inspections.schemas import Inspector, LastAccepted, QueueItem, RouteOut, VisitOut
from backend.inspections.tables import Route, Visit
from backend.readings import services as readings
from backend.settings import Settings

SILENT_DAYS = 180  # a meter nobody has read for half a year is worth a visit
# What an inspector may see of the residents' readings (history, CSV, photos) and read themselves:
# the meters on visits of their own routes from a week back (a phone offline for days still sends
# that route's results) to tomorrow (the route the office planned today). Nothing else.
ROUTE_DAYS_BACK = 7
ROUTE_DAYS_AHEAD = 1
OUTCOMES_WITH_VALUE = ("confirmed", "corrected")


# --- the review queue ------------------------------------------------------------------------------


async def _open_visits() -> dict[str, str]:
    """reading id or meter id -> open visit id."""
    rows = await Visit.select(Visit.id, Visit.reading, Visit.meter).where(Visit.status == "pending")
    out: dict[str, str] = {}
    for r in rows:
        out[str(r["reading"] or r["meter"])] = str(r["id"])
    return out


async def queue(settings: Settings) -> list[QueueItem]:
    candidates = await readings.review_candidates(settings.review_sample_percent, settings.max_daily_litres)
    silent = await readings.silent_meters(SILENT_DAYS)
    meters = await customers.meters_by_ids(list({c["meter_id"] for c in candidates} | set(silent)))
    previous = await readings.previous_values([(c["reading_id"], c["meter_id"]) for c in candidates])
    visits = await _open_visits()
    items = []
    for c in candidates:
        m = meters[c["meter_id"]]
        items.append(QueueItem(
            reading_id=c["reading_id"], meter_id=c["meter_id"], serial=m["serial"], kind=m["kind"], address=m["address"],
            customer_number=m["customer_number"], customer_name=m["customer_name"], value_litres=c["value_litres"],
            previous_litres=previous.get(c["reading_id"]), captured_at=c["captured_at"], status=c["status"],
            reasons=c["reasons"], comment=c["comment"], has_photo=c["has_photo"], visit_id=visits.get(c["reading_id"]),
        ))
    for meter_id in silent:
        m = meters[meter_id]
        items.append(QueueItem(
            reading_id=None, meter_id=meter_id, serial=m["serial"], kind=m["kind"], address=m["address"],
            customer_number=m["customer_number"], customer_name=m["customer_name"], value_litres=None,
            previous_litres=None, captured_at=None, status=None, reasons=["no_reading_long"], comment="",
            has_photo=False, visit_id=visits.get(meter_id),
        ))
    return items


# --- visits and routes ---------------------------------------------------------------------------


async def create_visits(settings: Settings, reading_ids: list[str], meter_ids: list[str], access_note: str,
                        actor: audit.Actor = None) -> list[str]:
    """Send readings (their meters) or meters to an inspector; an item already planned is not doubled."""
    candidates = {c["reading_id"]: c for c in await readings.review_candidates(
        100, settings.max_daily_litres, days=365, limit=10_000)}
    open_visits = await _open_visits()
    created = []
    async with transaction():
        for reading_id in reading_ids:
            if reading_id in open_visits:
                created.append(open_visits[reading_id])
                continue
            c = candidates.get(reading_id)
            if not c:
                raise not_found("reading")
            visit = Visit(meter=c["meter_id"], reading=reading_id, reasons=c["reasons"], access_note=access_note)
            await visit.save()
            created.append(str(visit.id))
        for meter_id in meter_ids:
            if meter_id in open_visits:
                created.append(open_visits[meter_id])
                continue
            if not await customers.meter(meter_id):
                raise not_found("meter")
            visit = Visit(meter=meter_id, reasons=["check"], access_note=access_note)
            await visit.save()
            created.append(str(visit.id))
        await audit.record(actor, "visits.plan", "visits", ",".join(created)[:80], None,
                           {"visit_ids": created, "reading_ids": reading_ids, "meter_ids": meter_ids,
                            "access_note": access_note})
    return created


async def _inspector(inspector_id: str) -> dict[str, Any]:
    found = [i for i in await accounts.users_by_role("inspector") if i["id"] == inspector_id]
    if not found:
        raise ApiError("not_an_inspector", "Choose an active inspector account", 400, field="inspector_id")
    return found[0]


async def inspectors() -> list[Inspector]:
    return [Inspector(**i) for i in await accounts.users_by_role("inspector")]


async def create_route(user: CurrentUser, inspector_id: str, day: str, visit_ids: list[str], street: str) -> RouteOut:
    await _inspector(inspector_id)
    try:
        when = date.fromisoformat(day)
    except ValueError:
        raise ApiError("invalid_request", "day must be YYYY-MM-DD", 400, field="day") from None
    query = Visit.select(Visit.id, Visit.meter).where((Visit.status == "pending") & Visit.route.is_null())
    rows = await query
    meters = await customers.meters_by_ids(list({str(r["meter"]) for r in rows}))
    if street:
        wanted = [r for r in rows if meters[str(r["meter"])]["street"] == street]
    else:
        wanted = [r for r in rows if str(r["id"]) in set(visit_ids)]
    if not wanted:
        raise ApiError("no_visits", "No open visits to put on the route", 400, field="visit_ids")
    # ordered by street, then house number, so the inspector walks it once
    wanted.sort(key=lambda r: (meters[str(r["meter"])]["street"], house_order(meters[str(r["meter"])]["house_number"])))
    route = Route(inspector=inspector_id, day=when, created_by=user.id)
    async with transaction():
        await route.save()
        for position, r in enumerate(wanted, start=1):
            await Visit.update({Visit.route: route.id, Visit.position: position}).where(Visit.id == r["id"])
        await audit.record(user, "route.create", "route", route.id, None,
                           {"inspector_id": inspector_id, "day": when, "visit_ids": [str(r["id"]) for r in wanted]})
    return await route_detail(str(route.id))


async def reassign(route_id: str, inspector_id: str) -> RouteOut:
    await _inspector(inspector_id)
    try:
        updated = await Route.update({Route.inspector: inspector_id}).where(Route.id == route_id).returning(Route.id)
    except ValueError:
        updated = []
    if not updated:
        raise not_found("route")
    return await route_detail(route_id)


async def _visit_rows(route_ids: list[str]) -> list[dict[str, Any]]:
    if not route_ids:
        return []
    return await Visit.select().where(Visit.route.is_in(route_ids)).order_by(Visit.position)


async def _visits_out(rows: list[dict[str, Any]], checks: bool = False) -> dict[str, list[VisitOut]]:
    """Visits by route id; `checks`: with what the phone needs to run the plausibility rules offline
    (a query or two per visit, so only for the inspector's own route)."""
    meters = await customers.meters_by_ids(list({str(r["meter"]) for r in rows}))
    reading_ids = [str(r["reading"]) for r in rows if r["reading"]]
    details = await readings.readings_brief(reading_ids)
    previous = await readings.previous_values([(rid, details[rid]["meter_id"]) for rid in reading_ids if rid in details])
    last = await readings.last_accepted(list(meters))
    out: dict[str, list[VisitOut]] = {}
    for r in rows:
        m = meters[str(r["meter"])]
        rid = str(r["reading"]) if r["reading"] else None
        d = details.get(rid or "", {})
        last_litres = previous.get(rid) if rid else (last[m["id"]].value_litres if m["id"] in last else None)
        out.setdefault(str(r["route"]), []).append(VisitOut(
            id=str(r["id"]), position=r["position"], meter_id=m["id"], serial=m["serial"], kind=m["kind"],
            digits=m["digits"], address=m["address"], customer_number=m["customer_number"],
            customer_name=m["customer_name"], reasons=json_list(r["reasons"]), access_note=r["access_note"],
            last_litres=last_litres, resident_reading_id=rid, resident_litres=d.get("value_litres"),
            resident_captured_at=d.get("captured_at"), resident_has_photo=bool(d.get("has_photo")),
            status=r["status"], result=r["result"], note=r["note"], done_at=iso(r["done_at"]),
        ))
        if checks and r["status"] != "done":
            last_reading, avg = await readings.check_context(m["id"], rid)
            out[str(r["route"])][-1].last_reading = LastAccepted(**last_reading) if last_reading else None
            out[str(r["route"])][-1].avg_daily_litres = avg
    return out


async def _routes_out(routes: list[dict[str, Any]], settings: Settings | None = None) -> list[RouteOut]:
    """`settings`: the inspector's own routes, with what the phone's plausibility warnings need."""
    visits = await _visits_out(await _visit_rows([str(r["id"]) for r in routes]), checks=settings is not None)
    names = await accounts.user_names(list({str(r["inspector"]) for r in routes}))
    result = []
    for r in routes:
        vs = visits.get(str(r["id"]), [])
        result.append(RouteOut(
            id=str(r["id"]), day=r["day"].isoformat(), inspector_id=str(r["inspector"]),
            inspector_name=names.get(str(r["inspector"]), ""), total=len(vs), done=sum(v.status == "done" for v in vs),
            visits=vs, max_daily_litres=settings.max_daily_litres if settings else None,
            high_factor=readings.HIGH_FACTOR if settings else None,
        ))
    return result


async def open_visits() -> list[VisitOut]:
    """Visits planned but on no route yet, by street and number."""
    rows = await Visit.select().where((Visit.status == "pending") & Visit.route.is_null())
    meters = await customers.meters_by_ids(list({str(r["meter"]) for r in rows}))
    rows.sort(key=lambda r: (meters[str(r["meter"])]["street"], house_order(meters[str(r["meter"])]["house_number"])))
    return (await _visits_out(rows)).get("None", [])


async def route_detail(route_id: str) -> RouteOut:
    rows = await Route.select().where(Route.id == route_id)
    if not rows:
        raise not_found("route")
    return (await _routes_out(rows))[0]


async def routes(day: date | None = None) -> list[RouteOut]:
    query = Route.select().order_by(Route.day, ascending=False).limit(100)
    if day:
        query = query.where(Route.day == day)
    return await _routes_out(await query)


async def my_routes(settings: Settings, user: CurrentUser, day: date | None = None) -> list[RouteOut]:
    """An inspector's routes for the day (today in Warsaw): only their own."""
    day = day or today_in_warsaw()
    rows = await Route.select().where((Route.inspector == user.id) & (Route.day == day))
    return await _routes_out(rows, settings)


async def inspector_sees_meter(user: CurrentUser, meter_id: str) -> bool:
    """Whether the meter is on a visit of one of this inspector's current routes (see ROUTE_DAYS_BACK)."""
    today = today_in_warsaw()
    return await Visit.exists().where(
        (Visit.meter == meter_id) & (Visit.route.inspector == user.id)
        & (Visit.route.day >= today - timedelta(days=ROUTE_DAYS_BACK))
        & (Visit.route.day <= today + timedelta(days=ROUTE_DAYS_AHEAD))
    )


# --- results from the field ---------------------------------------------------------------------


async def _own_visit(user: CurrentUser, visit_id: str) -> dict[str, Any]:
    try:
        row = await Visit.select(*Visit.all_columns(), Visit.route.inspector).where(Visit.id == visit_id).first()
    except ValueError:
        row = None
    if not row or str(row["route.inspector"]) != user.id:
        raise not_found("visit")  # another inspector's route is not theirs to see
    return row


def _result_hash(visit_id: str, result: str, sub: readings.Submission) -> str:
    return hashlib.sha256(f"{visit_id}\x00{result}\x00".encode() + readings.request_hash(sub).encode()).hexdigest()


async def record_result(settings: Settings, user: CurrentUser, key: str, visit_id: str, result: str,
                        sub: readings.Submission) -> tuple[int, dict[str, Any]]:
    """One visit's outcome, exactly once per idempotency key (it travels through the outbox)."""
    visit = await _own_visit(user, visit_id)
    if result in OUTCOMES_WITH_VALUE and not sub.value_text.strip():
        raise ApiError("field_required", "The value found on site is required", 400, field="value")
    return await idempotency.once(key, user.id, _result_hash(visit_id, result, sub),
                                  lambda: _store_result(settings, user, key, visit, result, sub))


async def _store_result(settings: Settings, user: CurrentUser, key: str, visit: dict[str, Any], result: str,
                        sub: readings.Submission) -> tuple[int, dict[str, Any]]:
    if visit["status"] == "done":
        raise ApiError("visit_done", "This visit already has a result", 409)
    note = sub.comment.strip()[:500]
    body: dict[str, Any] = {"visit_id": str(visit["id"]), "result": result, "reading": None, "note": note}

    async def settle(reading_body: dict[str, Any] | None) -> None:
        """The visit's result, in the transaction that stores the inspector's reading: a failure
        leaves neither, so a retry under the same key cannot store the reading twice."""
        body["reading"] = reading_body
        done = await Visit.update({
            Visit.status: "done", Visit.result: result, Visit.note: note, Visit.done_at: now(),
            Visit.result_reading: reading_body["id"] if reading_body else None,
        }).where((Visit.id == visit["id"]) & (Visit.status != "done")).returning(Visit.id)
        if not done:  # another key recorded a result meanwhile: one visit, one result
            raise ApiError("visit_done", "This visit already has a result", 409)
        # an implausible value waits for the office, flagged; only a plausible one settles the resident's
        if visit["reading"] and reading_body and reading_body["status"] == "accepted":
            found = reading_body["value_litres"]
            outcome = "confirmed" if result == "confirmed" else "corrected"
            await readings.record_verification(
                str(visit["reading"]), outcome, user.id,
                note=f"Skorygowany przez inkasenta: {found / 1000:.3f} m³".replace(".", ","), found_litres=found,
            )
        await idempotency.complete(key, 201, body)

    if sub.value_text.strip():
        meter = await customers.meter(str(visit["meter"]))
        assert meter
        verifies = None
        if visit["reading"]:
            resident = await readings.reading_value(str(visit["reading"])) if result == "confirmed" else None
            verifies = readings.Verifies(str(visit["reading"]), resident)
        await readings.store(settings, user, meter, sub, key=None, verifies=verifies, then=settle)
    else:
        async with transaction():
            await settle(None)
    return 201, body
