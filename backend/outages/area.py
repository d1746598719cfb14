"""The affected area of an outage: streets of a town with optional house-number ranges
(odd / even / all), and/or a list of service points. Matching is exact: a service point is in
the area or it is not, and only devices choosing such a point are alerted."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from backend.core.addresses import house_number, house_order, street_address
from backend.core.files import is_uuid
from backend.core.i18n import plural
from backend.customers.tables import ServicePoint


def normal(text: str) -> str:
    return " ".join((text or "").split()).casefold()


def _in_range(rule: dict[str, Any], number_text: str) -> bool:
    low, high, parity = rule.get("from_number"), rule.get("to_number"), rule.get("parity", "all")
    if low is None and high is None and parity == "all":
        return True  # the whole street, numbered or not
    number = house_number(number_text)
    if number is None:
        return False  # a range was given and this address has no number to place in it
    if low is not None and number < low or high is not None and number > high:
        return False
    return parity == "all" or (number % 2 == 1) == (parity == "odd")


def covering(area: dict[str, Any], town: str) -> Callable[[dict[str, Any]], bool]:
    """Whether a service point is in the area: one of its points, or on one of its streets (in the
    town) within the rule's numbers. The area's names are folded and its ids collected once, for
    all the points it is asked about (every start of the app matches each published outage
    against the resident's points)."""
    ids = {str(i) for i in area.get("service_point_ids", [])}
    place = normal(town)
    streets: dict[str, list[dict[str, Any]]] = {}
    for rule in area.get("streets", []):
        streets.setdefault(normal(rule["street"]), []).append(rule)

    def covered(point: dict[str, Any]) -> bool:
        if str(point["id"]) in ids:
            return True
        if not streets or normal(point["town"]) != place:
            return False
        rules = streets.get(normal(point["street"]))
        return rules is not None and any(_in_range(rule, point["house_number"]) for rule in rules)

    return covered


# Read-only queries over the customer registry. They belong in customers/services.py
# (streets_of_town, points_on_streets) once that domain offers them; until then they stay here,
# in one place, reading only.


async def points_in(area: dict[str, Any], town: str) -> list[dict[str, Any]]:
    """Every service point in the area: {id, customer, street, house_number, apartment, town}."""
    columns = (ServicePoint.id, ServicePoint.customer, ServicePoint.street, ServicePoint.house_number,
               ServicePoint.apartment, ServicePoint.town)
    found: dict[str, dict[str, Any]] = {}
    streets = sorted({rule["street"] for rule in area.get("streets", [])})
    if streets:
        rows = await ServicePoint.select(*columns).where(ServicePoint.town == town, ServicePoint.street.is_in(streets))
        covered = covering(area, town)
        for row in rows:
            if covered(row):
                found[str(row["id"])] = row
    ids = [str(i) for i in area.get("service_point_ids", [])]
    for start in range(0, len(ids), 500):
        for row in await ServicePoint.select(*columns).where(ServicePoint.id.is_in(ids[start:start + 500])):
            found[str(row["id"])] = row
    return list(found.values())


async def streets_of_town(town: str) -> list[dict[str, Any]]:
    rows = await ServicePoint.raw(
        "SELECT street, COUNT(*) AS points FROM service_point WHERE town = {} GROUP BY street ORDER BY street", town
    )
    return [{"street": r["street"], "points": int(r["points"])} for r in rows]


def _address(p: dict[str, Any]) -> str:
    return f"{street_address(p['street'], p['house_number'], p['apartment'])}, {p['town']}"


async def point_choices(town: str, street: str, ids: Iterable[str] = ()) -> list[dict[str, Any]]:
    """The service points of a street (by house number), or of the given ids, with their addresses
    and customers' numbers: the office picks single points by address, never by id."""
    columns = (ServicePoint.id, ServicePoint.street, ServicePoint.house_number, ServicePoint.apartment,
               ServicePoint.town, ServicePoint.customer.number.as_alias("customer_number"))
    ids = list(ids)
    wanted = [str(i) for i in ids if is_uuid(str(i))][:500]
    if ids:
        if not wanted:
            return []
        rows = await ServicePoint.select(*columns).where(ServicePoint.id.is_in(wanted))
    else:
        rows = await ServicePoint.select(*columns).where((ServicePoint.town == town) & (ServicePoint.street == street))
    rows.sort(key=lambda p: (p["street"], house_order(p["house_number"]), p["apartment"] or ""))
    return [{"id": str(p["id"]), "address": _address(p), "customer_number": p["customer_number"]} for p in rows]


async def towns() -> list[str]:
    rows = await ServicePoint.raw("SELECT DISTINCT town FROM service_point ORDER BY town")
    return [r["town"] for r in rows]


async def points_by_ids(ids: Iterable[str]) -> list[dict[str, Any]]:
    ids = [str(i) for i in ids]
    out: list[dict[str, Any]] = []
    for start in range(0, len(ids), 500):  # a statement's parameters are bounded (32,767 on PostgreSQL)
        out += await ServicePoint.select(ServicePoint.id, ServicePoint.customer, ServicePoint.street,
                                         ServicePoint.house_number, ServicePoint.apartment,
                                         ServicePoint.town).where(ServicePoint.id.is_in(ids[start:start + 500]))
    return out


_WORDS: dict[str, dict[str, Any]] = {"pl": {"odd": "nieparzyste", "even": "parzyste", "from": "od",
                 "more": ("i {n} inne miejsce", "i {n} inne miejsca", "i {n} innych miejsc")},
          "en": {"odd": "odd", "even": "even", "from": "from", "more": ("and {n} more", "and {n} more")},
          "uk": {"odd": "непарні", "even": "парні", "from": "від",
                 "more": ("і ще {n} місце", "і ще {n} місця", "і ще {n} місць")}}


def summary(area: dict[str, Any], points_named: list[dict[str, Any]] | None = None, limit: int = 3,
            lang: str = "pl") -> str:
    """'ul. Lipowa 2–20 (parzyste), ul. Zielona' — what the notification and lists show."""
    words = _WORDS.get(lang, _WORDS["pl"])
    parts = []
    for rule in area.get("streets", []):
        text = rule["street"]
        low, high, parity = rule.get("from_number"), rule.get("to_number"), rule.get("parity", "all")
        if low is not None or high is not None:
            text += f" {low or 1}–{high}" if high is not None else f" {words['from']} {low}"
        if parity != "all":
            text += f" ({words[parity]})"
        parts.append(text)
    for point in points_named or []:
        parts.append(f"{point['street']} {point['house_number']}".strip())
    if len(parts) > limit:
        more = len(parts) - limit
        return ", ".join(parts[:limit]) + " " + plural(more, lang if lang in _WORDS else "pl", words["more"]).format(n=more)
    return ", ".join(parts)
