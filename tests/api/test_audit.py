"""The audit log of staff actions (issue 17.5, issue 13.6): each hooked action leaves an entry with
who, what, before and after; the office searches it; no endpoint changes or deletes an entry; the
retention purge removes only old ones."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from backend.audit import services as audit
from backend.audit.domain import DOMAIN, PURGE, handlers
from backend.audit.tables import AuditEntry
from backend.core.clock import today_in_warsaw
from backend.core.db import transaction
from backend.customers.tables import Customer
from backend.readings.tables import Reading
from tests.pdfs import real_pdf
from tests.support import PASSWORD, log_in, make_customer, make_user


async def entries(**query) -> list[dict]:
    page = await audit.search(**query, limit=200)
    return [msgspec_dict(e) for e in page.entries]


def msgspec_dict(e) -> dict:
    import msgspec

    return msgspec.structs.asdict(e)


async def staff(client, settings, email="biuro@example.com") -> str:
    user_id = await make_user(settings, email, role="staff", name="Barbara Biuro")
    await log_in(client, email)
    return user_id


async def test_record_inside_a_transaction_rolls_back_with_it(client):
    customer = await make_customer(number="300001")
    try:
        async with transaction():
            await audit.record("cli", "customer.update", "customer", customer["id"], {"name": "A"}, {"name": "B"},
                               customer_id=customer["id"])
            raise RuntimeError("the change failed")
    except RuntimeError:
        pass
    assert await AuditEntry.count() == 0
    async with transaction():
        await audit.record("cli", "customer.update", "customer", customer["id"], {"name": "A"}, {"name": "B"},
                           customer_id=customer["id"])
    [e] = await entries()
    assert (e["actor"], e["actor_id"], e["before"], e["after"]) == ("cli", None, {"name": "A"}, {"name": "B"})


async def test_staff_search_by_actor_action_object_and_dates_residents_get_404(client, settings):
    customer = await make_customer(number="300002")
    await make_user(settings, "ola@example.com", customer_id=customer["id"])
    await log_in(client, "ola@example.com")
    assert (await client.get("/api/staff/audit")).status_code == 404
    r = await client.patch(f"/api/profile/customers/{customer['id']}", json={
        "street": "ul. Nowa", "house_number": "5", "postcode": "19-400", "town": "Olecko", "phone": "600100200"})
    assert r.status_code == 200, r.text
    await client.delete("/api/session")
    staff_id = await staff(client, settings)
    r = await client.post("/api/staff/users", json={"email": "inkasent@example.com", "name": "Igor", "role": "inspector"})
    assert r.status_code == 201

    page = (await client.get("/api/staff/audit")).json()
    assert [e["action"] for e in page["entries"]] == ["account.create", "customer.update"]
    assert page["actions"] == ["account.create", "customer.update"] and page["more"] is False
    correction = page["entries"][1]
    assert correction["actor"] == "ola@example.com" and correction["object_id"] == customer["id"]
    assert correction["before"] == {"street": "ul. Testowa", "house_number": "1", "phone": ""}
    assert correction["after"] == {"street": "ul. Nowa", "house_number": "5", "phone": "600100200"}
    assert correction["customer_id"] == customer["id"]
    created = page["entries"][0]
    assert created["actor_id"] == staff_id and created["after"]["role"] == "inspector"

    async def found(**params) -> list[str]:
        r = await client.get("/api/staff/audit", params=params)
        assert r.status_code == 200, r.text
        return [e["action"] for e in r.json()["entries"]]

    assert await found(actor="biuro") == ["account.create"]
    assert await found(action="customer.update") == ["customer.update"]
    assert await found(object_id=customer["id"]) == ["customer.update"]
    assert await found(customer_id=customer["id"]) == ["customer.update"]
    assert await found(kind="account") == ["account.create"]
    today = today_in_warsaw()
    assert len(await found(since=today.isoformat(), until=today.isoformat())) == 2
    assert await found(since=(today + timedelta(days=1)).isoformat()) == []
    assert await found(until=(today - timedelta(days=1)).isoformat()) == []
    r = await client.get("/api/staff/audit", params={"since": "1.12.2026"})
    assert r.status_code == 400 and r.json()["field"] == "since"


async def test_no_endpoint_changes_or_deletes_entries(client, settings):
    from backend.app import create_app

    app = create_app(settings, manage_resources=False)
    methods = {m for route in app.routes if "audit" in route.path for m in getattr(route, "methods", ())}
    assert methods <= {"GET", "HEAD", "OPTIONS"}, methods
    await staff(client, settings)
    await audit.record("cli", "registry.import", "registry", "file.csv", None, {"customers": 1})
    [e] = (await client.get("/api/staff/audit")).json()["entries"]
    for method in ("PUT", "PATCH", "DELETE", "POST"):
        for path in ("/api/staff/audit", f"/api/staff/audit/{e['id']}"):
            r = await client.request(method, path, json={"after": {}})
            assert r.status_code in (404, 405), (method, path, r.status_code)
    assert (await client.get("/api/staff/audit")).json()["entries"] == [e]


async def test_purge_keeps_the_retention_daily(clean_db, settings):
    """Without the app (whose outbox worker could run a queued purge meanwhile)."""
    old = datetime.now(UTC) - timedelta(days=settings.audit_retention_days + 1)
    await audit.record("cli", "customer.update", "customer", "x", {"a": 1}, {"a": 2})
    await AuditEntry.insert(AuditEntry(id=uuid.uuid4(), at=old, actor="cli", action="customer.update",
                                       object_kind="customer", object_id="old"))
    assert PURGE in DOMAIN.daily_jobs  # queued once a day by whichever worker comes first
    await handlers(settings)[PURGE]({"day": "2026-12-02"})
    left = sorted(e["object_id"] for e in await entries())
    assert left == ["retention", "x"]  # the old one went; the purge itself is on record
    [purge] = await entries(action="audit.purge")
    assert purge["after"]["deleted"] == 1
    await handlers(settings)[PURGE]({"day": "2026-12-03"})
    assert len(await entries()) == 2  # nothing older: nothing deleted, nothing recorded


async def test_staff_actions_leave_entries(client, settings):
    """Tariffs, outages, documents, accounts, visits, review decisions, payments, billing runs,
    data exports and deletion requests: each leaves who, what and before/after."""
    customer = await make_customer(number="300003", email="jan@example.com")
    await make_user(settings, "jan@example.com", customer_id=customer["id"])
    await log_in(client, "jan@example.com")
    assert (await client.get("/api/my-data/export")).status_code == 200
    r = await client.post("/api/my-data/deletion", json={"password": PASSWORD, "reason": "Przeprowadzka"})
    assert r.status_code == 201, r.text
    await Reading.insert(Reading(meter=customer["meter_id"], value_litres=50_000, source="resident",
                                 captured_at=datetime.now(UTC) - timedelta(days=30)))
    r = await client.post("/api/readings", data={"meter_id": customer["meter_id"], "value": "40",
                                                  "captured_at": datetime.now(UTC).isoformat(), "comment": ""},
                          headers={"Idempotency-Key": str(uuid.uuid4())})
    flagged = r.json()
    assert flagged["status"] == "flagged", r.text
    await client.delete("/api/session")
    staff_id = await staff(client, settings)

    r = await client.post("/api/staff/billing/tariffs", json={
        "name": "Taryfa 2027", "valid_from": "2027-01-01", "water": "4,50", "sewage": "6,10", "fee": "3,86",
        "vat_pct": 8})
    assert r.status_code == 201, r.text
    tariff = r.json()
    assert (await client.delete(f"/api/staff/billing/tariffs/{tariff['id']}")).status_code == 204
    now = datetime.now(UTC)
    o = (await client.post("/api/staff/outages", json={
        "kind": "failure", "title": "Awaria", "description": "Pękła rura.", "starts_at": now.isoformat(),
        "expected_end": (now + timedelta(hours=5)).isoformat(), "water_point": "",
        "area": {"town": "Olecko", "streets": [{"street": "ul. Lipowa"}]}})).json()
    assert (await client.post(f"/api/staff/outages/{o['id']}/publish")).status_code == 200
    r = await client.put(f"/api/staff/outages/{o['id']}", json={
        "kind": "failure", "title": "Awaria magistrali", "description": "Pękła rura.", "starts_at": now.isoformat(),
        "expected_end": (now + timedelta(hours=5)).isoformat(), "water_point": "",
        "area": {"town": "Olecko", "streets": [{"street": "ul. Lipowa"}]}, "notify": False})
    assert r.status_code == 200, r.text
    assert (await client.post(f"/api/staff/outages/{o['id']}/close")).status_code == 200
    r = await client.post("/api/staff/documents", data={"customer_id": customer["id"], "title": "Umowa",
                                                        "category": "contract"},
                          files={"file": ("umowa.pdf", real_pdf(), "application/pdf")})
    assert r.status_code == 201, r.text
    doc = r.json()
    assert (await client.delete(f"/api/staff/documents/{doc['id']}")).status_code == 204
    r = await client.post("/api/staff/information", data={"title": "Cennik", "category": "price_list", "description": ""},
                          files={"file": ("cennik.pdf", real_pdf(), "application/pdf")})
    assert r.status_code == 201, r.text
    assert (await client.delete(f"/api/staff/information/{r.json()['id']}")).status_code == 204
    r = await client.post(f"/api/staff/readings/{flagged['id']}/review", json={"decision": "reject", "note": "Za nisko"})
    assert r.status_code == 200, r.text
    r = await client.post("/api/staff/visits", json={"reading_ids": [], "meter_ids": [customer["meter_id"]],
                                                     "access_note": "klucz u sąsiada"})
    assert r.status_code == 201, r.text
    r = await client.post("/api/staff/billing/runs", json={"period": "2026-10"})
    assert r.status_code == 201, r.text
    [request] = (await client.get("/api/staff/deletion-requests")).json()
    assert (await client.post(f"/api/staff/deletion-requests/{request['id']}/complete")).status_code == 204

    log = {e["action"]: e for e in await entries()}
    assert set(log) >= {"data.export", "tariff.create", "tariff.remove", "outage.create", "outage.publish",
                        "outage.update", "outage.close", "document.upload", "document.remove", "information.upload",
                        "information.remove", "reading.reject", "visits.plan", "billing.run", "deletion.complete"}
    assert log["data.export"]["actor"] == "jan@example.com" and log["data.export"]["customer_id"] == customer["id"]
    assert all(e["actor_id"] == staff_id for a, e in log.items() if a != "data.export")
    assert log["tariff.create"]["after"]["name"] == "Taryfa 2027" and log["tariff.remove"]["before"]["id"] == tariff["id"]
    assert (log["outage.update"]["before"], log["outage.update"]["after"]) == (
        {"title": "Awaria"}, {"title": "Awaria magistrali"})
    assert log["outage.close"]["after"] == {"status": "closed"}
    assert log["document.remove"]["before"]["title"] == "Umowa" and log["document.remove"]["customer_id"] == customer["id"]
    assert log["reading.reject"]["after"]["note"] == "Za nisko" and log["reading.reject"]["customer_id"] == customer["id"]
    assert log["visits.plan"]["after"]["meter_ids"] == [customer["meter_id"]]
    assert log["billing.run"]["object_id"] == "2026-10"
    assert log["deletion.complete"]["after"]["status"] == "done"


async def test_payment_assignment_and_statement_import_are_audited(client, settings):
    customer = await make_customer(number="400001")
    await staff(client, settings)
    text = ("Data księgowania;Kwota;Rachunek odbiorcy;Nadawca;Tytuł;Identyfikator\n"
            "2026-11-06;12,34;11 1020 3040 0000 0000 0000 0001;Ktoś;wpłata bez rachunku;TX3\n")
    r = await client.post("/api/staff/billing/statements", files={"file": ("w.csv", text.encode(), "text/csv")})
    assert r.status_code == 201, r.text
    [payment] = (await client.get("/api/staff/billing/unmatched")).json()
    r = await client.post(f"/api/staff/billing/unmatched/{payment['id']}/assign", json={"customer_number": "400001"})
    assert r.status_code == 200
    log = {e["action"]: e for e in await entries()}
    assert log["statement.import"]["after"]["unmatched"] == 1
    assert log["payment.assign"]["after"] == {"customer_number": "400001"}
    assert log["payment.assign"]["customer_id"] == customer["id"]


async def test_customer_correction_without_change_leaves_no_entry(client, settings):
    customer = await make_customer(number="300004")
    row = await Customer.select().where(Customer.id == customer["id"]).first()
    from backend.customers import services as customers

    changed = await customers.update_correspondence(customer["id"], {"street": row["street"]}, "cli")
    assert changed == {} and await AuditEntry.count() == 0


async def test_registry_import_records_every_change_with_before_and_after(client, tmp_path):
    from backend.customers import registry
    from backend.customers.registry_file import COLUMNS, REMOVAL_COLUMNS, read_table

    header = ";".join(c for c in COLUMNS if c not in REMOVAL_COLUMNS)
    rows = ["500001;Jan Kowalski;jan@example.com;600100200;ul. Lipowa;12;19-400;Olecko;1;P-1;;;;;;S-1;main;5;"
            "2024-03-01;2029-03-01;1,5",
            "500001;Jan Kowalski;jan@example.com;600100200;ul. Lipowa;12;19-400;Olecko;1;P-1;;;;;;S-2;sub;5;"
            "2024-03-01;2029-03-01;0"]

    async def run(lines, full=False):
        path = tmp_path / "r.csv"
        path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
        plan = await registry.run(registry.validate(read_table(path)), full, datetime(2026, 12, 1).date(), write=True,
                                  actor="cli")
        assert not plan.errors, plan.errors
        return plan

    await run(rows)
    customer_id = str((await Customer.select(Customer.id).first())["id"])
    log = await entries(customer_id=customer_id)
    assert sorted(e["action"] for e in log) == ["customer.add", "meter.add", "meter.add", "point.add"]
    added = next(e for e in log if e["action"] == "customer.add")
    assert added["actor"] == "cli" and added["after"]["key"] == "500001" and added["after"]["phone"] == "600100200"
    [summary] = await entries(action="registry.import")
    assert summary["after"]["add_customer"] == 1 and summary["after"]["add_meter"] == 2

    await run([rows[0].replace("600100200", "600999888")], full=True)
    log = {e["action"]: e for e in await entries(customer_id=customer_id)}
    assert (log["customer.update"]["before"], log["customer.update"]["after"]) == (
        {"key": "500001", "phone": "600100200"}, {"phone": "600999888"})
    assert log["meter.end"]["after"] == {"key": "S-2", "removed_on": "2026-12-01"}
