"""Queries over the customer registry. Callers pass the customer ids the user may see."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from backend.core.db import contains
from backend.customers.schemas import CustomerOut, MeterOut, ServicePointOut
from backend.customers.tables import Customer, Meter, ServicePoint


async def customer_id_by_number(number: str) -> str | None:
    row = await Customer.select(Customer.id).where(Customer.number == number.strip()).first()
    return str(row["id"]) if row else None


async def customers_brief(ids: Iterable[str]) -> list[dict[str, str]]:
    ids = list(ids)
    if not ids:
        return []
    rows = await Customer.select(Customer.id, Customer.number, Customer.name).where(
        Customer.id.is_in(ids)
    ).order_by(Customer.number)
    return [{"id": str(r["id"]), "number": r["number"], "name": r["name"]} for r in rows]


async def get_customer(customer_id: str) -> dict[str, Any] | None:
    try:
        return await Customer.select().where(Customer.id == customer_id).first()
    except ValueError:  # not a UUID
        return None


async def record_contact_consent(customer_id: str) -> None:
    await Customer.update({Customer.consent_contact_at: datetime.now(UTC)}).where(
        (Customer.id == customer_id) & Customer.consent_contact_at.is_null()
    )


async def search(q: str, limit: int = 50) -> list[dict[str, Any]]:
    q = q.strip()
    query = Customer.select().order_by(Customer.number).limit(limit)
    if q:
        query = query.where(
            (Customer.number == q) | contains(Customer.name, q) | contains(Customer.email, q)
            | contains(Customer.street, q)
        )
    return await query


async def registry(customer_ids: Sequence[str]) -> tuple[list[CustomerOut], list[str]]:
    """The customers with their service points and active meters (without readings), and
    the ids of those meters so the caller can attach the last readings."""
    customers = await Customer.select(Customer.id, Customer.number, Customer.name).where(
        Customer.id.is_in(list(customer_ids))
    ).order_by(Customer.number) if customer_ids else []
    points = await ServicePoint.select().where(
        ServicePoint.customer.is_in([c["id"] for c in customers])
    ).order_by(ServicePoint.street, ServicePoint.house_number) if customers else []
    meters = await Meter.select().where(
        Meter.service_point.is_in([p["id"] for p in points]), Meter.active.eq(True)
    ).order_by(Meter.kind, Meter.serial) if points else []

    meters_by_point: dict[str, list[MeterOut]] = {}
    for m in meters:
        meters_by_point.setdefault(str(m["service_point"]), []).append(
            MeterOut(
                id=str(m["id"]), serial=m["serial"], kind=m["kind"], digits=m["digits"],
                installed_on=m["installed_on"].isoformat(),
                verification_due=m["verification_due"].isoformat(), last_reading=None,
            )
        )
    points_by_customer: dict[str, list[ServicePointOut]] = {}
    for p in points:
        points_by_customer.setdefault(str(p["customer"]), []).append(
            ServicePointOut(
                id=str(p["id"]), street=p["street"], house_number=p["house_number"],
                apartment=p["apartment"], postcode=p["postcode"], town=p["town"],
                meters=meters_by_point.get(str(p["id"]), []),
            )
        )
    out = [
        CustomerOut(id=str(c["id"]), number=c["number"], name=c["name"],
                    service_points=points_by_customer.get(str(c["id"]), []))
        for c in customers
    ]
    return out, [str(m["id"]) for m in meters]
