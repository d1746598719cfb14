"""The registry import: the billing system's customers, service points and meters into e-BOK.

Three steps. `validate` checks every row of the file on its own and against the other rows (no
database). `build_plan` compares the result with the database: what to add, to change (naming
the fields) and, for a full import, to end; plus the errors only the database can tell (a serial
on another customer's point). `apply` writes a plan without errors in bulk, in one transaction
together with the comparison, so the plan written is the plan of that moment.

Keys are the utility's own: customer number, point code, meter serial. Nothing is ever deleted:
a full import ends what it no longer lists (customer and point `ended_on`, meter `removed_on`),
since readings, documents and accounts refer to them. Only registry columns are written: what
residents did in e-BOK (accounts, consents, readings, photos, subscriptions, messages) lives in
other tables, and a contact e-mail or phone the file leaves empty keeps the one e-BOK has."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from backend.audit import services as audit
from backend.core import bulk
from backend.core.clock import now, today_in_warsaw
from backend.core.db import engine, transaction
from backend.customers.registry_file import BadValue, CellError, Table, cell_error
from backend.customers.tables import Customer, Meter, ServicePoint
from backend.webhooks import services as webhooks

Progress = Callable[[int], None]

CUSTOMER_FIELDS = ("name", "email", "phone", "street", "house_number", "postcode", "town", "billing_period_months")
POINT_FIELDS = ("customer", "street", "house_number", "apartment", "postcode", "town")
METER_FIELDS = ("point", "kind", "digits", "installed_on", "verification_due", "initial_litres")
# a meter's values also hold `removed_on` (None: on the point), compared with the meter's state apart
KEEP_WHEN_EMPTY = ("email", "phone")  # a resident may have given them in e-BOK
# what residents (Moje konto) and the office correct in e-BOK: while the file still has other values the
# import keeps e-BOK's and reports a conflict (customer.contact_changed_at; README, "Registry import")
CONTACT_FIELDS = ("email", "phone", "street", "house_number", "postcode", "town")

_LENGTHS = {"customer_number": 20, "name": 200, "email": 254, "phone": 32, "street": 120, "house_number": 20,
            "town": 80, "point_code": 40, "point_street": 120, "point_house_number": 20, "point_apartment": 20,
            "point_town": 80, "meter_serial": 40}
_MAX_LITRES = 2**31 - 1  # meter.initial_litres is a 32-bit integer
_POSTCODE = re.compile(r"\d{2}-\d{3}", re.ASCII)
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_KINDS = {"main": "main", "sub": "sub", "glowny": "main", "główny": "main", "podlicznik": "sub", "ogrodowy": "sub"}


class Readings(Protocol):
    """What the import needs of the readings domain (above this one; its callers pass
    backend.readings.services.registry_readings) for a meter taken off with its final reading."""

    async def last(self, meter_ids: list[str]) -> dict[str, tuple[int, date]]:
        """Each meter's last accepted reading: litres and the day (in Warsaw) it was taken."""
        ...

    async def record_final(self, meter_id: str, litres: int, day: date, actor: audit.Actor) -> str:
        """The final reading of a meter removed on `day`, as the office's meter exchange records it."""
        ...


@dataclass(frozen=True, slots=True)
class Final:
    """A meter the plan takes off its point, with the final reading the file gives for it."""

    serial: str
    removed_on: date
    litres: int


@dataclass
class Records:
    """The file's rows as registry entries, each with the line it first appears on."""

    customers: dict[str, dict[str, Any]] = field(default_factory=dict)
    points: dict[str, dict[str, Any]] = field(default_factory=dict)
    meters: dict[str, dict[str, Any]] = field(default_factory=dict)
    finals: dict[str, int] = field(default_factory=dict)  # meter serial -> final reading (litres) the file gives
    lines: dict[tuple[str, str], int] = field(default_factory=dict)  # (kind, key) -> line
    errors: list[CellError] = field(default_factory=list)
    rows: int = 0
    # the contact fields the rows carry: None, all of them (a file); a partial update may give a few, and
    # agreeing on those does not tell that the billing system has caught up with e-BOK on the others
    contact_given: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class Change:
    kind: str  # customer | point | meter
    key: str
    fields: dict[str, tuple[Any, Any]]  # field -> (before, after)


@dataclass(frozen=True, slots=True)
class Conflict:
    """A contact field changed in e-BOK after the billing system's file: e-BOK's value is kept."""

    key: str  # customer number
    field: str
    ebok: Any  # kept
    file: Any  # not written
    changed_at: Any


@dataclass
class Plan:
    add: dict[str, list[str]] = field(default_factory=lambda: {"customer": [], "point": [], "meter": []})
    change: dict[str, list[Change]] = field(default_factory=lambda: {"customer": [], "point": [], "meter": []})
    end: dict[str, list[str]] = field(default_factory=lambda: {"customer": [], "point": [], "meter": []})
    errors: list[CellError] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    finals: list[Final] = field(default_factory=list)  # final readings apply records (meters it takes off)
    # what apply writes: key -> (id, values)
    _writes: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def size(self) -> int:
        return sum(len(v) for part in (self.add, self.change, self.end) for v in part.values())

    @property
    def empty(self) -> bool:
        return self.size == 0


# --- step 1: the file on its own --------------------------------------------------------------


_ISO_DAY = re.compile(r"(\d{4})-(\d{2})-(\d{2})", re.ASCII)
_PL_DAY = re.compile(r"(\d{2})\.(\d{2})\.(\d{4})", re.ASCII)


def parse_date(text: str) -> date:
    """YYYY-MM-DD or DD.MM.YYYY (a regex and date(): strptime costs ~20 µs a cell)."""
    found = _ISO_DAY.fullmatch(text)
    parts = (found.group(1), found.group(2), found.group(3)) if found else None
    if not found and (found := _PL_DAY.fullmatch(text)):
        parts = (found.group(3), found.group(2), found.group(1))
    if parts:
        try:
            return date(int(parts[0]), int(parts[1]), int(parts[2]))
        except ValueError:
            pass
    raise BadValue("date", value=text)


def parse_litres(text: str) -> int:
    """'123,456' or '123.456' m³ (spaces as thousands separators) -> 123456 litres."""
    cleaned = text.replace("\u00a0", "").replace(" ", "").replace(",", ".")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise BadValue("number", value=text) from None
    if not value.is_finite() or value < 0:
        raise BadValue("number", value=text)
    litres = value * 1000
    if litres != litres.to_integral_value():
        raise BadValue("decimals", value=text)
    return int(litres)


def _small_int(text: str, allowed: range, code: str) -> int:
    if not text.isdigit() or int(text) not in allowed:
        raise BadValue(code, value=text)
    return int(text)


def _row(line: int, cells: dict[str, str], errors: list[CellError], today: date) -> dict[str, Any] | None:
    """One row's values, or None (its errors appended) when a cell is wrong."""
    bad = len(errors)

    def err(column: str, code: str, **params: Any) -> None:
        errors.append(cell_error(line, column, code, **params))

    get = {k: cells.get(k, "") for k in _LENGTHS} | {k: cells.get(k, "") for k in (
        "postcode", "point_postcode", "billing_period_months", "meter_kind", "meter_digits", "installed_on",
        "verification_due", "initial_reading", "removed_on", "final_reading")}
    for column in ("customer_number", "name", "street", "house_number", "postcode", "town", "point_code",
                   "meter_serial", "installed_on", "verification_due"):
        if not get[column]:
            err(column, "required")
    for column, length in _LENGTHS.items():
        if len(get[column]) > length:
            err(column, "too_long", length=length)
    # a point's address defaults to the correspondence address (a house the customer lives in)
    point_address = {f: get[f"point_{f}"] for f in ("street", "house_number", "postcode", "town")}
    given = any(point_address.values())
    if not given:
        point_address = {f: get[f] for f in point_address}
    for f, v in point_address.items():
        if given and not v:
            err(f"point_{f}", "point_address_partial")
    for column, value in (("postcode", get["postcode"]), ("point_postcode", point_address["postcode"] if given else "")):
        if value and not _POSTCODE.fullmatch(value):
            err(column, "postcode", value=value)
    if get["email"] and not _EMAIL.fullmatch(get["email"]):
        err("email", "email", value=get["email"])
    values: dict[str, Any] = {}
    for column, parse in (
        ("billing_period_months", lambda t: _small_int(t or "1", range(1, 4), "billing_period")),
        ("meter_digits", lambda t: _small_int(t or "5", range(3, 10), "digits")),
        ("installed_on", parse_date), ("verification_due", parse_date),
        ("initial_reading", lambda t: parse_litres(t or "0")),
        ("removed_on", parse_date), ("final_reading", parse_litres),
    ):
        if column in ("installed_on", "verification_due", "removed_on", "final_reading") and not get[column]:
            continue
        try:
            values[column] = parse(get[column])
        except BadValue as exc:
            err(column, exc.code, **exc.params)
    kind = _KINDS.get(get["meter_kind"].lower() or "main")
    if kind is None:
        err("meter_kind", "kind", value=get["meter_kind"])
    if "meter_digits" in values and "initial_reading" in values and values["initial_reading"] >= 1000 * 10 ** values[
            "meter_digits"]:
        err("initial_reading", "reading_digits", value=get["initial_reading"], digits=values["meter_digits"])
    elif values.get("initial_reading", 0) > _MAX_LITRES:
        err("initial_reading", "reading_too_big", value=get["initial_reading"])
    _removal(get, values, err, today)
    if len(errors) > bad:
        return None
    return {
        "customer": get["customer_number"],
        "customer_values": {
            "name": get["name"], "email": get["email"], "phone": get["phone"], "street": get["street"],
            "house_number": get["house_number"], "postcode": get["postcode"], "town": get["town"],
            "billing_period_months": values["billing_period_months"],
        },
        "point": get["point_code"],
        "point_values": {"customer": get["customer_number"], **point_address, "apartment": get["point_apartment"]},
        "meter": get["meter_serial"],
        "meter_values": {
            "point": get["point_code"], "kind": kind, "digits": values["meter_digits"],
            "installed_on": values["installed_on"], "verification_due": values["verification_due"],
            "initial_litres": values["initial_reading"], "removed_on": values.get("removed_on"),
        },
        "final": values.get("final_reading"),
    }


def _removal(get: dict[str, str], values: dict[str, Any], err: Callable[..., None], today: date) -> None:
    """A meter the file says was taken off (removed_on) with its final reading (final_reading):
    not in the future, not before it was installed; the final value fits the register and is not
    below the initial one (below the last reading in e-BOK: build_plan)."""
    removed, final = values.get("removed_on"), values.get("final_reading")
    if removed is not None:
        if removed > today:
            err("removed_on", "date_future", value=get["removed_on"], today=today.isoformat())
        if values.get("installed_on") is not None and removed < values["installed_on"]:
            err("removed_on", "removed_before_installed", removed=get["removed_on"], installed=get["installed_on"])
    if final is None:
        return
    if not get["removed_on"]:
        err("final_reading", "final_without_removal")
    if "meter_digits" in values and final >= 1000 * 10 ** values["meter_digits"]:
        err("final_reading", "reading_digits", value=get["final_reading"], digits=values["meter_digits"])
    elif final > _MAX_LITRES:
        err("final_reading", "reading_too_big", value=get["final_reading"])
    elif "initial_reading" in values and final < values["initial_reading"]:
        err("final_reading", "final_below_initial", value=get["final_reading"],
            initial=get["initial_reading"] or "0")


_LABEL = {"customer": "customer", "point": "point", "meter": "meter serial"}
_LABEL_PL = {"customer": "klient", "point": "punkt", "meter": "wodomierz"}
_FILE_COLUMN = {  # an entry's field -> the file's column an error names
    "customer": {f: f for f in CUSTOMER_FIELDS},
    "point": {"customer": "customer_number"} | {f: f"point_{f}" for f in POINT_FIELDS if f != "customer"},
    "meter": {"point": "point_code", "kind": "meter_kind", "digits": "meter_digits", "installed_on": "installed_on",
              "verification_due": "verification_due", "initial_litres": "initial_reading", "removed_on": "removed_on"},
}


def validate(table: Table, progress: Progress | None = None) -> Records:
    """Every row checked; rows of one customer or point must agree on its values, a serial is on one row."""
    records = Records(errors=list(table.errors), rows=len(table.rows))
    refused = {e.line for e in table.errors}  # a row with a formula: its reason is enough
    today = today_in_warsaw()
    for i, (line, cells) in enumerate(table.rows, start=1):
        row = None if line in refused else _row(line, cells, records.errors, today)
        if progress and i % 1000 == 0:
            progress(1000)
        if row is None:
            continue
        for kind, store in (("customer", records.customers), ("point", records.points), ("meter", records.meters)):
            key, values = row[kind], row[f"{kind}_values"]
            first = store.get(key)
            if first is None:
                store[key] = values
                records.lines[(kind, key)] = line
                if kind == "meter" and row["final"] is not None:
                    records.finals[key] = row["final"]
                continue
            if kind == "meter":
                records.errors.append(cell_error(line, "meter_serial", "meter_twice", serial=key,
                                                 first=records.lines[(kind, key)]))
                continue
            for f, v in values.items():
                if first[f] != v:
                    records.errors.append(cell_error(
                        line, _FILE_COLUMN[kind][f], "disagrees", label=_LABEL[kind], label_pl=_LABEL_PL[kind],
                        key=key, field=f, first=first[f], first_line=records.lines[(kind, key)], value=v))
    if progress:
        progress(len(table.rows) % 1000)
    return records


# --- step 2: against the database -------------------------------------------------------------


async def _select(sql: str, *args: Any) -> list[dict[str, Any]]:
    from piccolo.querystring import QueryString

    rows = await engine().run_querystring(QueryString(sql, *args))
    for i, r in enumerate(rows):  # asyncpg's records (inside a transaction) become dicts in place
        if not isinstance(r, dict):
            rows[i] = dict(r)
    return rows


def _as_date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


_CHUNK_ROWS = 20000


async def _chunks(columns: str, table: str) -> Any:
    """The table's rows in chunks by id (keyset): one chunk of dicts alive at a time, not the whole table."""
    last = None
    while True:
        after = f"WHERE id > '{uuid.UUID(str(last))}' " if last is not None else ""
        # our own columns and table; the id went through uuid.UUID
        rows = await _select(f"SELECT {columns} FROM {table} {after}ORDER BY id LIMIT {_CHUNK_ROWS}")  # noqa: S608
        if not rows:
            return
        last = rows[-1]["id"]
        yield rows
        if len(rows) < _CHUNK_ROWS:
            return


# a plan that adds and changes (not --full) of at most this many keys reads only the entries they
# name and their neighbours (_keyed), not the whole registry: a PATCH or a small upsert costs
# milliseconds, not the seconds of a 100,000-customer scan inside the write transaction
KEYED_MAX = 2000


def _in(column: str, values: list[str], args: list[Any]) -> str:
    """`column IN ({}, …)` with the values appended to `args` (FALSE for none)."""
    if not values:
        return "1 = 0"
    args.extend(values)
    return f"{column} IN ({', '.join('{}' for _ in values)})"


def _keyed(records: Records) -> dict[str, tuple[str, list[Any]]]:
    """The WHERE of each table for a plan that does not end anything: the entries the records name,
    the points their meters are on (adoption of a point without a code), the meters on those points
    (an exchange ends the one the records no longer list) and the customers of those points."""
    numbers = sorted(set(records.customers) | {p["customer"] for p in records.points.values()})
    codes = sorted(k for k in records.points if not k.startswith("\0"))
    serials = sorted(records.meters)

    def points(args: list[Any]) -> str:
        code_in = _in("code", codes, args)  # placeholders only: the values go in args
        return f"({code_in} OR id IN (SELECT service_point FROM meter WHERE {_in('serial', serials, args)}))"  # noqa: S608

    where: dict[str, tuple[str, list[Any]]] = {}
    args: list[Any] = []
    where["service_point"] = (points(args), args)
    args = []
    customer_sql = f"{_in('number', numbers, args)} OR id IN (SELECT customer FROM service_point WHERE "  # noqa: S608
    where["customer"] = (customer_sql + points(args) + ")", args)
    args = []
    meter_sql = f"{_in('serial', serials, args)} OR service_point IN (SELECT id FROM service_point WHERE "  # noqa: S608
    where["meter"] = (meter_sql + points(args) + ")", args)
    return where


async def _entries(columns: str, table: str, where: dict[str, tuple[str, list[Any]]] | None) -> Any:
    """The table's rows in chunks: all of them, or those `where` names (one chunk)."""
    if where is None:
        async for rows in _chunks(columns, table):
            yield rows
        return
    sql, args = where[table]
    yield await _select(f"SELECT {columns} FROM {table} WHERE {sql}", *args)  # noqa: S608 - our columns, placeholders


class _Same:
    """An entry the file lists with the values e-BOK has: only what the plan still looks up."""

    __slots__ = ("id", "customer", "code", "point")
    same = True

    def __init__(self, id: Any, customer: str = "", code: str | None = None, point: str = "") -> None:
        self.id, self.customer, self.code, self.point = id, customer, code, point

    def __getitem__(self, name: str) -> Any:
        return getattr(self, name)

    def get(self, name: str, default: Any = None) -> Any:
        return getattr(self, name, default)


def _same(row: dict[str, Any], incoming: dict[str, Any] | None, fields: tuple[str, ...],
          keep_when_empty: tuple[str, ...] = ()) -> bool:
    return incoming is not None and all(
        row[f] == incoming[f] or (f in keep_when_empty and incoming[f] == "") for f in fields)


async def _state(records: Records | None = None, keyed: bool = False
                 ) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """The registry as it is: customers by number, points by code (or id when they have none), meters by serial.
    An entry the file has with the same values (and not ended, nor changed in e-BOK) is kept as a small
    _Same (points with their customer, meters with their point): a re-import compares 300,000
    rows and keeps only the few that differ, instead of every row's texts."""
    incoming = records or Records()
    where = _keyed(incoming) if keyed else None  # else the whole registry
    customers: dict[str, Any] = {}
    async for rows in _entries("id, number, name, email, phone, street, house_number, postcode, town, "
                               "billing_period_months, ended_on, contact_changed_at", "customer", where):
        for r in rows:
            number = r["number"]
            r["ended_on"] = _as_date(r["ended_on"])
            if (r["ended_on"] is None and r["contact_changed_at"] is None
                    and _same(r, incoming.customers.get(r["number"]), CUSTOMER_FIELDS, KEEP_WHEN_EMPTY)):
                r = _Same(r["id"])
            customers[number] = r
    number_of = {str(r["id"]): n for n, r in customers.items()}
    points: dict[str, Any] = {}
    async for rows in _entries("id, customer, code, street, house_number, apartment, postcode, town, ended_on",
                               "service_point", where):
        for r in rows:
            r["customer"] = number_of[str(r["customer"])]
            r["ended_on"] = _as_date(r["ended_on"])
            key = r["code"] if r["code"] is not None else f"\0{r['id']}"
            if r["ended_on"] is None and _same(r, incoming.points.get(key), POINT_FIELDS):
                r = _Same(r["id"], customer=r["customer"], code=r["code"])
            points[key] = r
    code_of = {str(p["id"]): k for k, p in points.items()}
    meters: dict[str, Any] = {}
    async for rows in _entries("id, service_point, serial, kind, digits, installed_on, verification_due, "
                               "initial_litres, removed_on, active", "meter", where):
        for r in rows:
            r["point"] = code_of[str(r["service_point"])]
            r["installed_on"], r["verification_due"] = _as_date(r["installed_on"]), _as_date(r["verification_due"])
            r["removed_on"] = _as_date(r["removed_on"])
            serial = r["serial"]
            listed = incoming.meters.get(serial)
            # on the point (or taken off on the day) as the file has it
            if listed is not None and _same(r, listed, METER_FIELDS) and r["removed_on"] == listed["removed_on"] and (
                    bool(r["active"]) == (r["removed_on"] is None)):
                r = _Same(r["id"], point=r["point"])
            meters[serial] = r
    return customers, points, meters


def _diff(before: dict[str, Any], after: dict[str, Any], keep_when_empty: tuple[str, ...] = ()) -> dict[str, Any]:
    return {f: (before[f], v) for f, v in after.items()
            if before[f] != v and not (f in keep_when_empty and v == "")}


async def build_plan(records: Records, full: bool = False, today: date | None = None,
                     readings: Readings | None = None) -> Plan:
    """`readings` is needed when the file gives final readings (see Readings)."""
    keyed = not full and len(records.customers) + len(records.points) + len(records.meters) <= KEYED_MAX
    customers, points, meters = await _state(records, keyed)
    plan = Plan(errors=list(records.errors))
    # a point made before codes existed is adopted by the code of the file's point that has its meter
    for serial, m in records.meters.items():
        old = meters.get(serial)
        if old and old["point"].startswith("\0") and m["point"] not in points:
            p = points[old["point"]]
            if p["customer"] == records.points[m["point"]]["customer"]:
                points[m["point"]] = points.pop(old["point"])
                p["adopted"] = True
                for mm in meters.values():
                    if mm["point"] == old["point"]:
                        mm["point"] = m["point"]
    for serial, m in records.meters.items():
        old = meters.get(serial)
        owner = records.points[m["point"]]["customer"]
        if old and points[old["point"]]["customer"] != owner and old["point"] != m["point"]:
            plan.errors.append(cell_error(
                records.lines[("meter", serial)], "meter_serial", "meter_elsewhere", serial=serial,
                point=points[old["point"]]["code"] or "(no code)", owner=points[old["point"]]["customer"],
                customer=owner))
    if records.finals:
        await _check_finals(records, meters, plan, readings)
    if plan.errors:
        return plan

    writes: dict[str, Any] = {"customer": {}, "point": {}, "meter": {}}
    _exchanges(records, meters, plan, writes)
    for kind, incoming, existing, end_field in (
        ("customer", records.customers, customers, "ended_on"),
        ("point", records.points, points, "ended_on"),
        ("meter", records.meters, meters, "removed_on"),
    ):
        for key, values in incoming.items():
            old = existing.get(key)
            if old is None:
                plan.add[kind].append(key)
                writes[kind][key] = (uuid.uuid4(), values, None)
                if kind == "meter" and key in records.finals:  # installed and taken off since the last file
                    plan.finals.append(Final(key, values["removed_on"], records.finals[key]))
                continue
            if old.get("same"):
                continue
            fields = _diff(old, values, KEEP_WHEN_EMPTY if kind == "customer" else ())
            held: dict[str, Any] = {}
            if kind == "customer" and old["contact_changed_at"] is not None:
                held = {f: fields.pop(f) for f in CONTACT_FIELDS if f in fields}
                plan.conflicts.extend(Conflict(key, f, before, after, old["contact_changed_at"])
                                      for f, (before, after) in held.items())
                caught_up = not held and (records.contact_given is None
                                          or set(CONTACT_FIELDS) <= set(records.contact_given))
                if caught_up:  # the billing system has caught up: the file is the source again
                    fields["contact_changed_at"] = (old["contact_changed_at"], None)
            if kind == "meter":  # on the point unless the file gives removed_on (the _diff has that one)
                if bool(old["active"]) != (values["removed_on"] is None):
                    fields["active"] = (bool(old["active"]), values["removed_on"] is None)
                if old["removed_on"] is None and values["removed_on"] is not None and key in records.finals:
                    fields["final_litres"] = (None, records.finals[key])
                    plan.finals.append(Final(key, values["removed_on"], records.finals[key]))
            elif old[end_field] is not None and end_field not in values:
                # listed again: open again (a partial update's values carry ended_on: it opens nothing)
                fields[end_field] = (old[end_field], None)
            if old.get("adopted"):
                fields["code"] = (None, key)
            if fields:
                plan.change[kind].append(Change(kind, key, fields))
                merged = {f: (old[f] if f in held or (f in KEEP_WHEN_EMPTY and v == "") else v)
                          for f, v in values.items()}
                if kind == "customer":
                    merged["contact_changed_at"] = None if "contact_changed_at" in fields else old["contact_changed_at"]
                writes[kind][key] = (old["id"], merged, None)
        if full:
            for key, old in existing.items():
                if key not in incoming and old[end_field] is None and key not in writes[kind]:
                    plan.end[kind].append(key if not key.startswith("\0") else
                                          f"(no code) {old['street']} {old['house_number']}, {old['town']}")
                    writes[kind][key] = (old["id"], None, today)
    writes["ids"] = {
        "customer": {k: v["id"] for k, v in customers.items()},
        "point": {k: v["id"] for k, v in points.items()},
    }
    # whose each point is (a number), for the audit entries of meters
    writes["point_customer"] = {k: v["customer"] for k, v in points.items()} | {
        k: v["customer"] for k, v in records.points.items()}
    writes["meter_point"] = {k: v["point"] for k, v in meters.items()}
    plan._writes = writes
    _successors(records, plan)
    return plan


async def _check_finals(records: Records, meters: dict[str, Any], plan: Plan, readings: Readings | None) -> None:
    """A final reading of a meter e-BOK has on its point: not below its last accepted reading, and
    the meter not taken off before that reading's day (the office's meter exchange checks the same)."""
    ids = {str(m["id"]): serial for serial, m in meters.items()
           if serial in records.finals and not m.get("same") and m["removed_on"] is None}
    if not ids:
        return
    if readings is None:
        raise ValueError("final readings are checked and recorded through readings (registry.Readings)")
    last = await readings.last(list(ids))
    for meter_id, serial in ids.items():
        m, final = records.meters[serial], records.finals[serial]
        line = records.lines[("meter", serial)]
        found = last.get(meter_id)
        floor = found[0] if found else int(meters[serial]["initial_litres"])
        if final < floor:
            plan.errors.append(cell_error(line, "final_reading", "final_below_last", value=_m3(final),
                                          last=_m3(floor), day=found[1].isoformat() if found else "-"))
        if found and found[1] > m["removed_on"]:
            plan.errors.append(cell_error(line, "removed_on", "removed_before_reading",
                                          removed=m["removed_on"].isoformat(), day=found[1].isoformat()))


def _m3(litres: int) -> str:
    return f"{litres / 1000:.3f}".replace(".", ",")


def _successors(records: Records, plan: Plan) -> None:
    """A meter the file takes off (removed_on) while it adds one of the same kind on the same point,
    installed that day or later: the change names it as the exchange does (replaced_by)."""
    added: dict[tuple[str, str], list[str]] = {}
    for serial in plan.add["meter"]:
        m = records.meters[serial]
        if m["removed_on"] is None:
            added.setdefault((m["point"], m["kind"]), []).append(serial)
    if not added:
        return
    for i, change in enumerate(plan.change["meter"]):
        removed = change.fields.get("removed_on", (None, None))
        listed = records.meters.get(change.key)
        if listed is None or removed[0] is not None or removed[1] is None or "replaced_by" in change.fields:
            continue
        after = [s for s in added.get((listed["point"], listed["kind"]), [])
                 if records.meters[s]["installed_on"] >= removed[1]]
        if after:
            plan.change["meter"][i] = Change("meter", change.key, {**change.fields, "replaced_by": (None, after[0])})


def _exchanges(records: Records, meters: dict[str, Any], plan: Plan, writes: dict[str, Any]) -> None:
    """Meter exchange (issue 13.4): a serial new to e-BOK on a point that has an active meter of
    the same kind which the file no longer lists, installed after it: that meter ends on the day
    the new one was installed (whether or not the import is --full)."""
    active_on: dict[tuple[str, str], list[tuple[str, Any]]] = {}
    for serial, m in meters.items():
        # (a meter the file lists unchanged is a _Same without these fields: it is listed, so skipped first)
        if serial not in records.meters and m["active"] and m["removed_on"] is None:
            active_on.setdefault((m["point"], m["kind"]), []).append((serial, m))
    if not active_on:
        return
    for serial, m in records.meters.items():
        if serial in meters or m["removed_on"] is not None:
            continue
        for old_serial, old in active_on.get((m["point"], m["kind"]), []):
            if old["installed_on"] < m["installed_on"] and old_serial not in writes["meter"]:
                plan.change["meter"].append(Change("meter", old_serial, {
                    "removed_on": (None, m["installed_on"]), "active": (True, False), "replaced_by": (None, serial)}))
                writes["meter"][old_serial] = (old["id"], None, m["installed_on"])


async def run(records: Records, full: bool, today: date, write: bool,
              progress: Progress | None = None, actor: audit.Actor = "cli", readings: Readings | None = None) -> Plan:
    """The plan against the registry as it is; written (when `write` and it has no errors) in the
    same transaction as the comparison, so nothing changes in between."""
    if not write:
        return await build_plan(records, full, today, readings)
    async with transaction():
        plan = await build_plan(records, full, today, readings)
        if not plan.errors and not plan.empty:
            await apply(plan, progress, actor, readings)
    return plan


# --- one entry by its key (the integration API's PATCH): the same rules, plan and writing ----------

# the columns a partial update of each kind may give (the file import's names, so errors name them)
PATCH_COLUMNS = {
    "customer": ("name", "email", "phone", "street", "house_number", "postcode", "town", "billing_period_months"),
    "meter": ("meter_kind", "meter_digits", "installed_on", "verification_due", "initial_reading", "removed_on",
              "final_reading"),
}
# _row checks a whole file row; an update of one entry fills the columns of the others with these
# stand-ins, which pass every rule and are not written
_STAND_INS = {"customer_number": "-", "name": "-", "street": "-", "house_number": "-", "postcode": "00-000",
              "town": "-", "point_code": "-", "meter_serial": "-", "installed_on": "2000-01-01",
              "verification_due": "2000-01-01"}


async def _customer_cells(number: str) -> tuple[dict[str, str], date | None] | None:
    """The customer's cells as a file row has them, and the day its contract ended (if it did)."""
    row = await Customer.select(*(getattr(Customer, f) for f in CUSTOMER_FIELDS), Customer.ended_on).where(
        Customer.number == number).first()
    return None if row is None else ({f: str(row[f]) for f in CUSTOMER_FIELDS}, _as_date(row["ended_on"]))


async def _meter_entry(serial: str) -> tuple[dict[str, str], str, dict[str, Any]] | None:
    """The meter's cells as a file row has them, the key of its point (its code, or "\\0id" for a point
    made before codes, as _state keys it) and that point's registry values."""
    row = await Meter.select(
        Meter.kind, Meter.digits, Meter.installed_on, Meter.verification_due, Meter.initial_litres, Meter.removed_on,
        Meter.service_point.id, Meter.service_point.code, Meter.service_point.street,
        Meter.service_point.house_number, Meter.service_point.apartment, Meter.service_point.postcode,
        Meter.service_point.town, Meter.service_point.ended_on, Meter.service_point._.customer.number).where(
        Meter.serial == serial).first()
    if row is None:
        return None
    removed = _as_date(row["removed_on"])
    cells = {"meter_serial": serial, "meter_kind": row["kind"], "meter_digits": str(row["digits"]),
             "installed_on": str(_as_date(row["installed_on"])), "verification_due": str(_as_date(row["verification_due"])),
             "initial_reading": _m3(int(row["initial_litres"])), "removed_on": removed.isoformat() if removed else ""}
    code = row["service_point.code"]
    point = {"customer": row["service_point.customer.number"],
             **{f: row[f"service_point.{f}"] for f in POINT_FIELDS if f != "customer"},
             "ended_on": _as_date(row["service_point.ended_on"])}
    return cells, code if code is not None else f"\0{row['service_point.id']}", point


async def update_entry(kind: str, key: str, given: dict[str, str], today: date, actor: audit.Actor = "api",
                       readings: Readings | None = None) -> Plan | None:
    """A partial update of one customer (by number) or meter (by serial): the entry as e-BOK has it
    with the `given` cells instead of its own, checked by the file import's rules and planned and
    written by build_plan and apply (audit, final reading, contact kept when newer in e-BOK), in one
    transaction. It opens nothing a full import ended (the values carry ended_on). None when e-BOK
    has no entry of that key (nothing is added)."""
    assert kind in PATCH_COLUMNS and set(given) <= set(PATCH_COLUMNS[kind]), given
    async with transaction():
        records = Records(rows=1)
        if kind == "customer":
            found = await _customer_cells(key)
            if found is None:
                return None
            cells, ended_on = found
            row = _row(1, _STAND_INS | cells | given | {"customer_number": key}, records.errors, today)
            if row is not None:  # with ended_on: an update does not open an ended contract again
                records.customers[key] = row["customer_values"] | {"ended_on": ended_on}
        else:
            entry = await _meter_entry(key)
            if entry is None:
                return None
            cells, point, point_values = entry
            row = _row(1, _STAND_INS | cells | given, records.errors, today)
            if row is not None:
                # the meter stays on its point, the point with its customer (records say them as they are)
                records.points[point] = point_values
                records.meters[key] = row["meter_values"] | {"point": point}
                if row["final"] is not None:
                    records.finals[key] = row["final"]
        records.contact_given = tuple(f for f in CONTACT_FIELDS if f in given)
        records.lines = {(k, key_): 1 for k, store in (("customer", records.customers), ("point", records.points),
                                                       ("meter", records.meters)) for key_ in store}
        if records.errors:
            return Plan(errors=records.errors)
        plan = await build_plan(records, full=False, today=today, readings=readings)
        if not plan.errors and not plan.empty:
            await apply(plan, None, actor, readings)
    return plan


# --- step 3: writing --------------------------------------------------------------------------

_CHUNK = 5000


async def apply(plan: Plan, progress: Progress | None = None, actor: audit.Actor = "cli",
                readings: Readings | None = None) -> None:
    """Write the plan: inserts by COPY / executemany, updates by executemany, parents first; then
    the final readings of the meters it takes off (through `readings`, as the office's exchange)."""
    if plan.errors:
        raise ValueError("a plan with errors is not applied")
    if plan.finals and readings is None:
        raise ValueError("a plan with final readings is applied with readings (registry.Readings)")
    w = plan._writes
    if not w:
        return
    ids: dict[str, dict[str, Any]] = {k: dict(v) for k, v in w["ids"].items()}
    for kind in ("customer", "point"):
        ids[kind].update({k: row[0] for k, row in w[kind].items() if row[1] is not None})
    created = now()
    async with transaction() as tx:
        for kind, table in (("customer", Customer), ("point", ServicePoint), ("meter", Meter)):
            inserts, updates, ends = [], [], []
            added = set(plan.add[kind])
            for key, (row_id, values, ended) in w[kind].items():
                if values is None:
                    ends.append((ended, row_id))
                elif key in added:
                    inserts.append(_insert_row(kind, key, row_id, values, ids, created))
                else:
                    updates.append(_update_row(kind, key, row_id, values, ids))
            columns = _INSERT_COLUMNS[kind]
            for i in range(0, len(inserts), _CHUNK):
                await bulk.insert(tx, table, columns, inserts[i:i + _CHUNK])
                if progress:
                    progress(len(inserts[i:i + _CHUNK]))
            await bulk.update(tx, table, _UPDATE_COLUMNS[kind], updates)
            end_columns = ["removed_on", "active"] if kind == "meter" else ["ended_on"]
            await bulk.update(tx, table, end_columns, [(e, False, i) if kind == "meter" else (e, i) for e, i in ends])
            if progress:
                progress(len(updates) + len(ends))
        for final in plan.finals:  # a few per import: one by one, with the reading's webhook
            assert readings is not None
            await readings.record_final(str(w["meter"][final.serial][0]), final.litres, final.removed_on, actor)
        await audit.record_many(actor, _audit_entries(plan, ids))
        await webhooks.emit_many("customer.contact_changed", list(_contact_events(plan)))
        await audit.record(actor, "registry.import", "registry", "import", None, {
            f"{part}_{kind}": len(keys) for part, kinds in (("add", plan.add), ("change", plan.change),
                                                            ("end", plan.end)) for kind, keys in kinds.items()})


def _contact_events(plan: Plan) -> Iterator[dict[str, Any]]:
    """customer.contact_changed for every customer whose contact data or correspondence address the
    plan changes, shaped as customers.services.update_correspondence sends it for a change in e-BOK:
    a subscriber hears of every change, whichever way it came."""
    for change in plan.change["customer"]:
        changed = {f: change.fields[f][1] for f in CONTACT_FIELDS if f in change.fields}
        if changed:
            row_id, values, _ = plan._writes["customer"][change.key]
            yield {"customer_id": str(row_id), "customer_number": change.key, "changed": changed,
                   "contact": {f: values[f] for f in CONTACT_FIELDS}}


_OBJECT_KIND = {"customer": "customer", "point": "service_point", "meter": "meter"}
_END_FIELD = {"customer": "ended_on", "point": "ended_on", "meter": "removed_on"}


def _audit_entries(plan: Plan, ids: dict[str, dict[str, Any]]) -> Iterator[audit.Entry]:
    """Who, what before and after for every registry entry the import wrote (issue 13.6)."""
    w = plan._writes
    owner = w["point_customer"]

    def customer_of(kind: str, key: str, values: dict[str, Any] | None) -> Any:
        if kind == "customer":
            return w["customer"][key][0]
        if kind == "point":
            return ids["customer"].get(values["customer"] if values else owner.get(key))
        return ids["customer"].get(owner.get(values["point"] if values else w["meter_point"].get(key)))

    for kind in ("customer", "point", "meter"):
        for key in plan.add[kind]:
            row_id, values, _ = w[kind][key]
            yield audit.Entry(f"{kind}.add", _OBJECT_KIND[kind], row_id, None, {"key": key, **values},
                              customer_of(kind, key, values))
        for change in plan.change[kind]:
            row_id, values, ended = w[kind][change.key]
            action = f"{kind}.update" if values is not None else "meter.exchange"
            removed = change.fields.get("removed_on") if kind == "meter" else None
            if removed and removed[0] is None and removed[1] is not None:  # the file takes it off
                action = "meter.exchange" if "replaced_by" in change.fields else "meter.end"
            yield audit.Entry(action, _OBJECT_KIND[kind], row_id, {"key": change.key, **{
                f: v[0] for f, v in change.fields.items()}}, {f: v[1] for f, v in change.fields.items()},
                customer_of(kind, change.key, values))
        added_or_changed = set(plan.add[kind]) | {c.key for c in plan.change[kind]}
        for key, (row_id, values, ended) in w[kind].items():
            if values is None and key not in added_or_changed:
                yield audit.Entry(f"{kind}.end", _OBJECT_KIND[kind], row_id, {_END_FIELD[kind]: None},
                                  {"key": key, _END_FIELD[kind]: ended}, customer_of(kind, key, None))


_INSERT_COLUMNS = {
    "customer": ["id", "number", *CUSTOMER_FIELDS, "ended_on", "created_at"],
    "point": ["id", "customer", "code", "street", "house_number", "apartment", "postcode", "town", "ended_on",
              "created_at"],
    "meter": ["id", "service_point", "serial", "kind", "installed_on", "verification_due", "digits", "initial_litres",
              "removed_on", "active"],
}
_UPDATE_COLUMNS = {
    "customer": [*CUSTOMER_FIELDS, "ended_on", "contact_changed_at"],
    "point": ["customer", "code", "street", "house_number", "apartment", "postcode", "town", "ended_on"],
    "meter": ["service_point", "kind", "installed_on", "verification_due", "digits", "initial_litres", "removed_on",
              "active"],
}


def _insert_row(kind: str, key: str, row_id: Any, v: dict[str, Any], ids: dict[str, Any], created: Any) -> tuple:
    if kind == "customer":
        return (row_id, key, *(v[f] for f in CUSTOMER_FIELDS), None, created)
    if kind == "point":
        return (row_id, ids["customer"][v["customer"]], key, v["street"], v["house_number"], v["apartment"],
                v["postcode"], v["town"], None, created)
    return (row_id, ids["point"][v["point"]], key, v["kind"], v["installed_on"], v["verification_due"], v["digits"],
            v["initial_litres"], v["removed_on"], v["removed_on"] is None)


def _update_row(kind: str, key: str, row_id: Any, v: dict[str, Any], ids: dict[str, Any]) -> tuple:
    if kind == "customer":
        return (*(v[f] for f in CUSTOMER_FIELDS), v.get("ended_on"), v["contact_changed_at"], row_id)
    if kind == "point":
        return (ids["customer"][v["customer"]], key, v["street"], v["house_number"], v["apartment"], v["postcode"],
                v["town"], v.get("ended_on"), row_id)
    return (ids["point"][v["point"]], v["kind"], v["installed_on"], v["verification_due"], v["digits"],
            v["initial_litres"], v["removed_on"], v["removed_on"] is None, row_id)
