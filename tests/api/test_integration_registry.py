"""Registry upserts over the integration API (issue 14, item 2): JSON rows in the file import's
columns, the same rules and errors (one mechanism: customers.registry), dry runs, nothing half-applied."""

from __future__ import annotations

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
