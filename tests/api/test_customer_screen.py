"""The office's customer screen (issue 13.5): search, one customer with everything about them,
contact corrections (validated, audited); meter exchange (issue 13.4) on the screen and by the
registry import, billed as a replaced meter and its successor; the resident reads the new meter."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from backend.billing.run import run_billing
from backend.billing.tables import BilledMeter, Document
from backend.billing.tariffs import add_tariff
from backend.core.clock import WARSAW
from backend.customers.tables import Customer, Meter, ServicePoint
from backend.readings.tables import Reading
from tests.support import log_in, make_customer, make_user


def utc(y, m, d, h=12) -> datetime:
    return datetime(y, m, d, h, tzinfo=UTC)


@pytest.fixture
async def office(client, settings):
    jan = await make_customer(number="610001", name="Jan Kowalski", email="jan@example.com")
    await Customer.update({Customer.phone: "600 100 200"}).where(Customer.id == jan["id"])
    ola = await make_customer(number="610002", name="Ola Nowak", street="ul. Polna", house_number="3")
    await make_user(settings, "jan@example.com", customer_id=jan["id"])
    await make_user(settings, "biuro@example.com", role="staff")
    await log_in(client, "biuro@example.com")
    return {"jan": jan, "ola": ola}


async def found(client, q, **params) -> list[str]:
    r = await client.get("/api/staff/customers", params={"q": q, **params})
    assert r.status_code == 200, r.text
    return [c["number"] for c in r.json()]


async def test_search_by_number_name_address_serial_email_phone(client, office):
    serial = (await Meter.select(Meter.serial).where(Meter.id == office["ola"]["meter_id"]).first())["serial"]
    assert await found(client, "610001") == ["610001"]
    assert await found(client, "kowalski jan") == ["610001"]  # the words in any order
    assert await found(client, "Polna 3") == ["610002"]  # a service point's address
    assert await found(client, serial) == ["610002"]
    assert await found(client, "JAN@example") == ["610001"]
    assert await found(client, "600100200") == ["610001"]  # spaces in the stored number do not matter
    assert await found(client, "nikt taki") == []
    await Customer.update({Customer.ended_on: date(2026, 11, 30)}).where(Customer.id == office["ola"]["id"])
    assert await found(client, "Polna 3") == []  # ended customers are not served...
    r = await client.get("/api/staff/customers", params={"q": "Polna 3", "ended": "true"})
    assert [(c["number"], c["ended_on"]) for c in r.json()] == [("610002", "2026-11-30")]  # ...unless asked, marked


async def test_search_ignores_case_and_polish_letters(client, office):
    await make_customer(number="610003", name="Łucja Ślęzak", street="ul. Żeromskiego", house_number="7")
    for q in ("ślęzak", "ŚLĘZAK", "slezak", "Łucja", "lucja slezak", "żeromskiego 7", "ZEROMSKIEGO"):
        assert await found(client, q) == ["610003"], q
    assert await found(client, "ślę kow") == []  # every word must match the same customer


async def test_screen_shows_everything_about_one_customer_to_staff_only(client, office, settings):
    jan = office["jan"]
    await Reading.insert(Reading(meter=jan["meter_id"], value_litres=12_345, captured_at=utc(2026, 11, 20)))
    r = await client.get(f"/api/staff/customers/{jan['id']}")
    assert r.status_code == 200, r.text
    s = r.json()
    assert (s["number"], s["name"], s["phone"]) == ("610001", "Jan Kowalski", "600 100 200")
    [point] = s["points"]
    [meter] = point["meters"]
    assert meter["id"] == jan["meter_id"] and meter["last_reading"]["value_litres"] == 12_345 and meter["active"]
    assert [a["email"] for a in s["accounts"]] == ["jan@example.com"] and s["accounts"][0]["devices"] == []
    assert {c["kind"] for c in s["consents"]} >= {"contact_data"}
    assert s["balance_grosze"] == 0 and s["payment_documents"] == [] and s["documents"] == [] and s["threads"] == []
    assert s["trail"] == []
    assert (await client.get(f"/api/staff/customers/{uuid.uuid4()}")).status_code == 404
    await client.delete("/api/session")
    await log_in(client, "jan@example.com")
    assert (await client.get(f"/api/staff/customers/{jan['id']}")).status_code == 404
    r = await client.patch(f"/api/staff/customers/{jan['id']}/contact", json={
        "email": "x@example.com", "phone": "", "street": "a", "house_number": "1", "postcode": "19-400", "town": "b"})
    assert r.status_code == 404


async def test_staff_corrects_contact_data_validated_and_audited(client, office):
    jan = office["jan"]
    body = {"email": "jan.k@example.com", "phone": "+48 600 999 888", "street": "ul. Nowa", "house_number": "5",
            "postcode": "19-400", "town": "Olecko"}
    for field, bad, code in (("postcode", "19400", "postcode_invalid"), ("phone", "12ab", "phone_invalid"),
                             ("email", "jan@", "email_invalid"), ("street", "  ", "field_required"),
                             ("town", "x" * 81, "too_long")):
        r = await client.patch(f"/api/staff/customers/{jan['id']}/contact", json={**body, field: bad})
        assert (r.status_code, r.json()["code"], r.json()["field"]) == (400, code, field), (field, r.text)
    r = await client.patch(f"/api/staff/customers/{jan['id']}/contact", json=body)
    assert r.status_code == 200, r.text
    s = r.json()
    assert (s["email"], s["phone"], s["street"]) == ("jan.k@example.com", "+48 600 999 888", "ul. Nowa")
    [entry] = s["trail"]
    assert entry["actor"] == "biuro@example.com" and entry["action"] == "customer.update"
    assert entry["before"] == {"email": "jan@example.com", "phone": "600 100 200", "street": "ul. Testowa",
                               "house_number": "1"}
    assert entry["after"] == {"email": "jan.k@example.com", "phone": "+48 600 999 888", "street": "ul. Nowa",
                              "house_number": "5"}


def exchange_body(meter_id, **kw) -> dict:
    body = {"meter_id": meter_id, "day": "2026-11-15", "final_reading": "110,000", "serial": "NEW-0001",
            "initial_reading": "0", "verification_due": "2032-11-15", "digits": 5}
    body.update(kw)
    return body


async def test_meter_exchange_is_validated(client, office):
    jan, ola = office["jan"], office["ola"]
    await Reading.insert(Reading(meter=jan["meter_id"], value_litres=100_000, captured_at=utc(2026, 10, 31)))
    taken = (await Meter.select(Meter.serial).where(Meter.id == ola["meter_id"]).first())["serial"]
    url = f"/api/staff/customers/{jan['id']}/meter-exchange"
    tomorrow = (datetime.now(UTC) + timedelta(days=2)).date().isoformat()
    for change, code, field in (
        ({"day": tomorrow}, "exchange_day_future", "day"),
        ({"day": "2023-12-31"}, "exchange_day_before_install", "day"),
        ({"day": "2026-10-30"}, "exchange_day_before_reading", "day"),
        ({"day": "15.11.2026"}, "date_invalid", "day"),
        ({"final_reading": "99,999"}, "final_below_last", "final_reading"),
        ({"final_reading": "100000,5"}, "value_too_many_digits", "final_reading"),
        ({"final_reading": "sto"}, "value_not_number", "final_reading"),
        ({"serial": taken}, "serial_taken", "serial"),
        ({"serial": ""}, "field_required", "serial"),
        ({"digits": 12}, "digits_invalid", "digits"),
        ({"initial_reading": "1000,000", "digits": 3}, "value_too_many_digits", "initial_reading"),
        ({"verification_due": "2026-11-15"}, "verification_due_past", "verification_due"),
    ):
        r = await client.post(url, json=exchange_body(jan["meter_id"], **change))
        assert (r.json().get("code"), r.json().get("field")) == (code, field), (change, r.text)
    # another customer's meter is not found through this customer
    r = await client.post(url, json=exchange_body(ola["meter_id"]))
    assert r.status_code == 404
    assert await Meter.count() == 2 and await Reading.count() == 1


async def test_exchange_on_the_screen_is_billed_and_the_resident_reads_the_new_meter(client, office, settings):
    jan = office["jan"]
    await add_tariff("Taryfa", date(2024, 1, 1), 344, 559, 386)
    await Reading.insert(Reading(meter=jan["meter_id"], value_litres=100_000, captured_at=utc(2026, 10, 31)))
    r = await client.post(f"/api/staff/customers/{jan['id']}/meter-exchange", json=exchange_body(jan["meter_id"]))
    assert r.status_code == 201, r.text
    new_id = r.json()["meter_id"]
    s = (await client.get(f"/api/staff/customers/{jan['id']}")).json()
    [new, old] = s["points"][0]["meters"]
    assert (new["id"], new["serial"], new["active"], new["installed_on"]) == (new_id, "NEW-0001", True, "2026-11-15")
    assert (old["active"], old["removed_on"], old["last_reading"]["value_litres"]) == (False, "2026-11-15", 110_000)
    assert old["last_reading"]["source"] == "office"
    [entry] = [e for e in s["trail"] if e["action"] == "meter.exchange"]
    assert entry["before"]["removed_on"] is None and entry["after"]["replaced_by"]["serial"] == "NEW-0001"
    assert entry["after"]["final_litres"] == 110_000 and entry["actor"] == "biuro@example.com"
    # a second exchange of the removed meter is refused
    r = await client.post(f"/api/staff/customers/{jan['id']}/meter-exchange",
                          json=exchange_body(jan["meter_id"], serial="NEW-0002"))
    assert r.status_code == 409 and r.json()["code"] == "meter_removed"

    # the resident sees only the new meter and can read it
    await client.delete("/api/session")
    await log_in(client, "jan@example.com")
    meters = (await client.get("/api/meters")).json()["meters"]
    assert [m["id"] for m in meters] == [new_id]
    r = await client.post("/api/readings", data={"meter_id": new_id, "value": "5,000",
                                                  "captured_at": utc(2026, 11, 30).isoformat(), "comment": ""},
                          headers={"Idempotency-Key": str(uuid.uuid4())})
    assert r.status_code in (200, 201), r.text
    await Reading.update({Reading.status: "accepted"}).where(Reading.meter == new_id)  # whatever the plausibility said

    # billing adds the replaced meter (last reading to the final one) and its successor (initial to 5 m³)
    result = await run_billing(settings, "2026-11", issue_date=date(2026, 12, 1), notify=False, reminders=False)
    assert result.invoices == 1
    rows = await BilledMeter.select().order_by(BilledMeter.serial)
    billed = {r["serial"]: (r["previous_litres"], r["current_litres"]) for r in rows}
    old_serial = old["serial"]
    assert billed == {old_serial: (100_000, 110_000), "NEW-0001": (0, 5_000)}
    doc = await Document.select().where(Document.kind == "invoice").first()
    assert doc["customer"] is not None


async def test_import_ends_a_meter_when_a_new_serial_is_installed_on_its_point(client, office, tmp_path, settings):
    from backend.customers import registry
    from backend.customers.registry_file import COLUMNS, REMOVAL_COLUMNS, read_table

    header = ";".join(c for c in COLUMNS if c not in REMOVAL_COLUMNS)

    def row(serial: str, installed: str, initial: str = "0") -> str:
        return (f"620001;Anna Wiśniewska;;;ul. Lipowa;7;19-400;Olecko;1;P-9;;;;;;{serial};main;5;{installed};"
                f"2031-01-01;{initial}")

    async def run(lines):
        path = tmp_path / "r.csv"
        path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
        plan = await registry.run(registry.validate(read_table(path)), False, date(2026, 12, 1), write=True)
        assert not plan.errors, plan.errors
        return plan

    await add_tariff("Taryfa", date(2024, 1, 1), 344, 559, 386)
    await run([row("IMP-1", "2024-01-01", "50")])
    old = await Meter.select().where(Meter.serial == "IMP-1").first()
    await Reading.insert(Reading(meter=old["id"], value_litres=60_000, captured_at=utc(2026, 10, 31)))
    await Reading.insert(Reading(meter=old["id"], value_litres=64_000, captured_at=utc(2026, 11, 9)))
    plan = await run([row("IMP-2", "2026-11-10", "0,5")])
    assert plan.add["meter"] == ["IMP-2"]
    assert [(c.key, c.fields["removed_on"][1]) for c in plan.change["meter"]] == [("IMP-1", date(2026, 11, 10))]
    old = await Meter.select().where(Meter.serial == "IMP-1").first()
    new = await Meter.select().where(Meter.serial == "IMP-2").first()
    assert (old["active"], old["removed_on"], new["active"]) == (False, date(2026, 11, 10), True)
    assert new["service_point"] == old["service_point"]
    again = await run([row("IMP-2", "2026-11-10", "0,5")])
    assert again.empty  # the same file again changes nothing
    point = await ServicePoint.select().where(ServicePoint.code == "P-9").first()
    from backend.audit.tables import AuditEntry

    entry = await AuditEntry.select().where(AuditEntry.action == "meter.exchange").first()
    assert entry["object_id"] == str(old["id"]) and str(entry["customer_id"]) == str(point["customer"])
    await Reading.insert(Reading(meter=new["id"], value_litres=3_500, captured_at=utc(2026, 11, 29)))
    result = await run_billing(settings, "2026-11", issue_date=date(2026, 12, 1), notify=False, reminders=False)
    assert result.invoices == 1
    billed = {r["serial"]: (r["previous_litres"], r["current_litres"])
              for r in await BilledMeter.select().where(BilledMeter.serial.is_in(["IMP-1", "IMP-2"]))}
    assert billed == {"IMP-1": (60_000, 64_000), "IMP-2": (500, 3_500)}


async def test_import_exchange_with_the_final_reading_bills_the_old_meter_up_to_it(client, office, tmp_path,
                                                                                   settings):
    """The billing system's file says IMP-1 was taken off on 10.11.2026 at 65,250 m³ and IMP-2 put on
    (issue 13.4): the final reading is recorded as the office's exchange records it, and billing bills
    IMP-1 from its last reading to the final one, then IMP-2 from its initial value."""
    from backend.audit.tables import AuditEntry
    from backend.customers import registry
    from backend.customers.registry_file import COLUMNS, read_table
    from backend.readings.services import registry_readings

    header = ";".join(COLUMNS)

    def row(serial: str, installed: str, initial: str = "0", removed: str = "", final: str = "") -> str:
        return (f"620001;Anna Wiśniewska;;;ul. Lipowa;7;19-400;Olecko;1;P-9;;;;;;{serial};main;5;{installed};"
                f"2031-01-01;{initial};{removed};{final}")

    async def run(lines, name="r.csv"):
        path = tmp_path / name
        path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
        plan = await registry.run(registry.validate(read_table(path)), False, date(2026, 12, 1), write=True,
                                  actor="cli", readings=registry_readings)
        assert not plan.errors, [e.reason for e in plan.errors]
        return plan

    await add_tariff("Taryfa", date(2024, 1, 1), 344, 559, 386)
    await run([row("IMP-1", "2024-01-01", "50")])
    old = await Meter.select().where(Meter.serial == "IMP-1").first()
    await Reading.insert(Reading(meter=old["id"], value_litres=60_000, captured_at=utc(2026, 10, 31)))
    await Reading.insert(Reading(meter=old["id"], value_litres=64_000, captured_at=utc(2026, 11, 9)))
    exchange = [row("IMP-1", "2024-01-01", "50", "10.11.2026", "65,250"), row("IMP-2", "2026-11-10", "0,5")]
    plan = await run(exchange)
    assert plan.add["meter"] == ["IMP-2"]
    [change] = plan.change["meter"]
    assert (change.key, change.fields) == ("IMP-1", {
        "removed_on": (None, date(2026, 11, 10)), "active": (True, False), "final_litres": (None, 65_250),
        "replaced_by": (None, "IMP-2")})
    old = await Meter.select().where(Meter.serial == "IMP-1").first()
    assert (old["active"], old["removed_on"]) == (False, date(2026, 11, 10))
    [final] = await Reading.select().where((Reading.meter == old["id"]) & (Reading.value_litres == 65_250))
    assert (final["source"], final["status"]) == ("import", "accepted")
    assert final["captured_at"].astimezone(WARSAW).date() == date(2026, 11, 10)  # the end of the removal day
    entry = await AuditEntry.select().where(AuditEntry.action == "meter.exchange").first()
    assert entry["object_id"] == str(old["id"]) and entry["actor"] == "cli"
    # the same file again changes nothing and records no second final reading
    assert (await run(exchange, "again.csv")).empty
    assert await Reading.count().where(Reading.meter == old["id"]) == 3

    new = await Meter.select().where(Meter.serial == "IMP-2").first()
    await Reading.insert(Reading(meter=new["id"], value_litres=3_500, captured_at=utc(2026, 11, 29)))
    result = await run_billing(settings, "2026-11", issue_date=date(2026, 12, 1), notify=False, reminders=False)
    assert result.invoices == 1
    billed = {r["serial"]: (r["previous_litres"], r["current_litres"], r["consumption_litres"])
              for r in await BilledMeter.select().where(BilledMeter.serial.is_in(["IMP-1", "IMP-2"]))}
    # IMP-1: 60 -> 65.25 m³ (the final reading, not the last reading of 64 m³); IMP-2: 0.5 -> 3.5 m³
    assert billed == {"IMP-1": (60_000, 65_250, 5_250), "IMP-2": (500, 3_500, 3_000)}


async def test_fold_sql_folds_polish_capitals_whatever_the_database_locale():
    # PostgreSQL's lower() leaves "Ł" as it is under a C collation (a database made with LC_CTYPE C)
    from backend.core.db import fold, fold_sql, is_postgres, rows

    text = "ŁUCJA ŚLĘZAK z Żywca"
    literal = f"'{text}' COLLATE \"C\"" if is_postgres() else f"'{text}'"
    [(folded,)] = await rows(f"SELECT {fold_sql(literal)}")
    assert folded == fold(text) == "lucja slezak z zywca"
