"""Tariffs (cenniki) with validity dates."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

from backend.billing.calc import NO_VAT, Prices, half_up
from backend.billing.tables import Document, Tariff
from backend.core import clock
from backend.core.amounts import parse_grosze
from backend.core.db import transaction
from backend.core.errors import ApiError

# the demo utility's prices: water 3,44 zł, sewage 5,59 zł per m³, fee 3,86 zł per meter-month
DEMO_TARIFF: dict[str, Any] = {
    "name": "Taryfa 2024–2027", "water_grosze_per_m3": 344, "sewage_grosze_per_m3": 559,
    "fee_grosze_per_meter_month": 386,
}


def _prices(row: dict) -> Prices:
    return Prices(
        id=str(row["id"]), name=row["name"], valid_from=row["valid_from"], valid_to=row["valid_to"],
        water=row["water_grosze_per_m3"], sewage=row["sewage_grosze_per_m3"], fee=row["fee_grosze_per_meter_month"],
        vat_water=row["vat_water_pct"], vat_sewage=row["vat_sewage_pct"], vat_fee=row["vat_fee_pct"],
    )


async def all_tariffs() -> list[Prices]:
    return [_prices(r) for r in await Tariff.select().order_by(Tariff.valid_from)]


async def add_tariff(name: str, valid_from: date, water: int, sewage: int, fee: int, valid_to: date | None = None,
                     vat_pct: int = 8) -> Prices:
    row = Tariff(id=uuid.uuid4(), name=name, valid_from=valid_from, valid_to=valid_to, water_grosze_per_m3=water,
                 sewage_grosze_per_m3=sewage, fee_grosze_per_meter_month=fee, vat_water_pct=vat_pct,
                 vat_sewage_pct=vat_pct, vat_fee_pct=vat_pct)
    await Tariff.insert(row)
    return _prices(row.to_dict())


async def ensure_demo_tariff(valid_from: date) -> None:
    """The demo tariff, once (a rerun of the demo finds it)."""
    if not await Tariff.exists().where(Tariff.name == DEMO_TARIFF["name"]):
        await add_tariff(DEMO_TARIFF["name"], valid_from, DEMO_TARIFF["water_grosze_per_m3"],
                         DEMO_TARIFF["sewage_grosze_per_m3"], DEMO_TARIFF["fee_grosze_per_meter_month"])


# --- the residents' price list (Cennik) -------------------------------------------------------------

def gross(net: int, vat_pct: int) -> int:
    """A net unit price with its VAT, rounded half up to the grosz as on the invoice lines."""
    return net if vat_pct == NO_VAT else net + half_up(net * vat_pct, 100)


async def price_list() -> list[tuple[Prices, str]]:
    """Every tariff, newest first, each with where it stands today in Warsaw: "current", "past" or
    "future" (announced). The prices are public: the law has the utility publish them."""
    today = clock.today_in_warsaw()
    return [(p, "future" if p.valid_from > today else "past" if p.valid_to and p.valid_to < today else "current")
            for p in reversed(await all_tariffs())]


# --- the office's price list (Fakturowanie > Cennik) ------------------------------------------------

VAT_RATES = (0, 5, 8, 23)  # the Polish rates; water and sewage are 8 %
MAX_PRICE_GROSZE = 100_000  # 1000 zł per m³ or per month: anything above is a typo


def price_grosze(text: str, field: str) -> int:
    """A net price as the office writes it ("3,44", "3.44", "12"): grosze, at most two decimals."""
    value = parse_grosze(text, max_whole_digits=4)
    if value is None:
        raise ApiError("price_invalid", "A price in zł with at most two decimals", 400, field=field)
    if value > MAX_PRICE_GROSZE:
        raise ApiError("price_invalid", "A price above 1000 zł", 400, field=field)
    return value


async def last_billed_day() -> date | None:
    """The end of the latest period invoiced: prices before it are history, not to be changed."""
    row = await Document.select(Document.period_end).where(
        Document.kind == "invoice", Document.period_end.is_not_null()
    ).order_by(Document.period_end, ascending=False).first()
    return row["period_end"] if row else None


async def create_tariff(name: str, valid_from_text: str, water: str, sewage: str, fee: str, vat_pct: int) -> Prices:
    """A new tariff from a day on; the one in force until then ends the day before. Tariffs follow
    each other in time and never reach back into a period already invoiced."""
    if not name.strip():
        raise ApiError("field_required", "name is required", 400, field="name")
    try:
        valid_from = date.fromisoformat(valid_from_text.strip())
    except ValueError:
        raise ApiError("date_invalid", "valid_from must be YYYY-MM-DD", 400, field="valid_from") from None
    prices = {f: price_grosze(v, f) for f, v in (("water", water), ("sewage", sewage), ("fee", fee))}
    if vat_pct not in VAT_RATES:
        raise ApiError("vat_invalid", "VAT must be 0, 5, 8 or 23 %", 400, field="vat_pct")
    billed = await last_billed_day()
    if billed and valid_from <= billed:
        raise ApiError("tariff_period_billed", "Invoices already cover this day", 409, field="valid_from",
                       extra={"params": {"date": (billed + timedelta(days=1)).isoformat()}})
    async with transaction():
        latest = await Tariff.select(Tariff.valid_from).order_by(Tariff.valid_from, ascending=False).first()
        if latest and valid_from <= latest["valid_from"]:
            raise ApiError("tariff_not_after_latest", "A new tariff starts after the latest one", 409,
                           field="valid_from", extra={"params": {"date": latest["valid_from"].isoformat()}})
        await Tariff.update({Tariff.valid_to: valid_from - timedelta(days=1)}).where(
            Tariff.valid_to.is_null() | (Tariff.valid_to >= valid_from))
        created = await add_tariff(name.strip(), valid_from, prices["water"], prices["sewage"], prices["fee"],
                                   vat_pct=vat_pct)
    return created


async def remove_latest_tariff(tariff_id: str) -> None:
    """Undo a mistaken tariff: only the latest, and only while no invoice reaches its first day;
    the tariff before it is in force again until further notice."""
    try:
        wanted = uuid.UUID(tariff_id)
    except ValueError:
        raise ApiError("not_found", "tariff not found", 404) from None
    async with transaction():
        latest = await Tariff.select(Tariff.id, Tariff.valid_from).order_by(Tariff.valid_from, ascending=False).first()
        if latest is None or latest["id"] != wanted:
            if await Tariff.exists().where(Tariff.id == wanted):
                raise ApiError("tariff_not_latest", "Only the latest tariff can be removed", 409)
            raise ApiError("not_found", "tariff not found", 404)
        billed = await last_billed_day()
        if billed and latest["valid_from"] <= billed:
            raise ApiError("tariff_in_use", "Invoices already use this tariff", 409)
        await Tariff.delete().where(Tariff.id == wanted)
        await Tariff.update({Tariff.valid_to: None}).where(Tariff.valid_to == latest["valid_from"] - timedelta(days=1))
