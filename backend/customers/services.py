"""Queries over the customer registry. Callers pass the customer ids the user may see."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from piccolo.columns import Column

from backend.audit import services as audit
from backend.core.addresses import street_address
from backend.core.clock import now
from backend.core.db import Read, fold, fold_sql, read, rows, run, transaction
from backend.core.errors import ApiError
from backend.core.types import is_line
from backend.customers.schemas import CustomerOut, MeterOut, ServicePointOut
from backend.customers.tables import Customer, Meter, ServicePoint
from backend.webhooks import services as webhooks


async def customer_id_by_number(number: str) -> str | None:
    row = await Customer.select(Customer.id).where(Customer.number == number.strip()).first()
    return str(row["id"]) if row else None


async def number_of(customer_id: str) -> str | None:
    row = await Customer.select(Customer.number).where(Customer.id == customer_id).first()
    return row["number"] if row else None
async def customer_ids_by_numbers(numbers: Iterable[str]) -> dict[str, str]:
    """customer number -> id, for the numbers that exist."""
    wanted = sorted({n.strip() for n in numbers})
    out: dict[str, str] = {}
    for i in range(0, len(wanted), 1000):
        for r in await Customer.select(Customer.id, Customer.number).where(Customer.number.is_in(wanted[i:i + 1000])):
            out[r["number"]] = str(r["id"])
    return out


async def customers_brief(ids: Iterable[str]) -> list[dict[str, str]]:
    ids = list(ids)
    if not ids:
        return []
    found = await rows("SELECT CAST(id AS TEXT), number, name FROM customer WHERE id IN ({each}) ORDER BY number",
                       each=ids)
    return [{"id": str(cid), "number": number, "name": name} for cid, number, name in found]


async def get_customer(customer_id: str) -> dict[str, Any] | None:
    try:
        return await Customer.select().where(Customer.id == customer_id).first()
    except ValueError:  # not a UUID
        return None


def _like(text: str) -> str:
    return "%" + fold(text.replace("%", "").replace("_", "")) + "%"


async def search(q: str, limit: int = 50, include_ended: bool = False) -> list[dict[str, Any]]:
    """The office's customer search: a customer number, point code or meter serial (exact), or a
    part of the name (every word, in any order, with or without Polish letters: "slezak" finds
    "Ślęzak"), e-mail, phone (spaces and dashes ignored), the
    correspondence address or a service point's address ("Lipowa 12"). Ended customers only when
    asked, after the current ones (`ended_on` says which). A customer number, point code or
    serial is looked up by its index (milliseconds); other text scans the customers and service
    points (tests/perf/bench_customer_search.py; figures in the README)."""
    q = " ".join(q.split())
    if not q:
        query = Customer.select().order_by(Customer.number).limit(limit)
        return await (query if include_ended else query.where(Customer.ended_on.is_null()))
    words = [w for w in q.split(" ") if w][:5]
    digits = "".join(ch for ch in q if ch.isdigit())
    args: list[Any] = [q, q, q]
    name_words = " AND ".join(f"{fold_sql('c.name')} LIKE {{}}" for _ in words)
    args += [_like(w) for w in words]
    args += [_like(q)] * 3
    phone = ""
    if len(digits) >= 6 and len(digits) >= len(q.replace(" ", "").replace("-", "").replace("+", "")):
        phone = " OR REPLACE(REPLACE(c.phone, ' ', ''), '-', '') LIKE {}"
        args.append(f"%{digits}%")
    args.append(_like(q))
    exact = await Customer.raw(
        "SELECT c.id FROM customer c WHERE c.number = {} UNION SELECT sp.customer FROM service_point sp WHERE sp.code = {} "
        "UNION SELECT sp.customer FROM meter m JOIN service_point sp ON sp.id = m.service_point WHERE m.serial = {}",
        *args[:3])
    args = args[3:]
    sql = f"""
        SELECT c.id FROM customer c WHERE ({name_words}) OR LOWER(c.email) LIKE {{}}
            OR {fold_sql("c.street || ' ' || c.house_number")} LIKE {{}} OR {fold_sql("c.town")} LIKE {{}}{phone}
        UNION SELECT sp.customer FROM service_point sp
            WHERE {fold_sql("sp.street || ' ' || sp.house_number || CASE WHEN sp.apartment = '' THEN '' "
                             "ELSE '/' || sp.apartment END")} LIKE {{}}
    """  # noqa: S608 - only placeholders and the fixed fold expression are interpolated
    # a key (number, point code, serial) answers from its index; only other text scans the registry
    ids = [r["id"] for r in exact] or [r["id"] for r in await Customer.raw(sql, *args)]
    if not ids:
        return []
    rows = await Customer.select().where(Customer.id.is_in(ids[:5000]))
    if not include_ended:
        # a customer whose contract ended (a full registry import no longer lists them) is not the office's to serve
        rows = [r for r in rows if r["ended_on"] is None]
    rows.sort(key=lambda r: (r["ended_on"] is not None, r["number"]))
    return rows[:limit]


_POSTCODE = re.compile(r"\d{2}-\d{3}", re.ASCII)
_PHONE = re.compile(r"\+?[\d ()-]{6,20}", re.ASCII)
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_POLISH = re.compile(r"(?:\+48|0048|48)?\d{9}", re.ASCII)
CONTACT_FIELDS = {"email": 254, "phone": 32, "street": 120, "house_number": 20, "postcode": 6, "town": 80}


def check_contact(values: dict[str, str]) -> dict[str, str]:
    """The contact data and correspondence address as the office corrects them, trimmed, or an
    error naming the field (the same rules as the resident's own correction)."""
    out = {k: " ".join(values[k].split()) for k in CONTACT_FIELDS if k in values}
    for field, length in CONTACT_FIELDS.items():
        if field in out and len(out[field]) > length:
            raise ApiError("too_long", f"{field} is longer than {length} characters", 400, field=field)
    for field in ("street", "house_number", "town", "postcode"):
        if field in out and not out[field]:
            raise ApiError("field_required", f"{field} is required", 400, field=field)
    if "postcode" in out and not _POSTCODE.fullmatch(out["postcode"]):
        raise ApiError("postcode_invalid", "The postcode is NN-NNN", 400, field="postcode")
    if out.get("phone") and not (_PHONE.fullmatch(out["phone"])
                                 and _POLISH.fullmatch(re.sub(r"[ ()-]", "", out["phone"]))):
        # SMS go to Polish numbers only, as in the resident's own correction (accounts.profile)
        raise ApiError("phone_invalid", "Give a Polish number: +48 and nine digits", 400, field="phone")
    if out.get("email") and not _EMAIL.fullmatch(out["email"]):
        raise ApiError("email_invalid", "Not an e-mail address", 400, field="email")
    return out


async def registry(customer_ids: Sequence[str]) -> tuple[list[CustomerOut], list[str]]:
    """The customers with their service points and active meters (without readings), and
    the ids of those meters so the caller can attach the last readings. One query: every
    screen the app opens with asks for it."""
    out, periods = await registry_with_periods(customer_ids)
    return out, list(periods)


async def registry_with_periods(customer_ids: Sequence[str]) -> tuple[list[CustomerOut], dict[str, int]]:
    """registry(), the meters' ids mapped to their customer's billing period (months): what the
    dashboard's reading windows need, without reading the meters a second time."""
    return await run(registry_read(customer_ids))


_REGISTRY = """SELECT CAST(c.id AS TEXT), c.number, c.name, CAST(p.id AS TEXT),
  p.street, p.house_number, p.apartment, p.postcode,
  p.town, CAST(m.id AS TEXT), m.serial, m.kind, m.digits, m.installed_on, m.verification_due,
  c.billing_period_months
FROM customer c LEFT JOIN service_point p ON p.customer = c.id
LEFT JOIN meter m ON m.service_point = p.id AND m.active = TRUE
WHERE c.id IN ({each})
ORDER BY c.number, c.id, p.street, p.house_number, p.id, m.kind, m.serial"""


def registry_read(customer_ids: Sequence[str]) -> Read[tuple[list[CustomerOut], dict[str, int]]]:
    """registry_with_periods() as a read to send with a screen's others (db.read_together())."""
    if not customer_ids:
        return read("", then=lambda found: ([], {}))
    return read(_REGISTRY, each=list(customer_ids), then=_registry_of)


def _registry_of(found: Sequence[Sequence[Any]]) -> tuple[list[CustomerOut], dict[str, int]]:
    out: list[CustomerOut] = []
    periods: dict[str, int] = {}
    customer: CustomerOut | None = None
    point: ServicePointOut | None = None
    for (cid, number, name, pid, street, house, apartment, postcode, town,
         mid, serial, kind, digits, installed_on, verification_due, period) in found:
        if customer is None or customer.id != str(cid):
            customer = CustomerOut(id=str(cid), number=number, name=name, service_points=[])
            out.append(customer)
            point = None
        if pid is None:
            continue
        if point is None or point.id != str(pid):
            point = ServicePointOut(id=str(pid), street=street, house_number=house, apartment=apartment,
                                    postcode=postcode, town=town, meters=[])
            customer.service_points.append(point)
        if mid is not None:
            point.meters.append(MeterOut(id=str(mid), serial=serial, kind=kind, digits=digits,
                                         installed_on=installed_on.isoformat(),
                                         verification_due=verification_due.isoformat(), last_reading=None))
            periods[str(mid)] = period
    return out, periods


def address(point: dict[str, Any], prefix: str = "") -> str:
    """'ul. Lipowa 12/3, 19-400 Olecko' from a service point row (keys optionally prefixed)."""
    street = street_address(point[f"{prefix}street"], point[f"{prefix}house_number"], point[f"{prefix}apartment"])
    return f"{street}, {point[f'{prefix}postcode']} {point[f'{prefix}town']}"


_METER_COLUMNS = (
    Meter.id, Meter.serial, Meter.kind, Meter.digits, Meter.active, Meter.removed_on,
    Meter.service_point.id, Meter.service_point.code, Meter.service_point.street, Meter.service_point.house_number,
    Meter.service_point.apartment, Meter.service_point.postcode, Meter.service_point.town,
    Meter.service_point._.customer.id, Meter.service_point._.customer.number,
    Meter.service_point._.customer.name, Meter.service_point._.customer.billing_period_months,
)


def _meter_info(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": str(row["id"]), "serial": row["serial"], "kind": row["kind"], "digits": row["digits"],
        "active": row["active"] and row["removed_on"] is None,
        "service_point_id": str(row["service_point.id"]),
        "service_point_code": row["service_point.code"],  # the billing system's key, once imported
        "address": address(row, "service_point."),
        "street": row["service_point.street"], "house_number": row["service_point.house_number"],
        "town": row["service_point.town"],
        "customer_id": str(row["service_point.customer.id"]),
        "customer_number": row["service_point.customer.number"],
        "customer_name": row["service_point.customer.name"],
        "billing_period_months": row["service_point.customer.billing_period_months"],
    }


async def meter(meter_id: str) -> dict[str, Any] | None:
    """One meter with its address and customer, active or not; None for an unknown id."""
    try:
        row = await Meter.select(*_METER_COLUMNS).where(Meter.id == meter_id).first()
    except ValueError:  # not a UUID
        return None
    return _meter_info(row) if row else None


async def meters_of(customer_ids: Sequence[str]) -> list[dict[str, Any]]:
    """The customers' active meters, main before sub, by address."""
    if not customer_ids:
        return []
    found = await rows("""SELECT CAST(m.id AS TEXT), m.serial, m.kind, m.digits, m.active, m.removed_on,
  CAST(p.id AS TEXT), p.code, p.street,
  p.house_number, p.apartment, p.postcode, p.town, CAST(c.id AS TEXT), c.number, c.name, c.billing_period_months
FROM meter m JOIN service_point p ON p.id = m.service_point JOIN customer c ON c.id = p.customer
WHERE p.customer IN ({each}) AND m.active = TRUE
ORDER BY p.street, p.house_number, m.kind""", each=list(customer_ids))
    return [_meter_info(dict(zip(_METER_KEYS, r, strict=True))) for r in found]


# the keys Piccolo gives _METER_COLUMNS, for the rows of the same columns read by db.rows()
_METER_KEYS = ("id", "serial", "kind", "digits", "active", "removed_on", "service_point.id", "service_point.code",
               "service_point.street", "service_point.house_number", "service_point.apartment",
               "service_point.postcode", "service_point.town", "service_point.customer.id",
               "service_point.customer.number", "service_point.customer.name",
               "service_point.customer.billing_period_months")


async def meters_by_ids(meter_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    if not meter_ids:
        return {}
    rows = await Meter.select(*_METER_COLUMNS).where(Meter.id.is_in(list(meter_ids)))
    return {str(r["id"]): _meter_info(r) for r in rows}


async def update_correspondence(customer_id: str, values: dict[str, str], actor: audit.Actor = None) -> dict[str, Any]:
    """The correspondence address, phone and contact e-mail as the customer (Moje konto) or the
    office corrects them; the change is audited with the values before and after. Returns the
    fields that changed."""
    columns: dict[str, Column] = {
        "street": Customer.street, "house_number": Customer.house_number, "postcode": Customer.postcode,
        "town": Customer.town, "phone": Customer.phone, "email": Customer.email}
    wanted = {k: v for k, v in values.items() if k in columns}
    if not wanted:
        return {}
    async with transaction():
        before_row = await Customer.select(Customer.number, *columns.values()).where(Customer.id == customer_id).first()
        if before_row is None:
            return {}
        before, after = audit.changed({k: before_row[k] for k in wanted}, wanted)
        if after:
            # newer than the billing system's file: the registry import keeps it and reports the conflict
            # until the file has the same values (README, "Registry import")
            await Customer.update({**{columns[k]: v for k, v in after.items()}, Customer.contact_changed_at: now()}
                                  ).where(Customer.id == customer_id)
            await audit.record(actor, "customer.update", "customer", customer_id, before, after,
                               customer_id=customer_id)
            # the billing system keeps the correspondence data too
            await webhooks.emit("customer.contact_changed", {
                "customer_id": customer_id, "customer_number": before_row["number"], "changed": after,
                "contact": {k: after.get(k, before_row[k]) for k in columns}})
    return after


async def active_meters_excluding(subquery: Any, limit: int) -> list[str]:
    """Active meters whose id is not in the given sub-select of meter ids."""
    rows = await Meter.select(Meter.id).where(
        Meter.active.eq(True) & Meter.removed_on.is_null() & Meter.id.not_in(subquery)
    ).order_by(Meter.serial).limit(limit)
    return [str(r["id"]) for r in rows]


async def phones_of(customer_ids: Sequence[str]) -> dict[str, str]:
    """customer id -> the phone the customer gave (empty ones left out)."""
    ids = list(customer_ids)
    out: dict[str, str] = {}
    for i in range(0, len(ids), 1000):
        rows = await Customer.select(Customer.id, Customer.phone).where(Customer.id.is_in(ids[i:i + 1000]))
        out.update({str(r["id"]): r["phone"] for r in rows if r["phone"]})
    return out
# --- the registry import from a machine client (issue 14): rows as JSON, the file import's rules ---


def rows_table(rows: Sequence[dict[str, Any]]) -> Any:
    """JSON rows (the file import's column names as keys) as the table the file reader makes: row
    n is "line" n of the errors. A key that is not an import column is an error of that row."""
    from backend.customers.registry_file import COLUMNS, CellError, Table

    known = set(COLUMNS)
    table = Table(rows=[], columns=list(COLUMNS), kind="json")
    for n, row in enumerate(rows, start=1):
        cells: dict[str, str] = {}
        for key, value in row.items():
            if key not in known:
                table.errors.append(CellError(n, key, "column_unknown", (("column", key[:60]),)))
                continue
            if isinstance(value, bool) or not isinstance(value, str | int | float | type(None)):
                table.errors.append(CellError(n, key, "cell_type"))
                continue
            if isinstance(value, str) and not is_line(value):
                table.errors.append(CellError(n, key[:60], "control_characters"))
                continue
            cells[key] = "" if value is None else str(value).strip()
        table.rows.append((n, cells))
    return table


async def registry_upsert(rows: Sequence[dict[str, Any]], dry_run: bool, today: Any, actor: str = "api",
                          readings: Any = None) -> Any:
    """validate -> plan -> apply of the registry import (backend/customers/registry.py), for rows
    that came as JSON: the plan and its errors; written only when there are none and not `dry_run`
    (in one transaction with the comparison, so nothing is half-applied). `readings`: registry.Readings,
    for rows that take a meter off with its final reading."""
    from backend.customers import registry

    records = registry.validate(rows_table(rows))
    return await registry.run(records, full=False, today=today, write=not dry_run, actor=actor, readings=readings)



async def registry_update(kind: str, key: str, given: dict[str, Any], today: Any, actor: str = "api",
                          readings: Any = None) -> Any:
    """A partial update of one customer (kind "customer", by number) or meter ("meter", by serial)
    by the registry import's rules and writer (registry.update_entry): the plan, written when it
    has no errors; None for a key e-BOK does not know."""
    from backend.customers import registry

    cells = {k: str(v).strip() for k, v in given.items() if v is not None}
    return await registry.update_entry(kind, key.strip(), cells, today, actor=actor, readings=readings)


async def main_meters_by_period(periods: Sequence[int]) -> list[dict[str, Any]]:
    """Every active main meter of a current customer whose billing period is one of `periods`
    (months): {meter, serial, service_point, customer, street, period}. The reading reminders'
    scan: one query for all 100,000 service points, committed data through db.rows()."""
    if not periods:
        return []
    found = await rows(
        "SELECT m.id, m.serial, sp.id, sp.street, sp.house_number, sp.apartment, c.id, c.billing_period_months "
        "FROM meter m JOIN service_point sp ON sp.id = m.service_point JOIN customer c ON c.id = sp.customer "
        "WHERE m.kind = 'main' AND m.active = $1 AND m.removed_on IS NULL AND sp.ended_on IS NULL "
        "AND c.ended_on IS NULL AND c.billing_period_months IN ({each})", True, each=[int(p) for p in periods])
    return [{"meter": str(mid), "serial": serial, "service_point": str(spid), "customer": str(cid),
             "street": street_address(street, number, apartment), "period": int(period)}
            for mid, serial, spid, street, number, apartment, cid, period in found]


async def meter_row(meter_id: str) -> dict[str, Any] | None:
    """The meter's registry row (installed_on, digits, initial_litres, removed_on, active)."""
    try:
        return await Meter.select().where(Meter.id == meter_id).first()
    except ValueError:  # not a UUID
        return None


async def serial_taken(serial: str) -> bool:
    return await Meter.exists().where(Meter.serial == serial)


async def exchange_meter(actor: audit.Actor, meter_id: str, day: date, serial: str, kind: str, digits: int,
                         verification_due: date, initial_litres: int, final_litres: int | None) -> str:
    """Meter exchange (issue 13.4), inside the caller's transaction: the old meter leaves the
    service point on `day`, the new one is installed there that day with its initial register
    value. The caller checked the values; a serial taken meanwhile still fails on the unique index."""
    old = await Meter.select().where(Meter.id == meter_id).first()
    if old is None:
        raise ApiError("not_found", "meter not found", 404)
    customer = await ServicePoint.select(ServicePoint.customer).where(ServicePoint.id == old["service_point"]).first()
    new_id = uuid.uuid4()
    await Meter.update({Meter.removed_on: day, Meter.active: False}).where(Meter.id == meter_id)
    await Meter.insert(Meter(id=new_id, service_point=old["service_point"], serial=serial, kind=kind, digits=digits,
                             installed_on=day, verification_due=verification_due, initial_litres=initial_litres))
    await audit.record(
        actor, "meter.exchange", "meter", meter_id,
        {"serial": old["serial"], "removed_on": None, "active": True},
        {"serial": old["serial"], "removed_on": day, "active": False, "final_litres": final_litres,
         "replaced_by": {"id": new_id, "serial": serial, "kind": kind, "digits": digits, "installed_on": day,
                         "verification_due": verification_due, "initial_litres": initial_litres}},
        customer_id=customer["customer"] if customer else None)
    return str(new_id)


async def points_and_meters(customer_id: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The customer's service points (ended ones too) and every meter they ever had."""
    points = await ServicePoint.select().where(ServicePoint.customer == customer_id).order_by(
        ServicePoint.street).order_by(ServicePoint.house_number)
    meters = await Meter.select().where(Meter.service_point.is_in([p["id"] for p in points])) if points else []
    return points, meters
