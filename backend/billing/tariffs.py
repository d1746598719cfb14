"""Tariffs (cenniki) with validity dates."""

from __future__ import annotations

import uuid
from datetime import date

from backend.billing.calc import Prices
from backend.billing.tables import Tariff

DEMO_TARIFF = {  # the demo utility's prices: water 3,44 zł, sewage 5,59 zł per m³, fee 3,86 zł per meter-month
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
