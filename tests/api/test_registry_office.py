"""The registry import from the office's PWA (Kartoteka, issue 13.3): upload, the plan and the errors
(in Polish, all of them as CSV), apply as an outbox job with progress, one import at a time (a lock in
the database naming who imports), staff only; and the rules the import keeps for what residents did
in e-BOK (a newer correspondence address is kept and reported) and for ended customers (not found)."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import date

import pytest

from backend.app import outbox_handlers
from backend.audit.tables import AuditEntry
from backend.core.outbox import Worker
from backend.core.tables import OutboxJob
from backend.customers.tables import Customer, Meter
from backend.imports.services import APPLY_JOB, CHECK_JOB
from backend.imports.tables import RegistryLock
from tests.api.test_registry import HEADER, ROWS, csv_text
from tests.support import log_in, make_user

BAD_ROWS = [
    ROWS[0],
    ROWS[1].replace("19-400", "19400", 1),  # line 3: postcode
    ROWS[2].replace("2023-05-10", "2023-13-10"),  # line 4: installed_on
]


@pytest.fixture
async def office(client, settings):
    await make_user(settings, "anna@example.com", role="staff", name="Anna Nowak")
    await make_user(settings, "piotr@example.com", role="staff", name="Piotr Wiśniewski")
    return settings


async def run_jobs(settings) -> None:
    """Until the import's jobs are done: the app's own worker (settings.run_worker) may have taken them."""
    worker = Worker(outbox_handlers(settings))
    for _ in range(400):
        await worker.run_once()
        # the import's own jobs: a daily job queued for later today (reading reminders at 8:00) waits on purpose
        if not await OutboxJob.count().where(OutboxJob.status.is_in(["pending", "running"]),
                                             OutboxJob.kind.is_in([CHECK_JOB, APPLY_JOB])):
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the import's jobs did not finish")


async def upload(client, text: str | bytes, name: str = "kartoteka.csv", full: bool = False):
    data = text.encode("utf-8") if isinstance(text, str) else text
    return await client.post("/api/staff/registry/imports", data={"full": "1" if full else ""},
                             files={"file": (name, data, "text/csv")})


async def test_errors_on_their_lines_in_polish_then_the_corrected_file_applied(client, office):
    await log_in(client, "anna@example.com")
    r = await upload(client, csv_text(BAD_ROWS))
    assert r.status_code == 202, r.text
    imp = r.json()
    # checked in the background: the app's own worker may already have done it
    assert imp["status"] in ("checking", "refused") and (imp["mine"], imp["by_name"]) == (True, "Anna Nowak")
    await run_jobs(office)
    imp = (await client.get(f"/api/staff/registry/imports/{imp['id']}")).json()
    assert imp["status"] == "refused" and imp["errors_count"] == 2
    assert [(e["line"], e["column"]) for e in imp["errors"]] == [(3, "postcode"), (4, "installed_on")]
    assert imp["errors"][0]["reason"] == "„19400” nie jest kodem pocztowym NN-NNN"
    assert "nie jest datą" in imp["errors"][1]["reason"]
    assert await Customer.count() == 0
    # nothing to apply from a refused file
    r = await client.post(f"/api/staff/registry/imports/{imp['id']}/apply")
    assert (r.status_code, r.json()["code"]) == (409, "registry_import_not_ready")

    r = await client.get(f"/api/staff/registry/imports/{imp['id']}/errors.csv")
    assert r.status_code == 200 and r.headers["content-disposition"].startswith("attachment")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["wiersz", "kolumna", "kod", "powód"]
    assert [row[:3] for row in rows[1:]] == [["3", "postcode", "postcode"], ["4", "installed_on", "date"]]

    # the same person uploads the corrected file: it replaces the refused one
    r = await upload(client, csv_text())
    assert r.status_code == 202, r.text
    fixed = r.json()
    await run_jobs(office)
    fixed = (await client.get(f"/api/staff/registry/imports/{fixed['id']}")).json()
    assert fixed["status"] == "planned" and fixed["errors"] == []
    assert fixed["summary"]["add"] == {"customer": 2, "point": 2, "meter": 3}
    assert fixed["summary"]["listed"]["add"]["meter"] == ["WX1001", "WX1002", "WX1003"]
    assert await Customer.count() == 0  # planned, not applied
    r = await client.post(f"/api/staff/registry/imports/{fixed['id']}/apply")
    assert r.status_code == 202 and r.json()["status"] in ("applying", "done")
    await run_jobs(office)
    done = (await client.get(f"/api/staff/registry/imports/{fixed['id']}")).json()
    assert (done["status"], done["done"], done["total"], done["open"]) == ("done", 7, 7, False)
    assert await Customer.count() == 2 and await Meter.count() == 3
    assert await RegistryLock.count() == 0
    # the audit trail names who applied it
    entries = await AuditEntry.select().where(AuditEntry.action == "customer.add")
    assert len(entries) == 2 and {e["actor"] for e in entries} == {"Anna Nowak"}

    # the same file again: a plan with nothing to do
    again = (await upload(client, csv_text())).json()
    await run_jobs(office)
    again = (await client.get(f"/api/staff/registry/imports/{again['id']}")).json()
    assert again["status"] == "planned" and again["summary"]["add"] == {"customer": 0, "point": 0, "meter": 0}
    assert again["summary"]["change"] == {"customer": 0, "point": 0, "meter": 0}


async def test_one_import_at_a_time_the_second_person_is_told_who(client, office):
    await log_in(client, "anna@example.com")
    first = (await upload(client, csv_text())).json()
    await run_jobs(office)
    await log_in(client, "piotr@example.com")
    current = (await client.get("/api/staff/registry/imports/current")).json()
    assert current["lock"]["by"] == "Anna Nowak" and current["lock"]["mine"] is False and current["import"] is None
    r = await upload(client, csv_text())
    assert r.status_code == 409
    assert (r.json()["code"], r.json()["params"]["by"]) == ("registry_busy", "Anna Nowak")
    assert r.json()["params"]["since"] == current["lock"]["since"]
    # nor can he apply or discard hers
    for action in ("apply", "discard"):
        r = await client.post(f"/api/staff/registry/imports/{first['id']}/{action}")
        assert (r.status_code, r.json()["code"]) == (409, "registry_busy")
    await log_in(client, "anna@example.com")
    r = await client.post(f"/api/staff/registry/imports/{first['id']}/discard")
    assert r.status_code == 200 and r.json()["status"] == "discarded"
    await log_in(client, "piotr@example.com")
    assert (await client.get("/api/staff/registry/imports/current")).json()["lock"] is None
    assert (await upload(client, csv_text())).status_code == 202


async def test_whole_file_problems_in_polish_and_staff_only(client, office, settings):
    await log_in(client, "anna@example.com")
    cases = [
        (b"numer;nazwa\r\n1;a\r\n", "columns_missing", "brak wymaganych kolumn"),
        (b"\x00\x01binary\x00" * 100, "not_text", "to nie jest tabela tekstowa"),
        ((HEADER + "\r\n").encode() + "Zażółć gęślą jaźń".encode("iso-8859-2"), "iso_8859_2", "plik wygląda na"),
        ("Szanowni Państwo\nw załączeniu przesyłamy kartotekę\n".encode(), "no_columns", "to nie jest tabela"),
    ]
    for data, code, polish in cases:
        imp = (await upload(client, data)).json()
        await run_jobs(office)
        imp = (await client.get(f"/api/staff/registry/imports/{imp['id']}")).json()
        assert imp["status"] == "refused" and imp["problem"]["code"] == code, imp
        assert imp["problem"]["reason"].startswith(polish)
    dup = csv_text([ROWS[0], ROWS[0]])
    imp = (await upload(client, dup)).json()
    await run_jobs(office)
    imp = (await client.get(f"/api/staff/registry/imports/{imp['id']}")).json()
    assert [(e["line"], e["column"], e["code"]) for e in imp["errors"]] == [(3, "meter_serial", "meter_twice")]
    assert imp["errors"][0]["reason"] == "wodomierz WX1001 jest też w wierszu 2: jeden wiersz na wodomierz"
    r = await upload(client, b"")
    assert (r.status_code, r.json()["code"]) == (400, "registry_file_empty")

    # a resident does not find the endpoints; without the CSRF token nothing is accepted
    await make_user(settings, "jan@example.com")
    await log_in(client, "jan@example.com")
    assert (await client.get("/api/staff/registry/imports/current")).status_code == 404
    assert (await upload(client, csv_text())).status_code == 404
    await log_in(client, "anna@example.com")
    token = client.headers.pop("X-CSRFToken")
    try:
        assert (await upload(client, csv_text())).status_code == 403
    finally:
        client.headers["X-CSRFToken"] = token


async def test_a_newer_address_from_e_bok_is_kept_and_reported_until_the_billing_system_has_it(
        client, office, settings, tmp_path):
    from tests.api.test_registry import run, write

    await run(write(tmp_path, csv_text()))
    jan = await Customer.select().where(Customer.number == "200001").first()
    await make_user(settings, "jan@example.com", customer_id=str(jan["id"]))
    await log_in(client, "jan@example.com")
    r = await client.patch(f"/api/profile/customers/{jan['id']}", json={
        "street": "ul. Nowa", "house_number": "5", "postcode": "19-400", "town": "Olecko", "phone": "600100200"})
    assert r.status_code in (200, 204), r.text

    # the nightly file still has the old address: e-BOK keeps the resident's, the plan names the conflict
    plan = await run(write(tmp_path, csv_text()))
    assert plan.empty and [(c.key, c.field, c.ebok, c.file) for c in plan.conflicts] == [
        ("200001", "street", "ul. Nowa", "ul. Lipowa"), ("200001", "house_number", "5", "12")]
    jan = await Customer.select().where(Customer.number == "200001").first()
    assert (jan["street"], jan["house_number"]) == ("ul. Nowa", "5")
    await log_in(client, "anna@example.com")
    imp = (await upload(client, csv_text())).json()
    await run_jobs(office)
    imp = (await client.get(f"/api/staff/registry/imports/{imp['id']}")).json()
    assert imp["summary"]["conflicts_count"] == 2 and imp["summary"]["conflicts"][0]["ebok"] == "ul. Nowa"
    await client.post(f"/api/staff/registry/imports/{imp['id']}/discard")

    # the billing system takes the change: no conflict, and its later changes apply again
    caught_up = [r.replace("ul. Lipowa;12;", "ul. Nowa;5;", 1) if r.startswith("200001") else r for r in ROWS]
    plan = await run(write(tmp_path, csv_text(caught_up)))
    assert not plan.conflicts and [c.fields for c in plan.change["customer"]][0].keys() == {"contact_changed_at"}
    moved = [r.replace("ul. Nowa;5;", "ul. Polna;9;", 1) for r in caught_up]
    plan = await run(write(tmp_path, csv_text(moved)))
    assert not plan.conflicts
    jan = await Customer.select().where(Customer.number == "200001").first()
    assert (jan["street"], jan["house_number"], jan["contact_changed_at"]) == ("ul. Polna", "9", None)


async def test_customers_ended_by_a_full_import_are_not_found_by_the_office(client, office, tmp_path):
    from tests.api.test_registry import run, write

    await run(write(tmp_path, csv_text()))
    await run(write(tmp_path, csv_text([ROWS[0], ROWS[1]])), full=True)
    ended = await Customer.select().where(Customer.number == "200002").first()
    assert ended["ended_on"] == date(2026, 12, 1)
    await log_in(client, "anna@example.com")
    found = (await client.get("/api/staff/customers?q=Olecko")).json() + (
        await client.get("/api/staff/customers?q=200002")).json()
    assert {c["number"] for c in found} <= {"200001"}
    assert [c["number"] for c in (await client.get("/api/staff/customers?q=200001")).json()] == ["200001"]



async def test_uploads_are_stored_files_removed_when_refused_and_after_the_retention(client, office):
    from datetime import timedelta

    from backend.core import storage
    from backend.core.clock import now
    from backend.imports import services

    store = storage.from_settings(office)
    await log_in(client, "anna@example.com")
    bad = (await upload(client, csv_text(BAD_ROWS))).json()
    await run_jobs(office)
    # refused: the file is never applied, so it goes at once; the errors stay in the row
    assert not await store.exists(services.upload_key(bad["id"]))
    assert (await client.get(f"/api/staff/registry/imports/{bad['id']}/errors.csv")).status_code == 200

    good = (await upload(client, csv_text())).json()
    await run_jobs(office)
    assert (await client.get(f"/api/staff/registry/imports/{good['id']}")).json()["status"] == "planned"
    assert await store.get(services.upload_key(good["id"])) == csv_text().encode()
    assert await services.purge(office) == 0  # within the retention nothing goes
    assert await store.exists(services.upload_key(good["id"]))

    # left open longer than the retention: discarded, the lock freed, the file removed
    later = now() + timedelta(days=office.registry_upload_retention_days, minutes=1)
    assert await services.purge(office, at=later) == 1
    assert not await store.exists(services.upload_key(good["id"]))
    assert await RegistryLock.count() == 0
    imp = (await client.get(f"/api/staff/registry/imports/{good['id']}")).json()
    assert (imp["status"], imp["open"]) == ("discarded", False)


async def test_an_exchange_in_the_file_is_planned_with_its_final_reading_and_applied_by_the_office(client, office):
    """Kartoteka (issue 13.4): the plan lists "WX1001 ends on D with final reading V"; applied, the final
    reading is the office's (who applied it); a final reading below the initial one is refused in Polish."""
    from backend.accounts.tables import User
    from backend.readings.tables import Reading
    from tests.api.test_registry import FULL_HEADER, removal_rows

    await log_in(client, "anna@example.com")

    async def planned(text: str) -> dict:
        imp = (await upload(client, text)).json()
        await run_jobs(office)
        return (await client.get(f"/api/staff/registry/imports/{imp['id']}")).json()

    first = await planned(csv_text())
    await client.post(f"/api/staff/registry/imports/{first['id']}/apply")
    await run_jobs(office)
    low = await planned(csv_text(removal_rows("20.11.2026", "100,5"), header=FULL_HEADER))
    assert low["status"] == "refused"
    assert [(e["line"], e["column"], e["reason"]) for e in low["errors"]] == [
        (2, "final_reading", "odczyt końcowy 100,5 m³ jest niższy niż stan początkowy 123,456 m³")]

    new = ROWS[0].replace("WX1001", "WX1009").replace("2024-03-01;2029-03-01;123,456", "2026-11-20;2032-11-20;0")
    imp = await planned(csv_text([*removal_rows("20.11.2026", "130,5"), f"{new};;"], header=FULL_HEADER))
    assert imp["status"] == "planned", imp["errors"]
    assert imp["summary"]["listed"]["change"]["meter"] == [{
        "key": "WX1001", "fields": ["active", "final_litres", "removed_on", "replaced_by"],
        "ends": {"on": "2026-11-20", "final_litres": 130_500, "replaced_by": "WX1009"}}]
    await client.post(f"/api/staff/registry/imports/{imp['id']}/apply")
    await run_jobs(office)
    old = await Meter.select().where(Meter.serial == "WX1001").first()
    assert (old["active"], old["removed_on"]) == (False, date(2026, 11, 20))
    [final] = await Reading.select().where(Reading.meter == old["id"])
    anna = await User.select(User.id).where(User.email == "anna@example.com").first()
    assert (final["value_litres"], final["source"], final["submitted_by"]) == (130_500, "import", anna["id"])
    [entry] = await AuditEntry.select().where(AuditEntry.action == "meter.exchange")
    assert entry["actor"] == "Anna Nowak"
