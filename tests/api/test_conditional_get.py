"""Conditional GET on the JSON the app loads on start: ETag, 304 while nothing changed for that
person, a new body after any write (their own, the office's through another server process), and
never a tag of one account that validates another account's copy."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.support import log_in, make_customer, make_user

START = ["/api/dashboard", "/api/meters", "/api/settlements", "/api/outages", "/api/me"]
NOW = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


@pytest.fixture
async def office(settings) -> AsyncIterator[httpx.AsyncClient]:
    """The office's browser, served by a second app instance (another server process) on the same database."""
    from backend.app import create_app

    await make_user(settings, "biuro@example.com", role="staff")
    app = create_app(settings, manage_resources=False)
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50001))
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as c:
        await c.get("/api/config")
        c.headers["X-CSRFToken"] = c.cookies["csrftoken"]
        await log_in(c, "biuro@example.com")
        yield c


async def tags(client: httpx.AsyncClient) -> dict[str, str]:
    out = {}
    for path in START:
        r = await client.get(path)
        assert r.status_code == 200, (path, r.text)
        assert r.headers["etag"].startswith('W/"'), path
        out[path] = r.headers["etag"]
    return out


async def revalidate(client: httpx.AsyncClient, path: str, tag: str) -> httpx.Response:
    return await client.get(path, headers={"If-None-Match": tag})


async def test_unchanged_answers_304_without_a_body(client, settings):
    customer = await make_customer()
    await make_user(settings, "ola@example.com", customer_id=customer["id"])
    await log_in(client, "ola@example.com")
    for path, tag in (await tags(client)).items():
        r = await revalidate(client, path, tag)
        assert r.status_code == 304, path
        assert r.content == b"" and r.headers["etag"] == tag
        assert r.headers["cache-control"] == "no-store"  # the app keeps its own copy; the browser's cache none
        # a list of tags, one of them current, and the strong form of the weak tag also match (RFC 9110 weak comparison)
        assert (await revalidate(client, path, f'W/"0", {tag.removeprefix("W/")}')).status_code == 304
        stale = await revalidate(client, path, 'W/"00000000000000000000000000000000"')
        assert stale.status_code == 200 and stale.headers["etag"] == tag


async def test_own_write_changes_the_tag_and_the_body(client, settings):
    customer = await make_customer()
    await make_user(settings, "ola@example.com", customer_id=customer["id"])
    await log_in(client, "ola@example.com")
    before = await tags(client)
    r = await client.post("/api/readings", data={"meter_id": customer["meter_id"], "value": "12,345",
                                                  "captured_at": NOW.isoformat()},
                          headers={"Idempotency-Key": str(uuid.uuid4())})
    assert r.status_code == 201, r.text
    for path in ("/api/dashboard", "/api/meters"):
        r = await revalidate(client, path, before[path])
        assert r.status_code == 200 and r.headers["etag"] != before[path], path
    dashboard = (await client.get("/api/dashboard")).json()
    meter = dashboard["customers"][0]["service_points"][0]["meters"][0]
    assert meter["last_reading"]["value_litres"] == 12345
    assert (await revalidate(client, "/api/me", before["/api/me"])).status_code == 304  # unrelated: still valid
    r = await client.patch("/api/me", json={"language": "en"})
    assert r.status_code == 200
    r = await revalidate(client, "/api/me", before["/api/me"])
    assert r.status_code == 200 and r.json()["language"] == "en"


async def test_a_write_by_the_office_elsewhere_changes_the_tag(client, settings, office):
    customer = await make_customer(street="ul. Lipowa", house_number="7")
    await make_user(settings, "ola@example.com", customer_id=customer["id"])
    await log_in(client, "ola@example.com")
    before = await tags(client)
    outage = (await office.post("/api/staff/outages", json={
        "kind": "failure", "title": "Awaria sieci wodociągowej", "description": "Pękła rura.",
        "starts_at": (NOW - timedelta(hours=1)).isoformat(), "expected_end": (NOW + timedelta(hours=5)).isoformat(),
        "water_point": "Beczkowóz przy ul. Kolejowej",
        "area": {"town": "Olecko", "streets": [{"street": "ul. Lipowa"}]}})).json()
    assert (await revalidate(client, "/api/outages", before["/api/outages"])).status_code == 304  # a draft shows nowhere
    assert (await office.post(f"/api/staff/outages/{outage['id']}/publish")).status_code == 200
    for path in ("/api/outages", "/api/dashboard"):
        r = await revalidate(client, path, before[path])
        assert r.status_code == 200 and r.headers["etag"] != before[path], path
        assert "Awaria sieci wodociągowej" in r.text
    assert (await revalidate(client, "/api/meters", before["/api/meters"])).status_code == 304


async def test_another_accounts_tag_never_validates(client, settings):
    """Two accounts of one household see the same customer: the same data, yet a tag kept from one
    (a shared phone, the next person logging in) makes the server send the other its own answer."""
    customer = await make_customer()
    await make_user(settings, "ola@example.com", customer_id=customer["id"], name="Ola")
    await make_user(settings, "jan@example.com", customer_id=customer["id"], name="Ola")
    await log_in(client, "ola@example.com")
    hers = await tags(client)
    ola: dict[str, Any] = (await client.get("/api/me")).json()
    await client.delete("/api/session")
    await log_in(client, "jan@example.com")
    for path, tag in hers.items():
        r = await revalidate(client, path, tag)
        assert r.status_code == 200 and r.headers["etag"] != tag, path
    assert (await client.get("/api/me")).json()["id"] != ola["id"]
    await client.delete("/api/session")
    anonymous = await revalidate(client, "/api/outages", hers["/api/outages"])
    assert anonymous.status_code == 200
    assert (await revalidate(client, "/api/dashboard", hers["/api/dashboard"])).status_code == 401
