"""Issue 14, the parts for people: the office downloads a month's readings with signed, expiring
photo links (also in the feed); a resident makes their own read-only token (Konto → Dostęp dla
aplikacji) that opens only their readings and balance, shown once, revocable."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import msgspec
import pytest
from openpyxl import load_workbook

from backend.core.clock import WARSAW
from backend.readings import services as readings
from tests.api.test_integration import bearer, new_token
from tests.api.test_readings import iso, jpeg, post_reading
from tests.support import log_in, make_customer, make_user


@pytest.fixture
async def machine(client):
    async with httpx.AsyncClient(transport=client._transport, base_url=str(client.base_url)) as c:
        yield c


@pytest.fixture
async def resident(client, settings):
    customer = await make_customer(number="610001")
    await make_user(settings, "ewa@example.com", customer_id=customer["id"])
    await log_in(client, "ewa@example.com")
    return customer


def last_month_noon() -> datetime:
    start = datetime.now(WARSAW).replace(day=1, hour=12, minute=0, second=0, microsecond=0)
    return (start - timedelta(days=16)).replace(day=15).astimezone(UTC)


async def test_the_office_downloads_a_month_with_photo_links_that_expire(client, settings, resident, machine):
    when = last_month_noon()
    a = (await post_reading(client, resident["meter_id"], "123,456", captured_at=iso(when), photo=jpeg())).json()
    b = (await post_reading(client, resident["meter_id"], "1", captured_at=iso(when + timedelta(hours=1)))).json()
    period = when.astimezone(WARSAW).strftime("%Y-%m")
    url = f"/api/staff/readings-export/?period={period}"
    assert (await client.get(url)).status_code == 404  # a resident: as if there were no such page
    await client.delete("/api/session")
    await make_user(settings, "biuro@example.com", role="staff")
    await log_in(client, "biuro@example.com")

    r = await client.get(url)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert f'filename="odczyty-{period}.csv"' in r.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(r.content.decode().lstrip("\ufeff")), delimiter=";"))
    assert [x["id_odczytu"] for x in rows] == [a["id"], b["id"]]
    link, no_link = rows[0]["link_do_zdjecia"], rows[1]["link_do_zdjecia"]
    assert link.startswith(f"{settings.base_url}/api/photo-links/{a['id']}?") and no_link == ""

    r = await client.get(f"{url}&format=json&status=flagged")
    [only] = r.json()["readings"]
    assert only["reading_id"] == b["id"] and only["photo_url"] is None
    r = await client.get(f"{url}&format=xlsx")
    sheet = load_workbook(io.BytesIO(r.content)).active
    values = list(sheet.values)
    assert values[0][-1] == "link_do_zdjecia" and values[1][-1] == link
    assert (await client.get(f"/api/staff/readings-export/?period={period}&format=pdf")).status_code == 400
    assert (await client.get("/api/staff/readings-export/?period=2026-13")).json()["code"] == "period_invalid"

    # the link opens the photo without a login; altered or expired, it is refused
    photo = await machine.get(link)
    assert photo.status_code == 200 and photo.headers["content-type"] == "image/jpeg" and photo.content[:2] == b"\xff\xd8"
    parts = urlsplit(link)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    for bad in ({**query, "sig": query["sig"][:-2] + ("AA" if query["sig"][-2:] != "AA" else "BB")},
                {**query, "expires": str(int(query["expires"]) + 86400)}):  # a longer life needs a new signature
        r = await machine.get(parts.path, params=bad)
        assert r.status_code == 403 and r.json()["code"] == "photo_link_invalid"
    r = await machine.get(f"/api/photo-links/{b['id']}", params=query)  # another reading's photo with this signature
    assert r.status_code == 403
    # a link issued by a server whose links live -1 days: expired when made
    old = readings.photo_link(msgspec.structs.replace(settings, photo_link_days=-1), a["id"])
    r = await machine.get(old.removeprefix(settings.base_url))
    assert r.status_code == 403 and r.json()["code"] == "photo_link_invalid"


async def test_the_feed_carries_the_photo_link(client, settings, resident, machine):
    a = (await post_reading(client, resident["meter_id"], "5", photo=jpeg())).json()
    token = await new_token("billing", "readings:read")
    page = (await machine.get("/api/integration/readings", headers=bearer(token))).json()
    [entry] = page["readings"]
    assert entry["reading_id"] == a["id"] and entry["photo_url"].startswith(f"{settings.base_url}/api/photo-links/")
    photo = await machine.get(entry["photo_url"].removeprefix(settings.base_url))
    assert photo.status_code == 200 and photo.headers["content-type"] == "image/jpeg"


async def test_a_resident_token_reads_only_their_own_readings_and_balance(client, settings, resident, machine):
    other = await make_customer(number="610002")
    await post_reading(client, resident["meter_id"], "12,345")
    r = await client.post("/api/account/app-tokens/", json={"name": "Home Assistant"})
    assert r.status_code == 201, r.text
    created = r.json()
    token = created["secret"]
    assert token.startswith("ebok_") and created["token"]["name"] == "Home Assistant"
    listed = (await client.get("/api/account/app-tokens/")).json()
    assert [t["name"] for t in listed] == ["Home Assistant"] and token not in json.dumps(listed)

    r = await machine.get("/api/integration/own/readings", headers=bearer(token))
    assert r.status_code == 200, r.text
    [meter] = r.json()["meters"]
    assert meter["meter_id"] == resident["meter_id"] and meter["customer_number"] == "610001"
    assert meter["last_reading"]["value_litres"] == 12_345 and meter["last_reading"]["value_m3"] == 12.345
    assert other["meter_id"] not in r.text
    r = await machine.get("/api/integration/own/balance", headers=bearer(token))
    assert r.status_code == 200 and r.json() == {"total_grosze": 0, "overdue_grosze": 0, "total_pln": 0.0}
    # nothing else: not the utility's feed, not a write
    assert (await machine.get("/api/integration/readings", headers=bearer(token))).status_code == 403
    # a machine token without own:read does not open the resident's paths
    billing = await new_token("billing", "readings:read")
    assert (await machine.get("/api/integration/own/readings", headers=bearer(billing))).status_code == 403
    # the session alone does not open them either
    assert (await client.get("/api/integration/own/readings")).status_code == 401
    # `ebok token list` shows the utility's tokens, not the residents'
    from backend.integration import services

    assert [t.name for t in await services.list_tokens()] == ["billing"]

    r = await client.delete(f"/api/account/app-tokens/{created['token']['id']}")
    assert r.status_code == 204
    assert (await client.get("/api/account/app-tokens/")).json() == []
    r = await machine.get("/api/integration/own/readings", headers=bearer(token))
    assert r.status_code == 401 and r.json()["code"] == "token_invalid"


async def test_another_resident_cannot_see_or_revoke_a_token(client, settings, resident):
    created = (await client.post("/api/account/app-tokens/", json={"name": "HA"})).json()
    other = await make_customer(number="610003")
    await make_user(settings, "adam@example.com", customer_id=other["id"])
    await client.delete("/api/session")
    await log_in(client, "adam@example.com")
    assert (await client.get("/api/account/app-tokens/")).json() == []
    assert (await client.delete(f"/api/account/app-tokens/{created['token']['id']}")).status_code == 404
    assert (await client.post("/api/account/app-tokens/", json={"name": ""})).json()["code"] == "name_invalid"
    for n in range(10):
        assert (await client.post("/api/account/app-tokens/", json={"name": f"t{n}"})).status_code == 201
    r = await client.post("/api/account/app-tokens/", json={"name": "one too many"})
    assert r.status_code == 409 and r.json()["code"] == "token_limit"


async def test_staff_get_no_own_token_and_a_csrf_token_is_needed(client, settings, resident):
    csrf = client.headers.pop("X-CSRFToken")
    r = await client.post("/api/account/app-tokens/", json={"name": "HA"})
    assert r.status_code == 403 and r.json()["code"] == "csrf"
    client.headers["X-CSRFToken"] = csrf
    await client.delete("/api/session")
    await make_user(settings, "biuro@example.com", role="staff")
    await log_in(client, "biuro@example.com")
    assert (await client.post("/api/account/app-tokens/", json={"name": "HA"})).status_code == 404
