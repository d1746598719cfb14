"""Outages: staff create, publish, update and close them; residents and the public read them.
Publishing (and every later change staff choose to send) queues one `outage_alert` job in the
outbox, in the same transaction; sender.py fans it out to devices and e-mail."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from backend.accounts import services as accounts
from backend.accounts.schemas import CurrentUser
from backend.audit import services as audit
from backend.consents import services as consents
from backend.core import notify, outbox, sms
from backend.core.addresses import street_address
from backend.core.clock import WARSAW, iso, now
from backend.core.db import Read, json_column, read, read_together, transaction
from backend.core.db import rows as read_rows
from backend.core.errors import ApiError, not_found
from backend.core.tables import SmsMessage
from backend.customers import services as customers
from backend.customers.schemas import CustomerOut
from backend.outages import area, direct, push, targeting, texts
from backend.outages.schemas import (
    AreaIn,
    AreaPreviewOut,
    DashboardOutage,
    OutageIn,
    OutageListOut,
    OutageOut,
    OutageUpdateIn,
    SmsPreviewOut,
    StaffOutageOut,
    StreetRuleOut,
)
from backend.outages.tables import AlertEmail, Outage, Publication, PushDelivery, PushSubscription
from backend.settings import Settings

JOB = "outage_alert"


def _uuid(value: str, what: str = "outage") -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise not_found(what) from None


def _time(text: str, field: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise ApiError("invalid_time", f"{field} is not an ISO 8601 time", 400, field=field) from None
    if value.tzinfo is None:
        raise ApiError("invalid_time", f"{field} needs a UTC offset", 400, field=field)
    return value.astimezone(UTC)


def _area(row: dict[str, Any]) -> dict[str, Any]:
    return json_column(row["area"])


# --- what a resident and the public see ------------------------------------------------------


async def my_points(user: CurrentUser | None) -> list[dict[str, Any]]:
    if user is None or not user.customer_ids:
        return []
    registry, _ = await customers.registry(list(user.customer_ids))
    return _points_of(registry)


def _points_of(registry: list[CustomerOut]) -> list[dict[str, Any]]:
    return [{"id": p.id, "street": p.street, "house_number": p.house_number, "apartment": p.apartment,
             "town": p.town} for c in registry for p in c.service_points]


def _address(point: dict[str, Any]) -> str:
    return street_address(point["street"], point["house_number"], point.get("apartment"))


def _out(row: dict[str, Any], points: list[dict[str, Any]], cls: type[OutageOut] = OutageOut, **extra: Any) -> Any:
    a = _area(row)
    covered = area.covering(a, row["town"])
    mine = [p for p in points if covered(p)]
    return cls(
        id=str(row["id"]), kind=row["kind"], status=row["status"], title=row["title"],
        description=row["description"], starts_at=iso(row["starts_at"]) or "",
        expected_end=iso(row["expected_end"]), water_point=row["water_point"], town=row["town"],
        streets=[StreetRuleOut(street=r["street"], from_number=r.get("from_number"), to_number=r.get("to_number"),
                               parity=r.get("parity", "all")) for r in a.get("streets", [])],
        service_point_count=len(a.get("service_point_ids", [])),
        area_summary=area.summary(a), published_at=iso(row["published_at"]), closed_at=iso(row["closed_at"]),
        updated_at=iso(row["updated_at"]) or "", mine=bool(mine), my_addresses=[_address(p) for p in mine],
        **extra,
    )


def _order(o: OutageOut) -> tuple[bool, bool, str]:
    # the resident's own first, then what is happening now, then what is planned, by start
    return (not o.mine, o.starts_at > (iso(now()) or ""), o.starts_at)


def sms_key(outage_id: Any, seq: int, customer_id: str) -> str:
    return f"outage:{outage_id}:{seq}:{customer_id}"


def sms_texts(settings: Settings, outage: dict[str, Any], reason: str, at: datetime) -> dict[str, str]:
    return {lang: texts.sms(outage, reason, area.summary(outage["area"], lang=lang), settings.utility_name,
                            settings.utility_emergency_phone, at, lang)
            for lang in texts.SMS}


async def sms_preview(settings: Settings, outage_id: str) -> SmsPreviewOut:
    """What publishing (or the next update of) this outage would send by SMS, before the office
    sends it: the recipients by the alert's rule, the parts as the gateway counts them, and the
    month's use against EBOK_SMS_MONTHLY_LIMIT."""
    row = await _row(outage_id)
    outage = {**row, "area": _area(row)}
    reason = "published" if row["status"] == "draft" else "updated" if row["status"] == "published" else "closed"
    aud = await targeting.audience(outage["area"], outage["town"])
    t = now()
    by_lang = {lang: sms.prepare(settings, text) for lang, text in sms_texts(settings, outage, reason, t).items()}
    sizes = {lang: sms.length(text) for lang, text in by_lang.items()}
    parts = sum(sizes.get(c["language"], sizes["pl"]).parts for c in aud.sms_customers)
    usage = await sms.month_usage(settings, t)
    left = max(0, usage.limit - usage.parts_sent) if usage.limit else None
    return SmsPreviewOut(
        recipients=len(aud.sms_customers), parts=parts, text=by_lang["pl"], encoding=sizes["pl"].encoding,
        characters=sizes["pl"].characters, parts_each=sizes["pl"].parts, month=usage.month,
        month_parts_sent=usage.parts_sent, month_limit=usage.limit, month_held=usage.held,
        over_limit=left is not None and parts > left)


_PUBLISHED_KEYS = ("id", "kind", "status", "title", "description", "starts_at", "expected_end", "water_point", "town",
                   "area", "published_at", "closed_at", "updated_at")
_PUBLISHED = ("SELECT CAST(id AS TEXT), kind, status, title, description, starts_at, expected_end, water_point, town, area, "
              "published_at, closed_at, updated_at FROM outage WHERE status = 'published' ORDER BY starts_at, id")


def _published_rows(found: Sequence[Sequence[Any]]) -> list[dict[str, Any]]:
    """The rows of _PUBLISHED (the published outages by start, the columns a resident's screens show;
    through db.rows(): every start of the app reads them) as dicts."""
    return [dict(zip(_PUBLISHED_KEYS, r, strict=True)) for r in found]


async def public_list(user: CurrentUser | None) -> OutageListOut:
    # the outages and the resident's points in one round trip on PostgreSQL
    rows, (registry, _) = await read_together(read(_PUBLISHED, then=_published_rows),
                                              customers.registry_read(list(user.customer_ids) if user else []))
    points = _points_of(registry)
    out = sorted((_out(r, points) for r in rows), key=_order)
    return OutageListOut(outages=out, towns=sorted({o.town for o in out}))


async def public_one(user: CurrentUser | None, outage_id: str) -> OutageOut:
    """A published or closed outage (a notification may be tapped after the all-clear)."""
    row = await Outage.select().where(Outage.id == _uuid(outage_id)).first()
    if not row or row["status"] == "draft":
        raise not_found("outage")
    return _out(row, await my_points(user))


def for_dashboard(registry: list[CustomerOut]) -> Read[list[DashboardOutage]]:
    """Published outages on the service points of `registry` (the user's customers), in the
    dashboard's shape; one query, to read with the dashboard's others (db.read_together())."""
    points = _points_of(registry)
    if not points:
        return read("", then=lambda found: [])

    def mine_of(found: Sequence[Sequence[Any]]) -> list[DashboardOutage]:
        out = []
        for row in _published_rows(found):
            covered = area.covering(_area(row), row["town"])
            mine = [p for p in points if covered(p)]
            if mine:
                out.append(DashboardOutage(id=str(row["id"]), kind=row["kind"], title=row["title"],
                                           street=", ".join(_address(p) for p in mine),
                                           expected_end=iso(row["expected_end"])))
        return out

    return read(_PUBLISHED, then=mine_of)


async def feed_rows() -> list[dict[str, Any]]:
    return await Outage.select().where(Outage.status == "published").order_by(Outage.updated_at, ascending=False)


# --- staff --------------------------------------------------------------------------------------


async def _checked(data: OutageIn) -> dict[str, Any]:
    starts = _time(data.starts_at, "starts_at")
    end = _time(data.expected_end, "expected_end") if data.expected_end else None
    if end and end <= starts:
        raise ApiError("end_before_start", "expected_end must be after starts_at", 400, field="expected_end")
    a = _area_dict(data.area)
    row = {"kind": data.kind, "title": data.title.strip(), "description": data.description.strip(),
           "starts_at": starts, "expected_end": end, "water_point": data.water_point.strip(),
           "town": data.area.town.strip(), "area": a}
    if not row["title"]:
        raise ApiError("field_required", "title is required", 400, field="title")
    await _check_points(a)
    # the longest text any device could get must fit one push record
    for lang in texts.KIND:
        for reason in ("published", "updated"):
            payload = alert_payload({**row, "id": uuid.UUID(int=0)}, reason, 99, lang, now())
            try:
                push.check_payload(payload)
            except push.PayloadTooLarge:
                raise ApiError("payload_too_large", "The alert text is too long for a push message", 400,
                               field="title") from None
    return row


def _area_dict(data: AreaIn) -> dict[str, Any]:
    rules = []
    for i, rule in enumerate(data.streets):
        if rule.from_number and rule.to_number and rule.from_number > rule.to_number:
            raise ApiError("range_invalid", "from_number is above to_number", 400, field=f"streets[{i}]")
        rules.append({"street": " ".join(rule.street.split()), "from_number": rule.from_number,
                      "to_number": rule.to_number, "parity": rule.parity})
    ids = sorted({str(_uuid(i, "service point")) for i in data.service_point_ids})
    if not rules and not ids:
        raise ApiError("area_empty", "Give at least one street or service point", 400, field="area")
    return {"streets": rules, "service_point_ids": ids}


async def _check_points(a: dict[str, Any]) -> None:
    ids = a["service_point_ids"]
    found = {str(p["id"]) for p in await area.points_by_ids(ids)}
    if missing := [i for i in ids if i not in found]:
        raise ApiError("service_point_unknown", f"Unknown service point {missing[0]}", 400, field="service_point_ids")


async def _staff_out(row: dict[str, Any]) -> StaffOutageOut:
    counts: dict[str, int] = {}
    rows = await PushDelivery.raw(
        "SELECT d.status, COUNT(*) AS n FROM push_delivery d JOIN outage_publication p ON p.id = d.publication "
        "WHERE p.outage = {} GROUP BY d.status", row["id"]
    )
    for r in rows:
        counts[r["status"]] = int(r["n"])
    emails = await AlertEmail.count().where(AlertEmail.publication.outage == row["id"])
    a = _area(row)
    return _out(row, [], StaffOutageOut, service_point_ids=a.get("service_point_ids", []), version=row["version"],
                deliveries=counts, emails=emails)


async def staff_list() -> list[StaffOutageOut]:
    rows = await Outage.select().order_by(Outage.created_at, ascending=False).limit(200)
    return [await _staff_out(r) for r in rows]


async def _row(outage_id: str) -> dict[str, Any]:
    row = await Outage.select().where(Outage.id == _uuid(outage_id)).first()
    if not row:
        raise not_found("outage")
    return row


async def staff_one(outage_id: str) -> StaffOutageOut:
    return await _staff_out(await _row(outage_id))


async def create(user: CurrentUser, data: OutageIn) -> StaffOutageOut:
    values = await _checked(data)
    outage_id = uuid.uuid4()
    t = now()
    async with transaction():
        await Outage.insert(Outage(id=outage_id, created_by=user.id, created_at=t, updated_at=t, status="draft",
                                   **values))
        await audit.record(user, "outage.create", "outage", outage_id, after=values)
    return await staff_one(str(outage_id))


async def _publish(outage_id: Any, reason: str) -> None:
    """Inside the caller's transaction: one more publication and its fan-out job."""
    [row] = await Outage.update({Outage.version: Outage.version + 1}).where(Outage.id == outage_id).returning(
        Outage.version
    )
    pub_id = uuid.uuid4()
    await Publication.insert(Publication(id=pub_id, outage=outage_id, seq=row["version"], reason=reason,
                                         created_at=now()))
    await outbox.enqueue(JOB, {"publication_id": str(pub_id)})


async def publish(user: CurrentUser, outage_id: str) -> StaffOutageOut:
    row = await _row(outage_id)
    if row["status"] != "draft":
        raise ApiError("outage_not_draft", "Only a draft can be published", 409)
    async with transaction():
        t = now()
        changed = await Outage.update({Outage.status: "published", Outage.published_at: t, Outage.updated_at: t}).where(
            (Outage.id == row["id"]) & (Outage.status == "draft")
        ).returning(Outage.id)
        if not changed:  # published meanwhile by someone else
            raise ApiError("outage_not_draft", "Only a draft can be published", 409)
        await _publish(row["id"], "published")
        await audit.record(user, "outage.publish", "outage", row["id"], {"status": "draft"}, {"status": "published"})
    return await staff_one(outage_id)


async def update(user: CurrentUser, outage_id: str, data: OutageUpdateIn) -> StaffOutageOut:
    row = await _row(outage_id)
    if row["status"] == "closed":
        raise ApiError("outage_closed", "A closed outage cannot be changed", 409)
    values = await _checked(data)
    async with transaction():
        await Outage.update({**{getattr(Outage, k): v for k, v in values.items()}, Outage.updated_at: now()}).where(
            Outage.id == row["id"]
        )
        end = values.get("expected_end")
        if row["status"] == "published" and row["expected_end"] and end and end > row["expected_end"]:
            # the end moved later: those alerted about it are told (whether or not the alert is sent again)
            await _notice({**row, **values}, "outage_extended", alerted=data.notify)
        if row["status"] == "published" and data.notify:
            await _publish(row["id"], "updated")
        await audit.record(user, "outage.update", "outage", row["id"],
                           *audit.changed({k: json_column(row[k]) if isinstance(row[k], str) and not isinstance(v, str)
                                           else row[k] for k, v in values.items()}, values))
    return await staff_one(outage_id)


async def close(user: CurrentUser, outage_id: str) -> StaffOutageOut:
    """The all-clear: a published outage sends it (replacing the alert on the devices)."""
    row = await _row(outage_id)
    if row["status"] == "closed":
        raise ApiError("outage_closed", "The outage is already closed", 409)
    async with transaction():
        t = now()
        await Outage.update({Outage.status: "closed", Outage.closed_at: t, Outage.updated_at: t}).where(
            Outage.id == row["id"]
        )
        if row["status"] == "published":
            await _notice(row, "outage_ended", alerted=True)
            await _publish(row["id"], "closed")
        await audit.record(user, "outage.close", "outage", row["id"], {"status": row["status"]}, {"status": "closed"})
    return await staff_one(outage_id)


async def alerted_customers(outage: dict[str, Any], upto: int | None = None) -> set[str]:
    """The customers (with a service point in the outage's area) whom an alert about it reached:
    a device of one of their accounts was pushed, an account got the alert e-mail, or an SMS went.
    `upto`: only the alerts of the publications up to this one (seq)."""
    where = Publication.outage == outage["id"]
    if upto is not None:
        where &= Publication.seq <= upto
    pubs = await Publication.select(Publication.id, Publication.seq).where(where)
    if not pubs:
        return set()
    seqs = {int(r["seq"]) for r in pubs}
    pub_ids = [r["id"] for r in pubs]
    users: set[str] = set()
    pushed = await PushDelivery.select(PushDelivery.subscription_id).where(
        PushDelivery.publication.is_in(pub_ids) & (PushDelivery.status == "sent"))
    subs = [r["subscription_id"] for r in pushed]
    for i in range(0, len(subs), 500):
        users |= {str(r["user"]) for r in await PushSubscription.select(PushSubscription.user).where(
            PushSubscription.id.is_in(subs[i:i + 500]))}
    users |= {str(r["user_id"]) for r in await AlertEmail.select(AlertEmail.user_id).where(
        AlertEmail.publication.is_in(pub_ids))}
    texted = set()
    for r in await SmsMessage.select(SmsMessage.key).where(
            (SmsMessage.kind == "outage") & SmsMessage.key.like(f"outage:{outage['id']}:%")
            & SmsMessage.status.is_in(["sending", "sent", "delivered"])):
        _, _, seq, customer = r["key"].split(":", 3)  # sms_key
        if int(seq) in seqs:
            texted.add(customer)
    in_area = sorted((await targeting.audience(_area(outage), outage["town"])).customers)
    linked = await accounts.accounts_of_customers(in_area) if users else {}
    return {c for c in in_area if c in texted or any(u["id"] in users for u in linked.get(c, []))}


NOTICE_JOB = "outage_notice"


async def _notice(outage: dict[str, Any], kind: str, alerted: bool) -> None:
    """Inside the caller's transaction: a job that tells the customers alerted about the outage that
    it lasts longer or is over (core/notify). Finding them reads every delivery of the outage and its
    area's customers (100,000 for a town): that is the job's, outside the office's write transaction.
    The job counts the alerts up to the outage's publications as they are now (the one this change
    sends comes after). `alerted`: the outage's own alert goes out with the change too, so the
    notices leave out the channels it uses (backend/notices/fanout.py)."""
    expected_end = outage.get("expected_end")
    data = {"outage_id": str(outage["id"]), "title": outage["title"], "alerted": alerted,
            "expected_end": iso(expected_end) if isinstance(expected_end, datetime) else expected_end}
    [current] = await Outage.select(Outage.version).where(Outage.id == outage["id"])
    await outbox.enqueue(NOTICE_JOB, {"kind": kind, "data": data, "upto": int(current["version"])})


async def send_notices(payload: dict[str, Any]) -> None:
    """The `outage_notice` job: the events in one short transaction. Run again, it queues the same
    events, and the notices domain writes each notice once (its unique key), so none goes twice."""
    kind, data = payload["kind"], payload["data"]
    outage = await Outage.select().where(Outage.id == data["outage_id"]).first()
    if outage is None:
        return
    customers_told = sorted(await alerted_customers(outage, upto=payload["upto"]))
    ref = f"{data['outage_id']}:{kind}:{data['expected_end'] or ''}"
    async with transaction():
        await notify.emit([notify.Event(kind, c, ref, data) for c in customers_told])


async def preview(data: AreaIn) -> AreaPreviewOut:
    a = _area_dict(data)
    await _check_points(a)
    aud = await targeting.audience(a, data.town.strip())
    return AreaPreviewOut(service_points=len(aud.points), customers=len(aud.customers),
                          devices=len(aud.subscriptions), email_recipients=len(aud.email_users))


# --- the alert ----------------------------------------------------------------------------------


def ttl(outage: dict[str, Any], reason: str, at: datetime) -> int:
    """Until the expected end (a phone that comes online after it needs no alert), at most 24 h;
    the all-clear and alerts without an end keep the full day, and never less than 15 min."""
    if reason == "closed" or not outage["expected_end"]:
        return push.MAX_TTL
    return max(900, min(push.MAX_TTL, int((outage["expected_end"] - at).total_seconds())))


def urgency(outage: dict[str, Any]) -> str:
    return "high" if outage["kind"] in ("failure", "quality") else "normal"


def topic(outage_id: Any) -> str:
    """Same Topic for every alert of one outage: the push service keeps only the newest."""
    return uuid.UUID(str(outage_id)).hex  # 32 characters of the URL-safe alphabet


def tag(outage_id: Any) -> str:
    return f"outage-{outage_id}"


def alert_payload(outage: dict[str, Any], reason: str, seq: int, lang: str, at: datetime) -> bytes:
    street = area.summary(_area(outage), lang=lang)
    title, body = texts.notification(outage, reason, street, lang, at)
    return json.dumps({
        "type": "outage", "id": str(outage["id"]), "seq": seq, "reason": reason, "kind": outage["kind"],
        "title": title, "body": body, "tag": tag(outage["id"]), "url": f"/awarie?id={outage['id']}",
        "expected_end": iso(outage["expected_end"]),
    }, ensure_ascii=False, separators=(",", ":")).encode()


# --- e-mail alerts consent ----------------------------------------------------------------------


async def email_alerts(user: CurrentUser) -> bool:
    """On when the consent to alert e-mails is given for every customer of the account."""
    if not user.customer_ids:
        return False
    return await consents.email_alerts_given(user.customer_ids) == set(user.customer_ids)


async def set_email_alerts(user: CurrentUser, enabled: bool) -> bool:
    """The Awarie page's toggle: one decision in the consents register for each of the user's customers."""
    await consents.record_for_all(user.customer_ids, "email_alerts", enabled, "portal", user.id)
    return enabled


# --- demo -----------------------------------------------------------------------------------------


async def create_demo_outages(town: str, failure_street: str, planned_street: str, at: datetime) -> None:
    """A current failure and planned works for the demo (published, nobody subscribed yet)."""
    hour = at.replace(minute=0, second=0, microsecond=0)
    # planned works the day after tomorrow, 8:00–14:00 local time
    planned_day = (at.astimezone(WARSAW) + timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
    rows = [
        Outage(kind="failure", status="published", title="Awaria sieci wodociągowej",
               description="Pękła rura pod jezdnią. Ekipa pracuje na miejscu; woda może być przez chwilę mętna "
                           "po przywróceniu dostawy.",
               starts_at=hour - timedelta(hours=1), expected_end=hour + timedelta(hours=5),
               water_point="Beczkowóz przy skrzyżowaniu z ul. Kolejową", town=town,
               area={"streets": [{"street": failure_street, "from_number": 2, "to_number": 30, "parity": "even"}],
                     "service_point_ids": []},
               version=0, created_at=at, updated_at=at, published_at=at),
        Outage(kind="planned", status="published", title="Wymiana zasuwy — przerwa w dostawie wody",
               description="Planowa wymiana zasuwy na sieci. Prosimy o zrobienie zapasu wody.",
               starts_at=planned_day.replace(hour=8).astimezone(UTC),
               expected_end=planned_day.replace(hour=14).astimezone(UTC),
               water_point="", town=town,
               area={"streets": [{"street": planned_street, "from_number": None, "to_number": None, "parity": "all"}],
                     "service_point_ids": []},
               version=0, created_at=at, updated_at=at, published_at=at),
    ]
    for row in rows:
        await Outage.insert(row)


# --- for the notices domain: the devices of accounts, and a push to them ----------------------------


async def devices_of(user_ids: list[str]) -> list[dict[str, Any]]:
    """{id, user, language} of every device subscribed to push by these accounts (committed data
    through db.rows(), a query per 1000 accounts: the reminders' scan asks for 100,000)."""
    out: list[dict[str, Any]] = []
    for i in range(0, len(user_ids), 1000):
        out += [{"id": str(sid), "user": str(uid), "language": language} for sid, uid, language in await read_rows(
            'SELECT id, "user", language FROM push_subscription WHERE "user" IN ({each})', each=user_ids[i:i + 1000])]
    return out


async def push_to(settings: Settings, payloads: dict[str, bytes], topics: dict[str, str], *, ttl: int,
                  urgency: str = "normal") -> dict[str, str]:
    """Push each device (subscription id) its message: subscription id -> sent|gone|retry|failed."""
    return await direct.send(settings, payloads, ttl=ttl, urgency=urgency, topics=topics)
