"""Rules and queries about meter readings: submission (idempotent), history, photos, review."""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import functools
import hashlib
import hmac
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import msgspec

from backend.accounts.schemas import CurrentUser
from backend.audit import services as audit
from backend.core import idempotency, metrics, notify, storage
from backend.core.clock import WARSAW, iso, local_day, local_midnight, now, today_in_warsaw
from backend.core.db import Read, is_postgres, json_list, read, rows, run, transaction
from backend.core.errors import ApiError, not_found
from backend.core.photos import PhotoError, process_photo_async
from backend.core.security import secret_key
from backend.customers import services as customers
from backend.customers.schemas import LastReading
from backend.readings import rules
from backend.readings.schemas import (
    HistoryOut,
    HistoryRow,
    MeterReadingInfo,
    MonthRow,
    MonthUseRow,
    ReadingOut,
    WindowOut,
)
from backend.readings.tables import Reading, ReadingChange
from backend.settings import Settings
from backend.webhooks import services as webhooks

HIGH_FACTOR = rules.HIGH_FACTOR  # other domains' view of the rule (the phone repeats it)

FUTURE_TOLERANCE = timedelta(minutes=10)  # phone clocks drift
OLDEST = timedelta(days=400)


# --- who may see what ---------------------------------------------------------------------------


# An inspector sees the meters their routes hold, which the inspections domain knows (it sits above
# this one and sets the question here when the app is composed). Unset: inspectors see nothing.
InspectorScope = Callable[[CurrentUser, str], Awaitable[bool]]
_inspector_scope: list[InspectorScope] = []


def set_inspector_scope(question: InspectorScope) -> None:
    _inspector_scope[:] = [question]


async def may_see(user: CurrentUser, meter: dict[str, Any]) -> bool:
    if user.role == "staff":
        return True
    if user.role == "inspector":
        return bool(_inspector_scope) and await _inspector_scope[0](user, meter["id"])
    return meter["customer_id"] in user.customer_ids


def _given_for(user: CurrentUser) -> Any:
    """A resident sees the readings given for their own customers: after a change of customer the
    point's earlier readings are the previous customer's data (null: from before readings recorded
    their customer). The office and inspectors see all of them."""
    if user.role != "resident":
        return Reading.id.is_not_null()
    if not user.customer_ids:
        return Reading.customer.is_null()
    return Reading.customer.is_null() | Reading.customer.is_in(list(user.customer_ids))


async def visible_meter(user: CurrentUser, meter_id: str) -> dict[str, Any]:
    """The meter if this user may see it; otherwise 404 whether or not it exists."""
    found = await customers.meter(meter_id)
    if not found or not await may_see(user, found):
        raise not_found("meter")
    return found


# --- the last reading and the history -------------------------------------------------------------


async def last_accepted(meter_ids: Sequence[str]) -> dict[str, LastReading]:
    """The latest accepted reading of each meter, by capture time (it is what billing uses):
    one row per meter from the database, not the meters' whole history."""
    if not meter_ids:
        return {}
    ids = list(meter_ids)
    found = await rows("""SELECT CAST(meter AS TEXT), value_litres, captured_at, source FROM (
  SELECT r.meter, r.value_litres, r.captured_at, r.source,
         ROW_NUMBER() OVER (PARTITION BY r.meter ORDER BY r.captured_at DESC) AS n
  FROM reading r WHERE r.meter IN ({each}) AND r.status = 'accepted') x WHERE n = 1""", each=ids)
    return {str(meter): LastReading(value_litres=int(value), captured_at=iso(captured_at), source=source,
                                    status="accepted")
            for meter, value, captured_at, source in found}


async def averages(meter_ids: Sequence[str]) -> dict[str, float | None]:
    """Average daily consumption over the last 12 months, per meter."""
    if not meter_ids:
        return {}
    ids = list(meter_ids)
    # the average needs only each meter's first and last reading of the year: two rows a meter
    found = await rows("""SELECT CAST(meter AS TEXT), value_litres, captured_at, n FROM (
  SELECT meter, value_litres, captured_at, ROW_NUMBER() OVER (PARTITION BY meter ORDER BY captured_at) AS n,
         COUNT(*) OVER (PARTITION BY meter) AS total
  FROM reading WHERE meter IN ({each}) AND status = 'accepted' AND captured_at >= $1) x
WHERE n = 1 OR n = total ORDER BY meter, n""", now() - timedelta(days=365), each=ids)
    per: dict[str, list[rules.Previous]] = {}
    for meter, value, captured_at, _ in found:
        per.setdefault(str(meter), []).append(rules.Previous(int(value), _instant(captured_at)))
    return {m: rules.average_daily(per.get(m, [])) for m in meter_ids}


@functools.lru_cache(maxsize=64)
def _period(today: date, months: int, window_days: int) -> tuple[rules.Window, datetime, str, str, str]:
    # the window of a day is the same for every meter of the period's length: worked out once a day
    w = rules.reading_window(today, months, window_days)
    opens_utc = datetime.combine(w.opens, datetime.min.time(), WARSAW).astimezone(UTC)
    return w, opens_utc, w.period_start.isoformat(), w.period_end.isoformat(), w.opens.isoformat()


def _window(settings: Settings, meter: dict[str, Any], today: date, latest: datetime | None) -> WindowOut:
    """The meter's reading window today; `latest` is its newest reading not rejected."""
    w, opens_utc, period_start, period_end, opens = _period(today, meter["billing_period_months"],
                                                            settings.reading_window_days)
    submitted = latest is not None and latest >= opens_utc
    return WindowOut(period_start=period_start, period_end=period_end, opens=opens, is_open=w.is_open,
                     wanted=w.is_open and not submitted)


def _instant(value: Any) -> datetime:
    # MAX() of a SQLite column loses its declared type (and with it Piccolo's converter): text comes back
    return datetime.fromisoformat(value).replace(tzinfo=UTC) if isinstance(value, str) else value


@dataclass
class _State:
    last: LastReading | None = None  # the newest accepted reading (last_accepted())
    latest: datetime | None = None  # the newest reading not rejected (its reading window's)
    year: list[rules.Previous] = dataclasses.field(default_factory=list)  # averages()' first and last


# a row per meter: subqueries on the meter's index (window functions sort, ~2x the CPU on SQLite).
# PostgreSQL plans the join back to the readings' rows as a scan of the whole table (5 ms on the
# demo); LATERAL keeps it on the meter's index, and SQLite has no LATERAL.
_STATES_PG = """SELECT CAST(m.meter AS TEXT), m.latest, l.value_litres, l.captured_at, l.source, f.value_litres,
  f.captured_at
FROM (SELECT meter, MAX(captured_at) AS latest FROM reading WHERE meter IN ({each}) AND status <> 'rejected'
      GROUP BY meter) m
LEFT JOIN LATERAL (SELECT x.value_litres, x.captured_at, x.source FROM reading x
  WHERE x.meter = m.meter AND x.status = 'accepted' ORDER BY x.captured_at DESC LIMIT 1) l ON TRUE
LEFT JOIN LATERAL (SELECT x.value_litres, x.captured_at FROM reading x
  WHERE x.meter = m.meter AND x.status = 'accepted' AND x.captured_at >= $1 ORDER BY x.captured_at LIMIT 1) f ON TRUE"""
_STATES = """SELECT CAST(s.meter AS TEXT), s.latest, l.value_litres, l.captured_at, l.source, f.value_litres,
  f.captured_at
FROM (SELECT m.meter,
  (SELECT MAX(x.captured_at) FROM reading x WHERE x.meter = m.meter AND x.status <> 'rejected') AS latest,
  (SELECT x.id FROM reading x WHERE x.meter = m.meter AND x.status = 'accepted'
   ORDER BY x.captured_at DESC LIMIT 1) AS last_id,
  (SELECT x.id FROM reading x WHERE x.meter = m.meter AND x.status = 'accepted' AND x.captured_at >= $1
   ORDER BY x.captured_at LIMIT 1) AS first_id
  FROM (SELECT DISTINCT meter FROM reading WHERE meter IN ({each})) m) s
LEFT JOIN reading l ON l.id = s.last_id LEFT JOIN reading f ON f.id = s.first_id"""


def _states_read(meter_ids: Sequence[str]) -> Read[dict[str, _State]]:
    """last_accepted(), the newest reading not rejected and averages()' readings of the meters in one query
    (the start screens ask for them together; each query is a round trip and, on PostgreSQL, a
    backend's CPU on the same cores): per meter its newest accepted reading, the time of its newest
    one not rejected and its oldest accepted one of the last 12 months."""
    if not meter_ids:
        return read("", then=lambda found: {})
    since = now() - timedelta(days=365)

    def states(found: Sequence[Sequence[Any]]) -> dict[str, _State]:
        out: dict[str, _State] = {}
        for meter, latest, value, captured_at, source, first_value, first_at in found:
            state = out[str(meter)] = _State(latest=_instant(latest) if latest is not None else None)
            if value is None:
                continue
            at = _instant(captured_at)
            state.last = LastReading(value_litres=int(value), captured_at=iso(at), source=source, status="accepted")
            if at >= since:  # the newest accepted reading is the year's last; with the year's first, if another
                first = _instant(first_at) if first_at is not None else at
                state.year = [rules.Previous(int(first_value), first), rules.Previous(int(value), at)] if first != at \
                    else [rules.Previous(int(value), at)]
        return out

    return read(_STATES_PG if is_postgres() else _STATES, since, each=list(meter_ids), then=states)


def dashboard_readings(settings: Settings, periods: dict[str, int]) -> Read[tuple[dict[str, LastReading],
                                                                                 dict[str, WindowOut]]]:
    """For the dashboard, of the meters (id -> their customer's billing period in months, as
    customers.registry_with_periods() gives them): the last accepted readings, as last_accepted(),
    and each meter's reading window today (open, and whether a reading came in it, or the day it
    opens); one query, to read with the dashboard's others (db.read_together())."""
    today = today_in_warsaw()

    def made(states: dict[str, _State]) -> tuple[dict[str, LastReading], dict[str, WindowOut]]:
        last = {m: s.last for m, s in states.items() if s.last is not None}
        return last, {m: _window(settings, {"billing_period_months": months}, today,
                                 states[m].latest if m in states else None) for m, months in periods.items()}

    return _states_read(list(periods)).map(made)


async def meters_for(settings: Settings, user: CurrentUser) -> list[MeterReadingInfo]:
    meters = await customers.meters_of(user.customer_ids)
    states = await run(_states_read([m["id"] for m in meters]))
    last = {m: s.last for m, s in states.items()}
    avg = {m: rules.average_daily(s.year) for m, s in states.items()}
    latest = {m: s.latest for m, s in states.items()}
    today = today_in_warsaw()
    return [
        MeterReadingInfo(
            id=m["id"], serial=m["serial"], kind=m["kind"], digits=m["digits"],
            service_point_id=m["service_point_id"], address=m["address"], customer_number=m["customer_number"],
            last_reading=last.get(m["id"]), avg_daily_litres=avg.get(m["id"]),
            window=_window(settings, m, today, latest.get(m["id"])),
        )
        for m in meters
    ]


def _reading_out(r: dict[str, Any]) -> ReadingOut:
    return ReadingOut(
        id=str(r["id"]), meter_id=str(r["meter"]), value_litres=int(r["value_litres"]),
        captured_at=iso(r["captured_at"]), received_at=iso(r["received_at"]), source=r["source"],
        status=r["status"], flags=json_list(r["flags"]), comment=r["comment"], review_note=r["review_note"],
        has_photo=bool(r["photo_hash"]), outside_window=bool(r["outside_window"]),
    )


async def history(user: CurrentUser, meter_id: str) -> HistoryOut:
    meter = await visible_meter(user, meter_id)
    rows = await Reading.select().where((Reading.meter == meter_id) & _given_for(user)).order_by(Reading.captured_at)
    out: list[HistoryRow] = []
    previous: dict[str, Any] | None = None
    monthly: dict[str, int] = {}
    accepted: list[rules.Previous] = []
    for r in rows:
        consumption = None
        if r["status"] == "accepted":
            accepted.append(rules.Previous(int(r["value_litres"]), r["captured_at"]))
            if previous is not None and r["value_litres"] >= previous["value_litres"]:
                consumption = int(r["value_litres"] - previous["value_litres"])
                month = r["captured_at"].astimezone(WARSAW).strftime("%Y-%m")
                monthly[month] = monthly.get(month, 0) + consumption
            previous = r
        out.append(HistoryRow(
            id=str(r["id"]), value_litres=int(r["value_litres"]), captured_at=iso(r["captured_at"]),
            source=r["source"], status=r["status"], flags=json_list(r["flags"]), comment=r["comment"],
            review_note=r["review_note"], has_photo=bool(r["photo_hash"]), consumption_litres=consumption,
            verification=r["verification"],
        ))
    out.reverse()  # newest first on screen
    return HistoryOut(meter_id=meter["id"], serial=meter["serial"], kind=meter["kind"], readings=out,
                      monthly=[MonthRow(month=k, litres=v) for k, v in sorted(monthly.items())],
                      per_day=[MonthUseRow(**dataclasses.asdict(u)) for u in rules.use_per_day_by_month(accepted, WARSAW)])


# --- submission ---------------------------------------------------------------------------------


class Submission(msgspec.Struct, frozen=True):
    meter_id: str
    value_text: str
    captured_at_text: str
    comment: str
    photo: bytes | None
    reading_date_text: str = ""  # "YYYY-MM-DD": the day the value was read, when not the day it was saved


def request_hash(sub: Submission) -> str:
    h = hashlib.sha256()
    for part in (sub.meter_id, sub.value_text.strip(), sub.captured_at_text.strip(), sub.comment.strip()):
        h.update(part.encode())
        h.update(b"\x00")
    if sub.reading_date_text.strip():  # absent: the same hash as before the field existed
        h.update(b"date:" + sub.reading_date_text.strip().encode())
    h.update(hashlib.sha256(sub.photo).digest() if sub.photo else b"-")
    return h.hexdigest()


def _parse_captured_at(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ApiError("captured_at_invalid", "captured_at must be ISO 8601", 400, field="captured_at") from None
    if value.tzinfo is None:  # a phone's local time without an offset is Polish time
        value = value.replace(tzinfo=WARSAW)
    value = value.astimezone(UTC)
    if value > now() + FUTURE_TOLERANCE:
        raise ApiError("captured_in_future", "The capture time is in the future", 400, field="captured_at")
    if value < now() - OLDEST:
        raise ApiError("captured_too_old", "The capture time is too far in the past", 400, field="captured_at")
    return value


async def _reading_day(settings: Settings, meter: dict[str, Any], saved_at: datetime, text: str) -> datetime:
    """A resident's reading noted earlier (on paper, yesterday): the day it was read, no later than
    the day the phone saved it, not before the window that day (the open window, else the billing
    period it is in) and not before the day of the meter's last accepted reading. The time of day is the
    saving's, moved to just after the last reading when that was taken later the same day."""
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise ApiError("date_invalid", "reading_date must be YYYY-MM-DD", 400, field="reading_date") from None
    saved_day = local_day(saved_at)
    if day > saved_day:
        raise ApiError("reading_date_future", "The reading date is in the future", 400, field="reading_date")
    window = rules.reading_window(saved_day, meter["billing_period_months"], settings.reading_window_days)
    earliest = window.opens if window.is_open else window.period_start
    if day < earliest:
        raise ApiError("reading_date_outside_window", "The reading date is before the current window", 400,
                       field="reading_date", extra={"params": {"date": earliest.isoformat()}})
    moment = datetime.combine(day, saved_at.astimezone(WARSAW).time(), WARSAW).astimezone(UTC)
    last = (await last_accepted([meter["id"]])).get(meter["id"])
    if last:
        last_at = datetime.fromisoformat(last.captured_at)
        if day < local_day(last_at):
            raise ApiError("reading_date_before_last", "The reading date is before the last reading", 400,
                           field="reading_date", extra={"params": {"date": local_day(last_at).isoformat()}})
        moment = max(moment, min(last_at + timedelta(minutes=1), saved_at))
    return moment


async def submit(
    settings: Settings, user: CurrentUser, key: str, sub: Submission
) -> tuple[int, dict[str, Any]]:
    """Store a reading exactly once per idempotency key; returns (status, body)."""
    if user.role not in ("resident", "inspector"):
        raise not_found("meter")
    meter = await visible_meter(user, sub.meter_id)
    return await idempotency.once(key, user.id, request_hash(sub), lambda: store(settings, user, meter, sub, key))


async def _context(meter_id: str, captured_at: datetime,
                   ignore: str | None = None) -> tuple[rules.Previous | None, float | None]:
    """The accepted reading just before this capture and the 12-month daily average, in one query
    (`ignore`: a reading under verification, which the new value is not measured against)."""
    since = min(now() - timedelta(days=365), captured_at - timedelta(days=365))
    where = (Reading.meter == meter_id) & (Reading.status == "accepted") & (Reading.captured_at >= since)
    if ignore:
        where &= Reading.id != ignore
    rows = await Reading.select(Reading.value_litres, Reading.captured_at).where(where).order_by(Reading.captured_at)
    history = [rules.Previous(int(r["value_litres"]), r["captured_at"]) for r in rows]
    earlier = [h for h in history if h.captured_at <= captured_at]
    if not earlier:  # nothing in the last year: the latest before it, however old
        before = (Reading.meter == meter_id) & (Reading.status == "accepted") & (Reading.captured_at <= captured_at)
        if ignore:
            before &= Reading.id != ignore
        old = await Reading.select(Reading.value_litres, Reading.captured_at).where(before).order_by(
            Reading.captured_at, ascending=False).first()
        earlier = [rules.Previous(int(old["value_litres"]), old["captured_at"])] if old else []
    recent = [h for h in history if h.captured_at >= now() - timedelta(days=365)]
    return (earlier[-1] if earlier else None), rules.average_daily(recent)


async def check_context(meter_id: str, verifies: str | None) -> tuple[dict[str, Any] | None, float | None]:
    """What an inspector's value captured from now on is measured against (`_context`, as `store`
    uses it): the last accepted reading but the one under verification, and the daily average."""
    previous, avg = await _context(meter_id, now(), verifies)
    last = {"value_litres": previous.value_litres, "captured_at": iso(previous.captured_at)} if previous else None
    return last, avg


@dataclass(frozen=True)
class Verifies:
    """The resident's reading an inspector's value settles: it is not what the value is measured
    against, and a "confirmed" value must agree with it."""

    reading_id: str
    confirms: rules.Previous | None  # the resident's value when the outcome is "confirmed"


async def store(settings: Settings, user: CurrentUser, meter: dict[str, Any], sub: Submission, key: str | None,
                verifies: Verifies | None = None,
                then: Callable[[dict[str, Any]], Awaitable[None]] | None = None) -> tuple[int, dict[str, Any]]:
    """Validate and store one reading; `key` is completed, and `then` run with the answer, in the same
    transaction. The plausibility rules apply to everyone's values: an implausible one, an inspector's
    too, is stored flagged for the review queue and counts for nothing until the office accepts it."""
    if not meter["active"]:
        raise ApiError("meter_removed", "This meter has been removed", 410, field="meter_id")
    litres = rules.parse_m3(sub.value_text)
    if litres is None:
        raise ApiError("value_not_number", "The value must be a number of m³", 400, field="value")
    captured_at = _parse_captured_at(sub.captured_at_text)
    if sub.reading_date_text.strip() and user.role == "resident":
        captured_at = await _reading_day(settings, meter, captured_at, sub.reading_date_text)
    photo_hash, photo_taken_at, saving = "", None, None
    if sub.photo:
        try:
            photo = await process_photo_async(sub.photo)
        except PhotoError as exc:
            raise ApiError(exc.code, str(exc), 400, field="photo") from None
        # the files are written (and fsynced) while the database is asked for the context; the
        # row that names them is committed only after they are on disk
        saving = asyncio.ensure_future(storage.save_photo(storage.from_settings(settings), photo.sha256, photo.full,
                                                          photo.thumb))
        photo_hash = photo.sha256
        if photo.taken_at:
            photo_taken_at = photo.taken_at.replace(tzinfo=WARSAW).astimezone(UTC)

    try:
        previous, avg = await _context(meter["id"], captured_at, verifies.reading_id if verifies else None)
    finally:
        if saving is not None:
            try:
                await saving
            except storage.StorageUnavailable:  # never a reading without its photo: the phone sends it again
                raise storage_unavailable() from None
    flags = rules.assess(litres, captured_at, meter["digits"], previous, avg, settings.max_daily_litres)
    if verifies and verifies.confirms and rules.disagree(verifies.confirms, rules.Previous(litres, captured_at), avg,
                                                         settings.max_daily_litres):
        flags.append(rules.FLAG_NOT_CONFIRMED)
    window = rules.reading_window(local_day(captured_at), meter["billing_period_months"],
                                  settings.reading_window_days)
    row = Reading(
        meter=meter["id"], value_litres=litres, captured_at=captured_at, received_at=now(),
        source="inspector" if user.role == "inspector" else "resident",
        status="flagged" if flags else "accepted", flags=flags, comment=sub.comment.strip()[:500],
        photo_hash=photo_hash, photo_taken_at=photo_taken_at, outside_window=not window.is_open,
        submitted_by=user.id, customer=meter.get("customer_id"),
    )
    body = msgspec.to_builtins(_reading_out(row.to_dict()))
    async with transaction():
        await row.save()
        await webhooks.emit("reading.received", _event(row.to_dict(), meter))
        if then:
            await then(body)
        if key:
            await idempotency.complete(key, 201, body)
    metrics.READINGS.labels(row.source).inc()
    return 201, body


# --- photos -----------------------------------------------------------------------------------------


def storage_unavailable() -> ApiError:
    return ApiError("storage_unavailable", "Photos cannot be stored right now; send the reading again later", 503,
                    headers={"retry-after": "30"})


async def photo(settings: Settings, user: CurrentUser, reading_id: str, thumb: bool) -> bytes:
    try:
        row = await Reading.select(Reading.meter, Reading.photo_hash).where(
            (Reading.id == reading_id) & _given_for(user)).first()
    except ValueError:
        row = None
    if not row or not row["photo_hash"]:
        raise not_found("photo")
    await visible_meter(user, str(row["meter"]))
    try:
        data = await storage.from_settings(settings).get(storage.photo_key(row["photo_hash"], thumb=thumb))
    except storage.StorageUnavailable:
        raise storage_unavailable() from None
    if data is None:
        raise not_found("photo")
    return data


# --- signed, expiring photo links (exports and the integration feed) --------------------------------


def _photo_link_key(settings: Settings) -> bytes:
    return hmac.new(secret_key(settings).encode(), b"photo-link", hashlib.sha256).digest()


def _photo_sig(settings: Settings, reading_id: str, expires: int) -> str:
    mac = hmac.new(_photo_link_key(settings), f"{reading_id}.{expires}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac[:18]).decode()


def photo_link(settings: Settings, reading_id: str) -> str:
    """A link that opens this reading's photo without a login until it expires (EBOK_PHOTO_LINK_DAYS)
    and only for this reading: HMAC with the app's secret over the reading and the expiry."""
    expires = int((now() + timedelta(days=settings.photo_link_days)).timestamp())
    return (f"{settings.base_url}/api/photo-links/{reading_id}?expires={expires}"
            f"&sig={_photo_sig(settings, reading_id, expires)}")


def with_photo_links(settings: Settings, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for r in rows:
        r["photo_url"] = photo_link(settings, r["reading_id"]) if r.get("has_photo") else None
    return rows


async def linked_photo(settings: Settings, reading_id: str, expires: int, sig: str) -> bytes:
    """The photo a signed link names; 403 photo_link_invalid for a link that was altered or expired."""
    expected = _photo_sig(settings, reading_id, expires)
    if not hmac.compare_digest(sig.encode(), expected.encode()) or expires < now().timestamp():
        raise ApiError("photo_link_invalid", "The photo link was altered or has expired", 403)
    row = await Reading.select(Reading.photo_hash).where(Reading.id == reading_id).first()
    if not row or not row["photo_hash"]:
        raise not_found("photo")
    try:
        data = await storage.from_settings(settings).get(storage.photo_key(row["photo_hash"], thumb=False))
    except storage.StorageUnavailable:
        raise storage_unavailable() from None
    if data is None:
        raise not_found("photo")
    return data


# --- staff review -----------------------------------------------------------------------------------


def _event(r: dict[str, Any], meter: dict[str, Any] | None) -> dict[str, Any]:
    """A webhook's data about a reading (the keys the billing system knows, as in the feed)."""
    return {
        "reading_id": str(r["id"]), "meter_id": str(r["meter"]),
        "customer_number": meter["customer_number"] if meter else "", "meter_serial": meter["serial"] if meter else "",
        "point_code": meter.get("service_point_code") if meter else None,
        "value_litres": int(r["value_litres"]), "captured_at": iso(r["captured_at"]),
        "received_at": iso(r["received_at"]), "source": r["source"], "status": r["status"],
        "verification": r.get("verification") or "", "flags": json_list(r["flags"]),
        "review_note": r.get("review_note") or "",
    }


async def review(user: CurrentUser, reading_id: str, decision: str, note: str) -> ReadingOut:
    if decision == "reject" and not note.strip():
        raise ApiError("note_required", "Tell the resident why the reading was rejected", 400, field="note")
    async with transaction():
        out = await _review(user, reading_id, decision, note)
    return out


async def _review(user: CurrentUser, reading_id: str, decision: str, note: str) -> ReadingOut:
    try:  # flagged readings, and accepted ones the review queue holds up (no photo, sample, conflict)
        updated = await Reading.update({
            Reading.status: "accepted" if decision == "accept" else "rejected",
            Reading.review_note: note.strip(), Reading.reviewed_by: user.id, Reading.reviewed_at: now(),
        }).where(
            (Reading.id == reading_id)
            & ((Reading.status == "flagged") | ((Reading.status == "accepted") & Reading.reviewed_at.is_null()))
        ).returning(*Reading.all_columns())  # the reviewed row itself: no second read that could miss it
    except ValueError:
        updated = []
    if not updated:
        raise not_found("reading to review")
    row = updated[0]
    meter = await customers.meter(str(row["meter"]))
    await audit.record(user, f"reading.{decision}", "reading", row["id"], None,
                       {"status": row["status"], "note": row["review_note"], "value_litres": row["value_litres"],
                        "meter_serial": meter["serial"] if meter else None},
                       customer_id=meter["customer_id"] if meter else None)
    await webhooks.emit("reading.status_changed", _event(row, meter))
    if decision == "reject" and meter and row["source"] == "resident":  # a value the resident gave
        await notify.emit([_notice("reading_rejected", row, meter)])
    return _reading_out(row)


def _notice(kind: str, r: dict[str, Any], meter: dict[str, Any], found_litres: int | None = None) -> notify.Event:
    """The resident's notice that the office rejected, or an inspector corrected, their reading: to
    the customer it was given for, not the meter's customer of today (the point may have changed hands)."""
    return notify.Event(kind, str(r.get("customer") or meter["customer_id"]), str(r["id"]), {
        "meter_id": str(r["meter"]), "serial": meter["serial"], "value_litres": int(r["value_litres"]),
        "day": local_day(r["captured_at"]).isoformat(), "note": r.get("review_note") or "",
        "found_litres": found_litres})


def final_reading_at(day: date) -> datetime:
    """When the final reading of a meter taken off on `day` counts: at the end of that day (now,
    when that is today). Billing reads it as the old meter's last; its successor counts from its
    initial value from that day's midnight."""
    return min(now(), local_midnight(day + timedelta(days=1)) - timedelta(seconds=1))


async def record_office_reading(meter_id: str, litres: int, captured_at: datetime, staff_id: str | None,
                                source: str = "office") -> str:
    """A value the office read off a meter (the final reading of a meter taken off at an
    exchange; `source` "import" when the billing system's registry file gave it): accepted,
    inside the caller's transaction."""
    reading_id = uuid.uuid4()
    meter = await customers.meter(meter_id)
    row = Reading(id=reading_id, meter=meter_id, value_litres=litres, captured_at=captured_at, source=source,
                  status="accepted", submitted_by=staff_id, received_at=now(),
                  customer=meter["customer_id"] if meter else None)
    await Reading.insert(row)
    await webhooks.emit("reading.received", _event(row.to_dict(), meter))
    return str(reading_id)


class RegistryReadings:
    """What the registry import (backend/customers/registry.py, a domain below this one) needs of
    readings for a meter the file takes off with its final reading (issue 13.4): the meters' last
    accepted readings, to check it, and the final reading recorded as the office's exchange does."""

    async def last(self, meter_ids: list[str]) -> dict[str, tuple[int, date]]:
        found = await last_accepted(meter_ids)
        return {k: (v.value_litres, local_day(datetime.fromisoformat(v.captured_at))) for k, v in found.items()}

    async def record_final(self, meter_id: str, litres: int, day: date, actor: audit.Actor) -> str:
        staff = None if actor is None or isinstance(actor, str) else str(actor.id)  # "cli", "api": nobody's account
        return await record_office_reading(meter_id, litres, final_reading_at(day), staff, source="import")


registry_readings = RegistryReadings()


async def reading_value(reading_id: str) -> rules.Previous | None:
    row = await Reading.select(Reading.value_litres, Reading.captured_at).where(Reading.id == reading_id).first()
    return rules.Previous(int(row["value_litres"]), row["captured_at"]) if row else None


async def record_verification(reading_id: str, outcome: str, inspector_id: str, note: str = "",
                              found_litres: int | None = None) -> None:
    """An inspector's visit settles a resident's reading: confirmed keeps it (and accepts a
    flagged one); corrected sets it aside, the inspector's own reading (`found_litres`) counts for
    billing, and the resident is told."""
    values: dict[Any, Any] = {Reading.verification: outcome, Reading.reviewed_by: inspector_id,
                              Reading.reviewed_at: now()}
    if outcome == "confirmed":
        values[Reading.status] = "accepted"
    elif outcome == "corrected":
        values[Reading.status] = "rejected"
        values[Reading.review_note] = note[:500]
    async with transaction():
        updated = await Reading.update(values).where(Reading.id == reading_id).returning(*Reading.all_columns())
        if updated:
            meter = await customers.meter(str(updated[0]["meter"]))
            await webhooks.emit("reading.status_changed", _event(updated[0], meter))
            if outcome == "corrected" and meter and updated[0]["source"] == "resident":
                await notify.emit([_notice("reading_corrected", updated[0], meter, found_litres)])


def csv_rows(h: HistoryOut) -> list[list[str]]:
    def m3(litres: int | None) -> str:
        return "" if litres is None else f"{litres / 1000:.3f}".replace(".", ",")

    rows = [["data_odczytu", "wskazanie_m3", "zuzycie_m3", "zrodlo", "status", "uwagi"]]
    for r in h.readings:
        local = datetime.fromisoformat(r.captured_at).astimezone(WARSAW).strftime("%Y-%m-%d %H:%M")
        rows.append([local, m3(r.value_litres), m3(r.consumption_litres), r.source, r.status,
                     r.review_note or r.comment])
    return rows


# --- what the office should look at --------------------------------------------------------------

def sampled(reading_id: str, percent: int) -> bool:
    """A stable random sample: the same reading is in or out of it every time it is asked."""
    return int(hashlib.sha256(reading_id.encode()).hexdigest()[:8], 16) % 100 < percent


async def review_candidates(sample_percent: int, max_daily_litres: int, days: int = 90, limit: int = 300
                            ) -> list[dict[str, Any]]:
    """Residents' readings worth a second look, with the reasons: flagged by the rules, sent without
    a photo, in the random sample, or disagreeing with another reading of the same meter by more
    than the time between them explains (rules.disagree); and inspectors' values the rules flagged."""
    since = now() - timedelta(days=days)
    rows = await Reading.select(
        Reading.id, Reading.meter, Reading.value_litres, Reading.captured_at, Reading.status, Reading.flags,
        Reading.photo_hash, Reading.comment, Reading.source,
    ).where(
        (Reading.captured_at >= since) & Reading.reviewed_at.is_null()
        & ((Reading.source == "resident") | ((Reading.source == "inspector") & (Reading.status == "flagged")))
        # sent through the e-BOK (imported history has no sender and was checked where it came from)
        & Reading.submitted_by.is_not_null() & (Reading.status.is_in(["flagged", "accepted"]))
    ).order_by(Reading.captured_at).limit(limit * 3)
    others = await Reading.select(Reading.meter, Reading.value_litres, Reading.captured_at, Reading.source).where(
        (Reading.captured_at >= since - timedelta(days=7)) & (Reading.source != "resident")
        & Reading.meter.is_in(list({str(r["meter"]) for r in rows}) or ["00000000-0000-0000-0000-000000000000"])
    )
    avg = await averages(list({str(o["meter"]) for o in others}))
    out = []
    for r in rows:
        reasons = json_list(r["flags"]) if r["status"] == "flagged" else []
        if not r["photo_hash"]:
            reasons.append("no_photo")
        mine = rules.Previous(int(r["value_litres"]), r["captured_at"])
        if any(str(o["meter"]) == str(r["meter"]) and abs(o["captured_at"] - r["captured_at"]) <= timedelta(days=7)
               and rules.disagree(mine, rules.Previous(int(o["value_litres"]), o["captured_at"]),
                                  avg.get(str(r["meter"])), max_daily_litres) for o in others):
            reasons.append("conflict")
        if not reasons and sampled(str(r["id"]), sample_percent):
            reasons.append("sample")
        if reasons:
            out.append({"reading_id": str(r["id"]), "meter_id": str(r["meter"]), "value_litres": int(r["value_litres"]),
                        "captured_at": iso(r["captured_at"]), "status": r["status"], "reasons": reasons,
                        "comment": r["comment"], "has_photo": bool(r["photo_hash"])})
    return out[:limit]


async def previous_values(pairs: list[tuple[str, str]]) -> dict[str, int | None]:
    """For (reading id, meter id) pairs: the accepted value captured just before each reading."""
    out: dict[str, int | None] = {}
    for reading_id, meter_id in pairs:
        this = await Reading.select(Reading.captured_at).where(Reading.id == reading_id).first()
        before = await Reading.select(Reading.value_litres).where(
            (Reading.meter == meter_id) & (Reading.status == "accepted") & (Reading.captured_at < this["captured_at"])
            & (Reading.id != reading_id)
        ).order_by(Reading.captured_at, ascending=False).first() if this else None
        out[reading_id] = int(before["value_litres"]) if before else None
    return out


async def silent_meters(days: int, limit: int = 100) -> list[str]:
    """Active meters without any reading in the last `days` days (time to send someone)."""
    heard = Reading.select(Reading.meter).where(Reading.captured_at >= now() - timedelta(days=days))
    return await customers.active_meters_excluding(heard, limit)


async def readings_brief(reading_ids: list[str]) -> dict[str, dict[str, Any]]:
    if not reading_ids:
        return {}
    rows = await Reading.select(Reading.id, Reading.meter, Reading.value_litres, Reading.captured_at,
                                Reading.photo_hash).where(Reading.id.is_in(reading_ids))
    return {str(r["id"]): {"meter_id": str(r["meter"]), "value_litres": int(r["value_litres"]),
                           "captured_at": iso(r["captured_at"]), "has_photo": bool(r["photo_hash"])} for r in rows}


# --- data out by machine (issue 14): the feed and the period export -------------------------------


def _machine_row(r: dict[str, Any], meter: dict[str, Any] | None) -> dict[str, Any]:
    return {
        "reading_id": str(r["id"]), "customer_number": meter["customer_number"] if meter else "",
        "service_point_id": meter["service_point_id"] if meter else "",
        "point_code": meter["service_point_code"] if meter else None, "meter_serial": meter["serial"] if meter else "",
        "value_litres": int(r["value_litres"]), "value_m3": int(r["value_litres"]) / 1000,
        "captured_at": iso(r["captured_at"]), "received_at": iso(r["received_at"]), "source": r["source"],
        "status": r["status"], "verification": r["verification"], "flags": json_list(r["flags"]),
        "has_photo": bool(r["photo_hash"]),
    }


_MACHINE_COLUMNS = (Reading.id, Reading.meter, Reading.value_litres, Reading.captured_at, Reading.received_at,
                    Reading.source, Reading.status, Reading.verification, Reading.flags, Reading.photo_hash)


async def changes_after(seq: int, limit: int) -> tuple[list[dict[str, Any]], int]:
    """Feed entries after `seq` in feed order, with the reading's status as of each entry, and the
    last `seq` looked at (a reading erased since has no entry, but the position moves past it)."""
    changes = await ReadingChange.select().where(ReadingChange.seq > seq).order_by(ReadingChange.seq).limit(limit)
    if not changes:
        return [], seq
    rows = {str(r["id"]): r for r in await Reading.select(*_MACHINE_COLUMNS).where(
        Reading.id.is_in(list({c["reading"] for c in changes})))}
    meters = await customers.meters_by_ids(list({str(r["meter"]) for r in rows.values()}))
    out = []
    for c in changes:
        r = rows.get(str(c["reading"]))
        if r is None:
            continue
        entry = _machine_row(r, meters.get(str(r["meter"])))
        entry.update(seq=int(c["seq"]), event=c["kind"], status=c["status"], verification=c["verification"])
        out.append(entry)
    return out, int(changes[-1]["seq"])


def period_bounds(period: str) -> tuple[datetime, datetime]:
    """A month YYYY-MM as [start, end) in UTC, the month being Polish time's."""
    try:
        first = datetime.strptime(period, "%Y-%m").replace(tzinfo=WARSAW)
    except ValueError:
        raise ApiError("period_invalid", "The period must be YYYY-MM", 400, field="period") from None
    following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return first.astimezone(UTC), following.astimezone(UTC)


EXPORT_STATUSES = ("accepted", "flagged", "rejected", "confirmed", "corrected")


async def period_readings(period: str, statuses: Sequence[str] = ()) -> list[dict[str, Any]]:
    """The readings captured in a month (the month that bills them), by capture time. `statuses`
    keeps those with one of these statuses or inspector's verifications (confirmed, corrected)."""
    start, end = period_bounds(period)
    unknown = sorted(set(statuses) - set(EXPORT_STATUSES))
    if unknown:
        raise ApiError("status_unknown", f"Unknown status {', '.join(unknown)}", 400, field="status")
    where = (Reading.captured_at >= start) & (Reading.captured_at < end)
    if statuses:
        where = where & (Reading.status.is_in(list(statuses)) | Reading.verification.is_in(list(statuses)))
    rows = await Reading.select(*_MACHINE_COLUMNS).where(where).order_by(Reading.captured_at).order_by(Reading.id)
    meters = await customers.meters_by_ids(list({str(r["meter"]) for r in rows}))
    return [_machine_row(r, meters.get(str(r["meter"]))) for r in rows]


async def meters_read_since(meter_ids: Sequence[str], since: datetime) -> set[str]:
    """The meters among `meter_ids` with a reading captured since `since` that was not rejected
    (an offline capture counts by its capture time once it has arrived). Committed data through
    db.rows(), a query per 1000 meters (the reminders' scan asks for 100,000)."""
    ids = list(meter_ids)
    out: set[str] = set()
    for i in range(0, len(ids), 1000):
        out.update(str(m) for (m,) in await rows(
            "SELECT DISTINCT meter FROM reading WHERE captured_at >= $1 AND status <> 'rejected' AND meter IN ({each})",
            since, each=ids[i:i + 1000]))
    return out
