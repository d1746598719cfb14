"""Registry upserts over the integration API (issue 14, item 2): JSON rows in the file import's
columns, the same rules and errors (one mechanism: customers.registry), dry runs, nothing half-applied."""

from __future__ import annotations

import json

import pytest

from backend.audit.tables import AuditEntry
from backend.customers.tables import Customer, Meter, ServicePoint
from tests.api.test_integration import bearer, new_token


@pytest.fixture
async def machine(client):
    import httpx

    async with httpx.AsyncClient(transport=client._transport, base_url=str(client.base_url)) as c:
        yield c


def row(serial: str = "WM-1", **over) -> dict:
    base = {"customer_number": "300001", "name": "Jan Kowalski", "email": "jan@example.com", "phone": "",
            "street": "ul. Lipowa", "house_number": "12", "postcode": "19-400", "town": "Olecko",
            "point_code": "P-1", "meter_serial": serial, "meter_kind": "main", "meter_digits": 5,
            "installed_on": "2024-03-01", "verification_due": "01.03.2029", "initial_reading": "123,456"}
    return base | over


async def counts() -> tuple[int, int, int]:
    return await Customer.count(), await ServicePoint.count(), await Meter.count()


async def post(machine, token, body):
    return await machine.post("/api/integration/registry", json=body, headers=bearer(token))


async def test_dry_run_then_apply_then_the_same_rows_change_nothing(machine):
    token = await new_token("erp", "registry:write")
    rows = [row(), row("WM-2", meter_kind="sub", initial_reading=0.5)]
    r = await post(machine, token, {"rows": rows, "dry_run": True})
    assert r.status_code == 200, r.text
    plan = r.json()
    assert plan["dry_run"] and not plan["applied"] and plan["add"] == {
        "customer": ["300001"], "point": ["P-1"], "meter": ["WM-1", "WM-2"]}
    assert await counts() == (0, 0, 0)

    r = await post(machine, token, {"rows": rows})
    assert r.status_code == 200 and r.json()["applied"]
    assert await counts() == (1, 1, 2)
    meter = await Meter.select(Meter.initial_litres).where(Meter.serial == "WM-2").first()
    assert meter["initial_litres"] == 500

    r = await post(machine, token, {"rows": rows})
    assert r.json()["unchanged"] and not r.json()["applied"]

    r = await post(machine, token, {"rows": [r | {"email": "nowy@example.com"} for r in rows]})
    assert r.json()["change"] == [{"kind": "customer", "key": "300001", "fields": {
        "email": {"before": "jan@example.com", "after": "nowy@example.com"}}}]
    assert (await Customer.select(Customer.email).first())["email"] == "nowy@example.com"
    entry = await AuditEntry.select().where(AuditEntry.action == "customer.update").first()
    assert entry is not None and entry["actor"] == "api:erp"  # the audit trail names the machine client


async def test_errors_name_row_and_column_and_nothing_is_half_applied(machine):
    token = await new_token("erp", "registry:write")
    rows = [row(), row("WM-2", postcode="19400"), row("WM-3", meter_digits=4, initial_reading="99999"),
            row("WM-4", colour="blue")]
    r = await post(machine, token, {"rows": rows})
    assert r.status_code == 422
    body = r.json()
    assert body["code"] == "registry_invalid" and body["error_count"] == 3
    assert {(e["row"], e["column"]) for e in body["errors"]} == {(2, "postcode"), (3, "initial_reading"), (4, "colour")}
    assert {e["code"] for e in body["errors"]} == {"postcode", "reading_digits", "column_unknown"}
    assert "does not fit a register of 4 digits" in next(e["reason"] for e in body["errors"] if e["row"] == 3)
    assert await counts() == (0, 0, 0)  # the good first row was not written either


async def test_a_serial_on_another_customers_point_is_refused_like_in_the_file_import(machine):
    token = await new_token("erp", "registry:write")
    assert (await post(machine, token, {"rows": [row()]})).status_code == 200
    other = row(customer_number="300002", point_code="P-2", name="Anna Nowak")
    r = await post(machine, token, {"rows": [row("WM-9"), other]})
    assert r.status_code == 422
    [error] = r.json()["errors"]
    assert error["row"] == 2 and error["column"] == "meter_serial" and "of customer 300001" in error["reason"]
    assert await counts() == (1, 1, 1)  # WM-9 of row 1 was not added


async def test_the_scope_is_required_and_the_body_is_checked(machine):
    readings_only = await new_token("feed", "readings:read")
    r = await post(machine, readings_only, {"rows": [row()]})
    assert r.status_code == 403 and r.json()["code"] == "scope_missing"
    r = await machine.post("/api/integration/registry", json={"rows": [row()]})
    assert r.status_code == 401 and r.json()["code"] == "token_invalid"
    token = await new_token("erp", "registry:write")
    assert (await post(machine, token, {"rows": []})).json()["code"] == "invalid_request"
    assert (await post(machine, token, {"rows": [row()], "full": True})).json()["code"] == "invalid_request"
    r = await post(machine, token, {"rows": [row(name=["a"])]})
    assert r.status_code == 400
    assert await counts() == (0, 0, 0)


async def test_the_openapi_schema_documents_the_registry_with_examples(machine):
    schema = (await machine.get("/api/schema/openapi.json")).json()
    op = schema["paths"]["/api/integration/registry"]["post"]
    assert op["security"] == [{"bearer": []}]
    assert op["requestBody"]["content"]["application/json"]["schema"]["examples"][0]["rows"][0]["meter_serial"]
    assert "examples" in op["responses"]["200"]["content"]["application/json"]
    assert "examples" in op["responses"]["422"]["content"]["application/json"]


async def test_while_the_office_imports_a_file_upserts_wait_but_dry_runs_do_not(client, machine, settings):
    from tests.api.test_registry import csv_text
    from tests.support import log_in, make_user

    await make_user(settings, "kartoteka@example.com", role="staff", name="Ola Biuro")
    await log_in(client, "kartoteka@example.com")
    r = await client.post("/api/staff/registry/imports", data={"full": ""},
                          files={"file": ("kartoteka.csv", csv_text().encode(), "text/csv")})
    assert r.status_code == 202, r.text  # the office holds the import lock until it applies or discards
    office_import = r.json()["id"]
    token = await new_token("erp", "registry:write")
    r = await post(machine, token, {"rows": [row()]})
    assert r.status_code == 409 and r.json()["code"] == "registry_busy" and r.json()["params"]["by"] == "Ola Biuro"
    assert (await post(machine, token, {"rows": [row()], "dry_run": True})).status_code == 200
    assert await counts() == (0, 0, 0)
    from tests.api.test_registry_office import run_jobs

    await run_jobs(settings)  # the check runs in the background; a file still being checked is not discarded
    assert (await client.post(f"/api/staff/registry/imports/{office_import}/discard")).status_code == 200
    assert (await post(machine, token, {"rows": [row()]})).status_code == 200


async def test_a_meter_exchange_with_its_final_reading_over_the_api(machine):
    """Rows take a meter off with removed_on and final_reading (issue 13.4), as a file does: the plan
    names the change, the final reading is recorded (source import), the rows again change nothing."""
    from backend.readings.tables import Reading

    token = await new_token("erp", "registry:write")
    assert (await post(machine, token, {"rows": [row()]})).json()["applied"]
    rows = [row(removed_on="2026-11-20", final_reading="130,5"),
            row("WM-9", installed_on="2026-11-20", verification_due="2032-11-20", initial_reading=0)]
    r = await post(machine, token, {"rows": [rows[0] | {"final_reading": "99"}, rows[1]], "dry_run": True})
    assert r.status_code == 422 and [(e["row"], e["column"], e["code"]) for e in r.json()["errors"]] == [
        (1, "final_reading", "final_below_initial")]
    r = await post(machine, token, {"rows": rows})
    assert r.status_code == 200 and r.json()["applied"], r.text
    [change] = r.json()["change"]
    assert (change["key"], change["fields"]["final_litres"], change["fields"]["replaced_by"]) == (
        "WM-1", {"before": None, "after": 130_500}, {"before": None, "after": "WM-9"})
    old = await Meter.select().where(Meter.serial == "WM-1").first()
    [final] = await Reading.select().where(Reading.meter == old["id"])
    assert (final["value_litres"], final["source"], final["submitted_by"]) == (130_500, "import", None)
    assert (await post(machine, token, {"rows": rows})).json()["unchanged"]


# --- partial updates by the utility's keys (PATCH /customers/{number}, /meters/{serial}) ----------


async def contact_events() -> list[dict]:
    from backend.webhooks.tables import WebhookEvent

    found = await WebhookEvent.select(WebhookEvent.payload).where(WebhookEvent.type == "customer.contact_changed")
    return [(json.loads(e["payload"]) if isinstance(e["payload"], str) else e["payload"])["data"] for e in found]


@pytest.fixture
async def hooked(settings):
    """An endpoint that wants customer.contact_changed: the events are then stored with the change."""
    from backend.webhooks import services as webhooks

    await webhooks.create_endpoint(settings, "https://127.0.0.1:9/hook", ["customer.contact_changed"])


async def test_a_customer_patch_changes_only_the_given_fields_with_audit_and_webhook(machine, hooked):
    token = await new_token("erp", "registry:write")
    assert (await post(machine, token, {"rows": [row(phone="+48 600 100 200")]})).json()["applied"]
    before = await Customer.select().first()
    r = await machine.patch("/api/integration/customers/300001", headers=bearer(token),
                            json={"email": "jan.kowalski@example.com", "town": "Ełk", "name": None})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["applied"] and body["change"] == [{"kind": "customer", "key": "300001", "fields": {
        "email": {"before": "jan@example.com", "after": "jan.kowalski@example.com"},
        "town": {"before": "Olecko", "after": "Ełk"}}}]
    after = await Customer.select().first()
    assert {k for k in before if before[k] != after[k]} == {"email", "town"}
    assert after["contact_changed_at"] is None  # the billing system's own value: not newer in e-BOK
    entry = await AuditEntry.select().where(AuditEntry.action == "customer.update").first()
    after_json = json.loads(entry["after"]) if isinstance(entry["after"], str) else entry["after"]
    assert entry["actor"] == "api:erp" and after_json == {"email": "jan.kowalski@example.com", "town": "Ełk"}
    [event] = await contact_events()
    assert event["customer_number"] == "300001" and event["changed"] == {
        "email": "jan.kowalski@example.com", "town": "Ełk"}
    assert event["contact"]["phone"] == "+48 600 100 200" and event["contact"]["street"] == "ul. Lipowa"
    # the billing period and the name are registry data but no contact: audited, no event
    r = await machine.patch("/api/integration/customers/300001", headers=bearer(token),
                            json={"billing_period_months": 2, "name": "Jan Kowalski-Nowak"})
    assert r.status_code == 200 and len(r.json()["change"][0]["fields"]) == 2
    assert len(await contact_events()) == 1
    # the same values again change nothing
    r = await machine.patch("/api/integration/customers/300001", headers=bearer(token), json={"town": "Ełk"})
    assert r.json()["unchanged"] and not r.json()["applied"]


async def test_the_upsert_sends_the_contact_webhook_like_a_patch(machine, hooked):
    token = await new_token("erp", "registry:write")
    assert (await post(machine, token, {"rows": [row()]})).json()["applied"]
    assert await contact_events() == []  # a new customer: no change of contact data
    assert (await post(machine, token, {"rows": [row(postcode="19-401", name="Jan K.")]})).json()["applied"]
    [event] = await contact_events()
    assert event["changed"] == {"postcode": "19-401"} and event["contact"]["town"] == "Olecko"


async def test_a_bad_patch_answers_the_file_import_codes_and_changes_nothing(machine, hooked):
    token = await new_token("erp", "registry:write")
    assert (await post(machine, token, {"rows": [row()]})).json()["applied"]
    before = await Customer.select().first()
    r = await machine.patch("/api/integration/customers/300001", headers=bearer(token), json={
        "email": "nowy@example.com", "postcode": "19400", "street": "", "billing_period_months": 4})
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["code"] == "registry_invalid" and body["error_count"] == 3
    assert {(e["column"], e["code"]) for e in body["errors"]} == {
        ("postcode", "postcode"), ("street", "required"), ("billing_period_months", "billing_period")}
    assert all("row" not in e for e in body["errors"])
    assert await Customer.select().first() == before  # the good e-mail was not written either
    assert await contact_events() == []
    r = await machine.patch("/api/integration/customers/300001", headers=bearer(token), json={"colour": "blue"})
    assert r.status_code == 400 and r.json()["code"] == "invalid_request"
    r = await machine.patch("/api/integration/meters/WM-1", headers=bearer(token),
                            json={"verification_due": "31.02.2030", "meter_digits": 2})
    assert r.status_code == 422
    assert {(e["column"], e["code"]) for e in r.json()["errors"]} == {
        ("verification_due", "date"), ("meter_digits", "digits")}
    r = await machine.patch("/api/integration/meters/WM-1", headers=bearer(token),
                            json={"initial_reading": "100000"})  # does not fit the meter's 5 digits
    assert [(e["column"], e["code"]) for e in r.json()["errors"]] == [("initial_reading", "reading_digits")]
    meter = await Meter.select(Meter.digits, Meter.verification_due).first()
    assert meter["digits"] == 5 and str(meter["verification_due"]) == "2029-03-01"


async def test_unknown_keys_are_404_and_nothing_is_added(machine):
    token = await new_token("erp", "registry:write")
    r = await machine.patch("/api/integration/customers/999999", headers=bearer(token), json={"town": "Ełk"})
    assert r.status_code == 404 and r.json()["code"] == "unknown_customer"
    r = await machine.patch("/api/integration/meters/WM-0", headers=bearer(token), json={"meter_digits": 6})
    assert r.status_code == 404 and r.json()["code"] == "unknown_meter"
    assert await counts() == (0, 0, 0)


async def test_patches_need_the_registry_scope(machine):
    token = await new_token("erp", "registry:write")
    assert (await post(machine, token, {"rows": [row()]})).json()["applied"]
    feed = await new_token("feed", "readings:read")
    for path, body in (("customers/300001", {"town": "Ełk"}), ("meters/WM-1", {"meter_digits": 6})):
        r = await machine.patch(f"/api/integration/{path}", json=body)
        assert r.status_code == 401 and r.json()["code"] == "token_invalid"
        r = await machine.patch(f"/api/integration/{path}", json=body, headers=bearer(feed))
        assert r.status_code == 403 and r.json()["code"] == "scope_missing"
    customer = await Customer.select(Customer.town).first()
    meter = await Meter.select(Meter.digits).first()
    assert (customer["town"], meter["digits"]) == ("Olecko", 5)


async def test_a_meter_patch_changes_only_the_given_fields_and_a_removal_records_the_final_reading(machine):
    from backend.readings.tables import Reading

    token = await new_token("erp", "registry:write")
    assert (await post(machine, token, {"rows": [row()]})).json()["applied"]
    r = await machine.patch("/api/integration/meters/WM-1", headers=bearer(token),
                            json={"verification_due": "2030-03-01", "meter_digits": 6})
    assert r.status_code == 200, r.text
    assert r.json()["change"] == [{"kind": "meter", "key": "WM-1", "fields": {
        "digits": {"before": 5, "after": 6}, "verification_due": {"before": "2029-03-01", "after": "2030-03-01"}}}]
    meter = await Meter.select().first()
    assert (meter["digits"], str(meter["verification_due"]), meter["initial_litres"], meter["active"]) == (
        6, "2030-03-01", 123_456, True)
    # a removal by the file import's rules: the final reading below the initial one is refused
    r = await machine.patch("/api/integration/meters/WM-1", headers=bearer(token),
                            json={"removed_on": "2026-11-20", "final_reading": "99"})
    assert r.status_code == 422 and [e["code"] for e in r.json()["errors"]] == ["final_below_initial"]
    r = await machine.patch("/api/integration/meters/WM-1", headers=bearer(token), json={"final_reading": "130"})
    assert [e["code"] for e in r.json()["errors"]] == ["final_without_removal"]
    assert (await Meter.select(Meter.active).first())["active"] and await Reading.count() == 0
    r = await machine.patch("/api/integration/meters/WM-1", headers=bearer(token),
                            json={"removed_on": "2026-11-20", "final_reading": "130,5"})
    assert r.status_code == 200, r.text
    [change] = r.json()["change"]
    assert change["fields"]["final_litres"] == {"before": None, "after": 130_500}
    meter = await Meter.select().first()
    assert (str(meter["removed_on"]), meter["active"]) == ("2026-11-20", False)
    [final] = await Reading.select()
    assert (final["value_litres"], final["source"]) == (130_500, "import")
    entry = await AuditEntry.select().where(AuditEntry.action == "meter.end").first()
    assert entry is not None and entry["actor"] == "api:erp"


async def test_a_final_reading_below_the_last_one_in_e_bok_is_refused(machine):
    from backend.readings import services as readings

    token = await new_token("erp", "registry:write")
    assert (await post(machine, token, {"rows": [row(installed_on="2024-03-01")]})).json()["applied"]
    meter = await Meter.select().first()
    from datetime import date
    await readings.registry_readings.record_final(str(meter["id"]), 140_000, date(2026, 11, 2), "cli")
    r = await machine.patch("/api/integration/meters/WM-1", headers=bearer(token),
                            json={"removed_on": "2026-11-20", "final_reading": "130,5"})
    assert r.status_code == 422 and [(e["column"], e["code"]) for e in r.json()["errors"]] == [
        ("final_reading", "final_below_last")]
    r = await machine.patch("/api/integration/meters/WM-1", headers=bearer(token),
                            json={"removed_on": "2026-11-01", "final_reading": "150"})
    assert [(e["column"], e["code"]) for e in r.json()["errors"]] == [("removed_on", "removed_before_reading")]
    assert (await Meter.select(Meter.active).first())["active"]


async def test_a_contact_changed_in_e_bok_is_kept_and_reported_by_a_patch(machine, hooked):
    from backend.customers import services as customers

    token = await new_token("erp", "registry:write")
    assert (await post(machine, token, {"rows": [row()]})).json()["applied"]
    jan = await Customer.select().first()
    await customers.update_correspondence(str(jan["id"]), {"street": "ul. Polna", "house_number": "9"})
    r = await machine.patch("/api/integration/customers/300001", headers=bearer(token),
                            json={"street": "ul. Lipowa", "name": "Jan Kowalski-Nowak"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert [(c["field"], c["ebok"], c["given"]) for c in body["conflicts"]] == [("street", "ul. Polna", "ul. Lipowa")]
    assert body["change"][0]["fields"] == {"name": {"before": "Jan Kowalski", "after": "Jan Kowalski-Nowak"}}
    jan = await Customer.select().first()
    assert (jan["street"], jan["name"]) == ("ul. Polna", "Jan Kowalski-Nowak") and jan["contact_changed_at"]
    # agreeing on a few fields does not tell the billing system has the others: the mark stays
    r = await machine.patch("/api/integration/customers/300001", headers=bearer(token), json={"street": "ul. Polna"})
    assert r.json()["unchanged"] and (await Customer.select().first())["contact_changed_at"] is not None
    # all of them agreeing does: the billing system is the source again
    r = await machine.patch("/api/integration/customers/300001", headers=bearer(token), json={
        "street": "ul. Polna", "house_number": "9", "postcode": "19-400", "town": "Olecko", "email": "jan@example.com",
        "phone": ""})
    assert list(r.json()["change"][0]["fields"]) == ["contact_changed_at"]
    assert (await Customer.select().first())["contact_changed_at"] is None


async def test_a_point_moved_to_another_customer_is_named_in_the_plan_as_the_file_import_does(machine):
    """The file import's rules: a point follows the file to another customer (a property changing
    hands: the change names `customer`), a meter never moves onto another customer's point."""
    token = await new_token("erp", "registry:write")
    assert (await post(machine, token, {"rows": [row()]})).status_code == 200
    anna = row(customer_number="300002", name="Anna Nowak")  # P-1 with WM-1, now Anna's
    r = await post(machine, token, {"rows": [anna], "dry_run": True})
    assert r.status_code == 200
    assert r.json()["add"]["customer"] == ["300002"] and r.json()["change"] == [{
        "kind": "point", "key": "P-1", "fields": {"customer": {"before": "300001", "after": "300002"}}}]
    assert await counts() == (1, 1, 1)
    # a meter of Jan's P-1 onto Anna's new point: refused whole, the row named, nothing applied
    r = await post(machine, token, {"rows": [row("WM-7"), row(customer_number="300002", name="Anna Nowak",
                                                               point_code="P-2")]})
    assert r.status_code == 422
    assert [(e["row"], e["column"], e["code"]) for e in r.json()["errors"]] == [(2, "meter_serial", "meter_elsewhere")]
    assert await counts() == (1, 1, 1)


async def test_the_openapi_schema_documents_the_patches_with_examples(machine):
    schema = (await machine.get("/api/schema/openapi.json")).json()
    for path in ("/api/integration/customers/{customer_number}", "/api/integration/meters/{meter_serial}"):
        op = schema["paths"][path]["patch"]
        assert op["security"] == [{"bearer": []}]
        assert op["requestBody"]["content"]["application/json"]["schema"]["examples"]
        for status in ("200", "404", "422"):
            assert "examples" in op["responses"][status]["content"]["application/json"], (path, status)


async def test_a_meter_on_a_point_without_a_code_is_updated_on_that_point(machine):
    """Points made before codes (the demo's) are keyed by their id in the plan: the meter stays there."""
    from tests.support import make_customer

    customer = await make_customer(number="300005")
    serial = (await Meter.select(Meter.serial).first())["serial"]
    token = await new_token("erp", "registry:write")
    r = await machine.patch(f"/api/integration/meters/{serial}", headers=bearer(token),
                            json={"verification_due": "2031-01-01"})
    assert r.status_code == 200, r.text
    assert [c["kind"] for c in r.json()["change"]] == ["meter"] and r.json()["add"]["point"] == []
    meter = await Meter.select().first()
    assert (str(meter["service_point"]), str(meter["verification_due"])) == (customer["service_point_id"], "2031-01-01")
    assert (await ServicePoint.select(ServicePoint.code).first())["code"] is None


async def test_a_patch_opens_nothing_a_full_import_ended(machine):
    """A row listing an ended customer opens it again (the file's rule); a partial update only
    changes the fields it gives, of the customer or of a removed meter on an ended point."""
    from datetime import date

    token = await new_token("erp", "registry:write")
    assert (await post(machine, token, {"rows": [row(removed_on="2026-11-20")]})).json()["applied"]
    ended = date(2026, 11, 30)
    await Customer.update({Customer.ended_on: ended}).where(Customer.number == "300001")
    await ServicePoint.update({ServicePoint.ended_on: ended}).where(ServicePoint.code == "P-1")
    r = await machine.patch("/api/integration/customers/300001", headers=bearer(token), json={"town": "Ełk"})
    assert r.status_code == 200 and list(r.json()["change"][0]["fields"]) == ["town"], r.text
    r = await machine.patch("/api/integration/meters/WM-1", headers=bearer(token), json={"meter_digits": 6})
    assert r.status_code == 200 and [c["kind"] for c in r.json()["change"]] == ["meter"], r.text
    assert list(r.json()["change"][0]["fields"]) == ["digits"]
    customer = await Customer.select(Customer.town, Customer.ended_on).first()
    point = await ServicePoint.select(ServicePoint.ended_on).first()
    meter = await Meter.select(Meter.digits, Meter.removed_on, Meter.active).first()
    assert (customer["town"], str(customer["ended_on"]), str(point["ended_on"])) == ("Ełk", "2026-11-30", "2026-11-30")
    assert (meter["digits"], str(meter["removed_on"]), meter["active"]) == (6, "2026-11-20", False)


async def test_a_small_plan_reads_only_its_neighbourhood_and_plans_as_the_whole_registry_would(machine):
    """registry._keyed: an upsert reads the entries its rows name, the meters on their points and
    the customers of those points; what it reads is what the whole registry says of them, and an
    exchange still ends the meter the rows no longer list."""
    from backend.customers import registry

    token = await new_token("erp", "registry:write")
    others = [row(f"WM-1{n:02d}", customer_number=f"3001{n:02d}", point_code=f"P-1{n:02d}") for n in range(5)]
    r = await post(machine, token, {"rows": [row(), *others]})
    assert r.status_code == 200 and r.json()["applied"], r.text
    new = row("WM-9", installed_on="2026-11-20", verification_due="2032-11-20", initial_reading=0)
    records = registry.validate(registry_rows([new]))
    keyed, whole = await registry._state(records, keyed=True), await registry._state(records)
    assert [sorted(part) for part in keyed] == [["300001"], ["P-1"], ["WM-1"]]
    for part, every in zip(keyed, whole, strict=True):
        for key, entry in part.items():
            assert (entry.get("same"), entry["id"]) == (every[key].get("same"), every[key]["id"])
    r = await post(machine, token, {"rows": [new]})  # WM-1 is not listed: the new meter replaces it
    assert r.status_code == 200, r.text
    assert [(c["key"], c["fields"]["replaced_by"]["after"]) for c in r.json()["change"]] == [("WM-1", "WM-9")]
    assert (await Meter.select(Meter.active).where(Meter.serial == "WM-1").first())["active"] is False
    assert await Meter.count().where(Meter.active.eq(True)) == 6


def registry_rows(rows: list[dict]):
    from backend.customers.services import rows_table

    return rows_table(rows)
