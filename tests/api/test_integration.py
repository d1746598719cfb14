"""The integration API for machine clients (issue 14): tokens made with the real CLI, bearer
authentication (401/403/429, no session cookie, no CSRF), the readings feed walked by cursor, and
the readings export in each format read back."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import logging
import os
import sys
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import msgspec
import pytest
from openpyxl import load_workbook

from backend.core.clock import WARSAW
from backend.core.errors import ApiError
from backend.integration import services
from backend.readings import services as readings
from tests.api.test_readings import iso, post_reading
from tests.support import log_in, make_customer, make_user


async def ebok(*args: str) -> tuple[int, str, str]:
    """The real command line, in its own process, on the tests' database (DATABASE_URL, EBOK_DATA_DIR)."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "backend.cli", *args, env=os.environ.copy(),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await proc.communicate()
    return proc.returncode or 0, out.decode(), err.decode()


async def cli_token(name: str, *scopes: str) -> str:
    code, out, err = await ebok("token", "create", "--name", name, *[a for s in scopes for a in ("--scope", s)])
    assert code == 0, err
    return out.strip().splitlines()[-1]


async def new_token(name: str, *scopes: str) -> str:
    """What `ebok token create` calls (a process per token would make these tests minutes long)."""
    return await services.create_token(name, list(scopes))


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
async def machine(client):
    """A client of the same app with no cookies and no CSRF header: what a billing system is."""
    async with httpx.AsyncClient(transport=client._transport, base_url=str(client.base_url)) as c:
        yield c


@pytest.fixture
async def resident(client, settings):
    customer = await make_customer(number="500001")
    await make_user(settings, "ewa@example.com", customer_id=customer["id"])
    await log_in(client, "ewa@example.com")
    return customer


async def walk(machine, token: str, cursor: str | None = None, limit: int = 2) -> tuple[list[dict], str]:
    """Every page until an empty one; returns the entries and the cursor to store."""
    entries = []
    while True:
        params = {"limit": limit, **({"cursor": cursor} if cursor else {})}
        r = await machine.get("/api/integration/readings", params=params, headers=bearer(token))
        assert r.status_code == 200, r.text
        page = r.json()
        if not page["readings"]:
            assert page["next_cursor"] == cursor or cursor is None
            return entries, page["next_cursor"]
        entries += page["readings"]
        cursor = page["next_cursor"]


async def test_token_create_list_revoke_through_the_command_line(machine):
    token = await cli_token("billing-system", "readings:read", "payments:write")
    assert token.startswith("ebok_") and len(token) > 40
    code, out, _ = await ebok("token", "list")
    assert code == 0 and "billing-system" in out and "payments:write,readings:read" in out and "last used never" in out
    assert token not in out  # shown once, never again
    assert (await machine.get("/api/integration/readings", headers=bearer(token))).status_code == 200
    assert (await services.list_tokens())[0].last_used_at is not None
    code, _, err = await ebok("token", "create", "--name", "other", "--scope", "readings:write")
    assert code != 0 and "Unknown scope readings:write" in err
    with pytest.raises(ApiError, match="exists already"):
        await new_token("billing-system", "readings:read")
    code, out, _ = await ebok("token", "revoke", "billing-system")
    assert code == 0
    r = await machine.get("/api/integration/readings", headers=bearer(token))
    assert r.status_code == 401 and r.json()["code"] == "token_invalid" and r.json()["field"] is None
    assert (await services.list_tokens())[0].revoked_at is not None


async def test_401_without_or_with_a_wrong_token_403_without_the_scope(machine):
    token = await new_token("registry-only", "registry:write")
    r = await machine.get("/api/integration/readings")
    assert r.status_code == 401 and r.json()["code"] == "token_invalid" and "bearer" in r.headers["www-authenticate"].lower()
    r = await machine.get("/api/integration/readings", headers=bearer(token + "x"))
    assert r.status_code == 401
    r = await machine.get("/api/integration/readings", headers={"Authorization": f"Basic {token}"})
    assert r.status_code == 401
    r = await machine.get("/api/integration/readings", headers=bearer(token))
    assert r.status_code == 403 and r.json()["code"] == "scope_missing"


async def test_a_session_cookie_does_not_open_it_and_no_csrf_token_applies(client, machine, settings):
    await make_user(settings, "kierownik@example.com", role="staff")
    await log_in(client, "kierownik@example.com")
    r = await client.get("/api/integration/readings")  # the office's own logged-in session
    assert r.status_code == 401
    # a POST without any CSRF cookie or header reaches the router (405: no such method), not the CSRF check (403)
    token = await new_token("poster", "readings:read")
    r = await machine.post("/api/integration/readings", headers=bearer(token), json={})
    assert r.status_code == 405, r.text
    r = await machine.post("/api/readings", json={})  # elsewhere CSRF still applies
    assert r.status_code == 403


async def test_429_with_retry_after_when_a_client_floods(client, settings, machine, caplog):
    settings = msgspec.structs.replace(settings, integration_requests_per_minute=3)
    from backend.app import create_app

    app = create_app(settings, manage_resources=False)
    token = await new_token("flood", "readings:read")
    caplog.set_level(logging.DEBUG)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1:8000") as c:
        codes, limited = [], None
        for _ in range(8):  # two windows at most in this time: one of them overflows
            r = await c.get("/api/integration/readings", headers=bearer(token))
            codes.append(r.status_code)
            if r.status_code == 429:
                limited = r
                break
    assert limited is not None, codes
    assert codes.count(200) <= 6 and limited.json()["code"] == "rate_limited"
    assert 1 <= int(limited.headers["retry-after"]) <= 60
    other = await new_token("calm", "readings:read")  # the limit is per token
    assert (await machine.get("/api/integration/readings", headers=bearer(other))).status_code == 200
    assert token not in caplog.text and other not in caplog.text


async def test_the_feed_gives_every_reading_once_late_ones_and_status_changes_included(client, resident, machine,
                                                                                       settings):
    token = await new_token("billing", "readings:read")
    meter = resident["meter_id"]
    t0 = datetime.now(UTC)
    sent = []
    for i, days in enumerate((20, 10, 5)):
        r = await post_reading(client, meter, f"{100 + i * 5},000", captured_at=iso(t0 - timedelta(days=days)))
        assert r.status_code == 201, r.text
        sent.append(r.json())
    first, cursor = await walk(machine, token)
    assert [e["reading_id"] for e in first] == [s["id"] for s in sent]
    e = first[0]
    assert e["event"] == "received" and e["customer_number"] == "500001" and e["value_litres"] == 100_000
    assert e["value_m3"] == 100.0 and e["meter_serial"] and e["service_point_id"] == resident["service_point_id"]
    assert e["point_code"] is None  # no registry import gave this point a code
    assert e["source"] == "resident" and e["status"] == "accepted" and e["flags"] == []
    assert e["captured_at"] == sent[0]["captured_at"] and e["received_at"] == sent[0]["received_at"]

    # a phone that was offline for days sends a reading captured before all of them; the office
    # rejects it after the billing system has fetched it
    late = (await post_reading(client, meter, "99,000", captured_at=iso(t0 - timedelta(days=25)))).json()
    more, cursor = await walk(machine, token, cursor)
    assert [(x["reading_id"], x["event"], x["status"]) for x in more] == [(late["id"], "received", "accepted")]
    await client.delete("/api/session")
    await make_user(settings, "biuro2@example.com", role="staff")
    await log_in(client, "biuro2@example.com")
    r = await client.post(f"/api/staff/readings/{late['id']}/review", json={"decision": "reject", "note": "Za nisko"})
    assert r.status_code == 200, r.text
    changed, cursor = await walk(machine, token, cursor)
    assert [(x["reading_id"], x["event"], x["status"]) for x in changed] == [(late["id"], "status_changed", "rejected")]
    nothing, same = await walk(machine, token, cursor)
    assert nothing == [] and same == cursor
    # a consumer starting from scratch sees the whole history in the order e-BOK received it
    everything, _ = await walk(machine, token, limit=500)
    assert [(x["reading_id"], x["status"]) for x in everything] == [
        *((s["id"], "accepted") for s in sent), (late["id"], "accepted"), (late["id"], "rejected")]
    assert [x["seq"] for x in everything] == sorted(x["seq"] for x in everything)


async def test_concurrent_submissions_each_appear_once(client, settings, machine):
    token = await new_token("many", "readings:read")
    customers = [await make_customer(number=f"5100{i:02d}") for i in range(8)]
    for i, c in enumerate(customers):
        await make_user(settings, f"r{i}@example.com", customer_id=c["id"])
    clients = []
    for i in range(8):
        c = httpx.AsyncClient(transport=client._transport, base_url=str(client.base_url))
        await c.get("/api/config")
        c.headers["X-CSRFToken"] = c.cookies["csrftoken"]
        await log_in(c, f"r{i}@example.com")
        clients.append(c)
    try:
        answers = await asyncio.gather(*(post_reading(c, cust["meter_id"], "12,000")
                                         for c, cust in zip(clients, customers, strict=True)))
    finally:
        for c in clients:
            await c.aclose()
    assert all(a.status_code == 201 for a in answers)
    got, _ = await walk(machine, token, limit=3)
    assert sorted(x["reading_id"] for x in got) == sorted(a.json()["id"] for a in answers)


@pytest.mark.parametrize("cursor", ["garbage", "eyJ2IjoxLCJzZXEiOjk5OX0.AAAAAAAAAAAAAAAAAAAAAA", ""])
async def test_a_tampered_cursor_is_refused(machine, cursor):
    token = await new_token(f"t-{uuid.uuid4().hex[:6]}", "readings:read")
    r = await machine.get("/api/integration/readings", headers=bearer(token))
    good = r.json()["next_cursor"]
    payload, _, mac = good.partition(".")
    forged = (cursor or msgspec.json.encode({"v": 1, "seq": 10**6}).hex()) + "." + mac
    for bad in (cursor or forged, payload + "x." + mac, payload + "." + mac[:-1] + ("A" if mac[-1] != "A" else "B")):
        r = await machine.get("/api/integration/readings", params={"cursor": bad}, headers=bearer(token))
        assert r.status_code == 400 and r.json() == {"code": "cursor_invalid", "field": "cursor",
                                                     "message": r.json()["message"]}
    assert (await machine.get("/api/integration/readings", params={"cursor": good},
                              headers=bearer(token))).status_code == 200


async def test_the_openapi_schema_documents_the_feed_with_an_example(machine):
    schema = (await machine.get("/api/schema/openapi.json")).json()
    op = schema["paths"]["/api/integration/readings"]["get"]
    example = next(iter(op["responses"]["200"]["content"]["application/json"]["examples"].values()))
    assert example["value"]["readings"][0]["customer_number"] and "next_cursor" in example["value"]
    assert op["security"] == [{"bearer": []}] and schema["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


async def test_export_readings_in_each_format(client, resident, tmp_path):
    meter = resident["meter_id"]
    # noon on the 15th of last month: both readings fall in one month, whatever day the test runs
    month_start = datetime.now(WARSAW).replace(day=1, hour=12, minute=0, second=0, microsecond=0)
    when = (month_start - timedelta(days=16)).replace(day=15).astimezone(UTC)
    a = (await post_reading(client, meter, "123,456", captured_at=iso(when))).json()
    b = (await post_reading(client, meter, "1", captured_at=iso(when + timedelta(hours=1)))).json()  # flagged: lower
    assert a["status"] == "accepted" and b["status"] == "flagged"
    period = when.astimezone(WARSAW).strftime("%Y-%m")

    code, out, err = await ebok("export", "readings", "--period", period, "--out", str(tmp_path / "o.csv"))
    assert code == 0, err
    text = (tmp_path / "o.csv").read_bytes().decode()
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert [r["id_odczytu"] for r in rows] == [a["id"], b["id"]]
    assert rows[0]["numer_klienta"] == "500001" and rows[0]["wskazanie_m3"] == "123,456"
    assert rows[0]["data_odczytu"] == when.astimezone(WARSAW).strftime("%Y-%m-%d %H:%M:%S")
    assert rows[1]["status"] == "flagged" and rows[1]["flagi"]

    code, out, err = await ebok("export", "readings", "--period", period, "--format", "json", "--status", "flagged")
    assert code == 0, err
    [only] = json.loads(out)["readings"]
    assert only["reading_id"] == b["id"] and only["value_litres"] == 1000 and only["meter_serial"]

    code, _, err = await ebok("export", "readings", "--period", period, "--format", "xlsx", "--out",
                              str(tmp_path / "o.xlsx"))
    assert code == 0, err
    sheet = load_workbook(tmp_path / "o.xlsx").active
    values = list(sheet.values)
    assert values[0][0] == "numer_klienta" and len(values) == 3
    assert values[1][4] == 123.456 and values[1][6] == when.astimezone(WARSAW).replace(tzinfo=None)

    with pytest.raises(ApiError, match="YYYY-MM"):
        await readings.period_readings("2026-13")
    with pytest.raises(ApiError, match="Unknown status lost"):
        await readings.period_readings(period, ["lost"])
