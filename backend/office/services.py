"""The office's customer screen: one customer with everything e-BOK holds about them, read from
each domain's services; the corrections the office makes there (contact data, meter exchange)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from backend.accounts import services as accounts
from backend.accounts.schemas import CurrentUser
from backend.audit import services as audit
from backend.billing import services as billing
from backend.consents import services as consents
from backend.contact import services as contact
from backend.core.clock import local_day, today_in_warsaw
from backend.core.db import is_unique_violation, transaction
from backend.core.errors import ApiError, not_found
from backend.core.types import is_id
from backend.customers import services as customers
from backend.documents import services as documents
from backend.office.schemas import (
    AccountRow,
    ContactIn,
    CustomerScreenOut,
    ExchangeIn,
    ExchangeOut,
    MeterRow,
    PaymentDocumentRow,
    PointRow,
)
from backend.outages import subscriptions
from backend.readings import rules
from backend.readings import services as readings


def _day(value: Any) -> str | None:
    return value.isoformat() if value else None


async def _customer(customer_id: str) -> dict[str, Any]:
    row = await customers.get_customer(customer_id) if is_id(customer_id) else None
    if not row:
        raise not_found("customer")
    return row


async def _points(customer_id: str) -> list[PointRow]:
    points, meters = await customers.points_and_meters(customer_id)
    last = await readings.last_accepted([str(m["id"]) for m in meters])
    by_point: dict[str, list[MeterRow]] = {}
    meters.sort(key=lambda m: (not (m["active"] and m["removed_on"] is None), m["kind"], -m["installed_on"].toordinal()))
    for m in meters:
        by_point.setdefault(str(m["service_point"]), []).append(MeterRow(
            id=str(m["id"]), serial=m["serial"], kind=m["kind"], digits=m["digits"],
            installed_on=m["installed_on"].isoformat(), verification_due=m["verification_due"].isoformat(),
            removed_on=_day(m["removed_on"]), active=bool(m["active"]) and m["removed_on"] is None,
            initial_litres=int(m["initial_litres"]), last_reading=last.get(str(m["id"]))))
    return [PointRow(id=str(p["id"]), code=p["code"], street=p["street"], house_number=p["house_number"],
                     apartment=p["apartment"], postcode=p["postcode"], town=p["town"], ended_on=_day(p["ended_on"]),
                     meters=by_point.get(str(p["id"]), [])) for p in points]


async def screen(customer_id: str) -> CustomerScreenOut:
    c = await _customer(customer_id)
    cid = str(c["id"])
    linked = (await accounts.accounts_of_customers([cid])).get(cid, [])
    devices = await subscriptions.of_users([a["id"] for a in linked])
    balance = await billing.balance([cid])
    consent_rows = await consents.consents_of([cid])
    return CustomerScreenOut(
        id=cid, number=c["number"], name=c["name"], email=c["email"], phone=c["phone"], street=c["street"],
        house_number=c["house_number"], postcode=c["postcode"], town=c["town"],
        billing_period_months=c["billing_period_months"], ended_on=_day(c["ended_on"]),
        balance_grosze=balance.get("total_grosze", 0), overdue_grosze=balance.get("overdue_grosze", 0),
        points=await _points(cid),
        payment_documents=[PaymentDocumentRow(
            id=str(d["id"]), number=d["number"], kind=d["kind"], issue_date=d["issue_date"].isoformat(),
            due_date=d["due_date"].isoformat(), gross_grosze=int(d["gross_grosze"]),
            remaining_grosze=int(d["remaining_grosze"])) for d in await billing.documents_of(cid)],
        documents=await documents.staff_documents(customer_id=cid, limit=50),
        threads=await contact.threads_of_customer(cid),
        consents=consent_rows[0].consents if consent_rows else [],
        accounts=[AccountRow(id=a["id"], email=a["email"], active=a["active"], devices=devices.get(a["id"], []))
                  for a in linked],
        trail=await audit.trail(cid),
    )


async def correct_contact(staff: CurrentUser, customer_id: str, data: ContactIn) -> CustomerScreenOut:
    c = await _customer(customer_id)
    values = customers.check_contact({"email": data.email, "phone": data.phone, "street": data.street,
                                      "house_number": data.house_number, "postcode": data.postcode,
                                      "town": data.town})
    await customers.update_correspondence(str(c["id"]), values, staff)
    return await screen(customer_id)


def _date(text: str, field: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ApiError("date_invalid", "A date YYYY-MM-DD", 400, field=field) from None


def _m3(text: str, field: str, digits: int) -> int:
    litres = rules.parse_m3(text)
    if litres is None:
        raise ApiError("value_not_number", "Not a number of m³ such as 123,456", 400, field=field)
    if litres >= 1000 * 10 ** digits:
        raise ApiError("value_too_many_digits", "More digits than the meter's register has", 400, field=field,
                       extra={"params": {"digits": digits}})
    return litres


async def exchange_meter(staff: CurrentUser, customer_id: str, data: ExchangeIn) -> ExchangeOut:
    """Meter X off the point on a day with its final reading, meter Y on it with its initial one:
    both validated, then written in one transaction (registry, the final reading, the audit entry)."""
    c = await _customer(customer_id)
    info = await customers.meter(data.meter_id) if is_id(data.meter_id) else None
    if not info or info["customer_id"] != str(c["id"]):
        raise not_found("meter")
    if not info["active"]:
        raise ApiError("meter_removed", "This meter is no longer on the service point", 409, field="meter_id")
    old = await customers.meter_row(data.meter_id)
    assert old is not None
    day = _date(data.day, "day")
    today = today_in_warsaw()
    if day > today:
        raise ApiError("exchange_day_future", "The exchange cannot be in the future", 400, field="day")
    if day < old["installed_on"]:
        raise ApiError("exchange_day_before_install", "The meter was installed after this day", 400, field="day",
                       extra={"params": {"date": old["installed_on"].isoformat()}})
    final = _m3(data.final_reading, "final_reading", int(old["digits"]))
    last = (await readings.last_accepted([data.meter_id])).get(data.meter_id)
    floor = last.value_litres if last else int(old["initial_litres"])
    if final < floor:
        raise ApiError("final_below_last", "The final reading is lower than the last one", 400, field="final_reading",
                       extra={"params": {"litres": floor}})
    if last and local_day(datetime.fromisoformat(last.captured_at)) > day:
        raise ApiError("exchange_day_before_reading", "A reading was taken after this day", 400, field="day",
                       extra={"params": {"date": local_day(datetime.fromisoformat(last.captured_at)).isoformat()}})
    serial = data.serial.strip()
    if not serial or len(serial) > 40:
        raise ApiError("field_required" if not serial else "too_long", "The new meter's serial (1-40 characters)",
                       400, field="serial")
    if await customers.serial_taken(serial):
        raise ApiError("serial_taken", "A meter with this serial is in the registry", 409, field="serial")
    if not 3 <= data.digits <= 9:
        raise ApiError("digits_invalid", "Digits before the comma: 3 to 9", 400, field="digits")
    initial = _m3(data.initial_reading, "initial_reading", data.digits)
    due = _date(data.verification_due, "verification_due")
    if due <= day:
        raise ApiError("verification_due_past", "The legal verification must run beyond the exchange", 400,
                       field="verification_due")
    kind = data.kind or info["kind"]
    if kind not in ("main", "sub"):
        raise ApiError("invalid_request", "kind is main or sub", 400, field="kind")
    captured = readings.final_reading_at(day)
    try:
        async with transaction():
            reading_id = await readings.record_office_reading(data.meter_id, final, captured, staff.id)
            new_id = await customers.exchange_meter(staff, data.meter_id, day, serial, kind, data.digits, due, initial,
                                                    final)
    except Exception as exc:
        if is_unique_violation(exc):  # the serial was taken meanwhile
            raise ApiError("serial_taken", "A meter with this serial is in the registry", 409, field="serial") from None
        raise
    return ExchangeOut(meter_id=new_id, final_reading_id=reading_id)
