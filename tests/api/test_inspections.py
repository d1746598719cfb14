"""The office's review queue, visits grouped into routes, and inspectors' results from the field."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import msgspec
import pytest

from backend.core.clock import today_in_warsaw
from backend.readings.tables import Reading
from tests.api.test_readings import add_reading, iso, jpeg, post_reading
from tests.support import log_in, make_customer, make_user


async def _setup(client, settings):
    """Two residents' customers on one street, an inspector, staff; one flagged reading each."""
    a = await make_customer(number="500001", street="ul. Lipowa", house_number="12")
    b = await make_customer(number="500002", street="ul. Lipowa", house_number="3")
    for c, email in ((a, "a@example.com"), (b, "b@example.com")):
        await make_user(settings, email, customer_id=c["id"])
        await add_reading(c["meter_id"], 50_000, datetime.now(UTC) - timedelta(days=30))
    inspector = await make_user(settings, "inkasent@example.com", role="inspector")
    other_inspector = await make_user(settings, "inny@example.com", role="inspector")
    await make_user(settings, "biuro@example.com", role="staff")
    readings = {}
    for c, email in ((a, "a@example.com"), (b, "b@example.com")):
        await log_in(client, email)
        readings[c["number"]] = (await post_reading(client, c["meter_id"], "40", photo=jpeg())).json()
        await client.delete("/api/session")
    return a, b, inspector, other_inspector, readings


async def test_queue_visits_route_and_results(client, settings):
    a, b, inspector, other, readings = await _setup(client, settings)
    await log_in(client, "biuro@example.com")
    queue = (await client.get("/api/staff/review")).json()
    ids = {q["reading_id"] for q in queue}
    assert {readings["500001"]["id"], readings["500002"]["id"]} <= ids
    item = next(q for q in queue if q["reading_id"] == readings["500001"]["id"])
    assert item["reasons"] == ["lower_than_last"] and item["previous_litres"] == 50_000 and item["has_photo"]
    assert item["address"] == "ul. Lipowa 12, 19-400 Olecko" and item["visit_id"] is None

    r = await client.post("/api/staff/visits", json={"reading_ids": [readings["500001"]["id"], readings["500002"]["id"]],
                                                     "access_note": "Wejście od podwórza"})
    assert r.status_code == 201
    visit_ids = r.json()["visit_ids"]
    again = await client.post("/api/staff/visits", json={"reading_ids": [readings["500001"]["id"]]})
    assert again.json()["visit_ids"] == visit_ids[:1]  # not planned twice
    today = today_in_warsaw().isoformat()  # the app's day; the UTC date differs from 23:00/22:00 UTC on
    assert (await client.post("/api/staff/routes", json={"inspector_id": str(uuid.uuid4()), "day": today,
                                                        "visit_ids": visit_ids})).status_code == 400
    route = (await client.post("/api/staff/routes", json={"inspector_id": other, "day": today,
                                                         "street": "ul. Lipowa"})).json()
    assert [v["customer_number"] for v in route["visits"]] == ["500002", "500001"]  # no. 3 before no. 12
    assert route["total"] == 2 and route["done"] == 0
    route = (await client.patch(f"/api/staff/routes/{route['id']}", json={"inspector_id": inspector})).json()
    assert route["inspector_id"] == inspector
    await client.delete("/api/session")

    # the other inspector sees nothing of it; a resident cannot reach the inspector API at all
    await log_in(client, "inny@example.com")
    assert (await client.get("/api/inspector/routes")).json() == []
    r = await client.post(f"/api/inspector/visits/{visit_ids[0]}/result", data={"result": "confirmed", "value": "41",
                          "captured_at": iso(datetime.now(UTC))}, headers={"Idempotency-Key": str(uuid.uuid4())})
    assert r.status_code == 404
    await client.delete("/api/session")
    await log_in(client, "a@example.com")
    assert (await client.get("/api/inspector/routes")).status_code == 404
    await client.delete("/api/session")

    await log_in(client, "inkasent@example.com")
    [mine] = (await client.get("/api/inspector/routes")).json()
    visit_b, visit_a = mine["visits"]
    assert visit_a["resident_litres"] == 40_000 and visit_a["last_litres"] == 50_000 and visit_a["resident_has_photo"]
    assert visit_a["access_note"] == "Wejście od podwórza" and visit_a["digits"] == 5
    photo = (await client.get(f"/api/readings/{visit_a['resident_reading_id']}/thumb"))
    assert photo.status_code == 200  # inspectors see the resident's photo

    key = str(uuid.uuid4())
    form = {"result": "corrected", "value": "50,250", "captured_at": iso(datetime.now(UTC)), "comment": "licznik OK"}
    first = await client.post(f"/api/inspector/visits/{visit_a['id']}/result", data=form,
                              files={"photo": ("k.jpg", jpeg(), "image/jpeg")}, headers={"Idempotency-Key": key})
    replay = await client.post(f"/api/inspector/visits/{visit_a['id']}/result", data=form,
                               files={"photo": ("k.jpg", jpeg(), "image/jpeg")}, headers={"Idempotency-Key": key})
    assert first.status_code == 201 and replay.status_code == 200 and replay.json() == first.json()
    assert first.json()["reading"]["source"] == "inspector" and first.json()["reading"]["status"] == "accepted"
    r = await client.post(f"/api/inspector/visits/{visit_b['id']}/result",
                          data={"result": "no_access", "captured_at": iso(datetime.now(UTC)), "comment": "Karta w skrzynce"},
                          headers={"Idempotency-Key": str(uuid.uuid4())})
    assert r.status_code == 201 and r.json()["reading"] is None
    r = await client.post(f"/api/inspector/visits/{visit_b['id']}/result",
                          data={"result": "confirmed", "captured_at": iso(datetime.now(UTC))},
                          headers={"Idempotency-Key": str(uuid.uuid4())})
    assert r.status_code == 400 and r.json()["field"] == "value"
    [mine] = (await client.get("/api/inspector/routes")).json()
    assert mine["done"] == 2 and [v["result"] for v in mine["visits"]] == ["no_access", "corrected"]
    await client.delete("/api/session")

    # the resident sees the outcome on their reading
    await log_in(client, "a@example.com")
    h = (await client.get(f"/api/meters/{a['meter_id']}/readings")).json()
    by_source = {r["source"]: r for r in h["readings"] if r["captured_at"] >= iso(datetime.now(UTC) - timedelta(days=1))}
    assert by_source["inspector"]["value_litres"] == 50_250
    assert by_source["resident"]["verification"] == "corrected" and by_source["resident"]["status"] == "rejected"
    assert "50,250 m³" in by_source["resident"]["review_note"]
    assert await Reading.count().where(Reading.meter == a["meter_id"]) == 3


async def test_conflicting_readings_and_silent_meters_reach_the_queue(client, settings):
    c = await make_customer(number="500010")
    quiet = await make_customer(number="500011")
    await make_user(settings, "c@example.com", customer_id=c["id"])
    await make_user(settings, "biuro@example.com", role="staff")
    await add_reading(c["meter_id"], 10_000, datetime.now(UTC) - timedelta(days=60))
    await add_reading(quiet["meter_id"], 10_000, datetime.now(UTC) - timedelta(days=400))
    await Reading.insert(Reading(meter=c["meter_id"], value_litres=12_500, source="inspector",
                                 captured_at=datetime.now(UTC) - timedelta(days=1)))
    await log_in(client, "c@example.com")
    mine = (await post_reading(client, c["meter_id"], "12,000", photo=jpeg())).json()
    await client.delete("/api/session")
    await log_in(client, "biuro@example.com")
    queue = (await client.get("/api/staff/review")).json()
    assert "conflict" in next(q for q in queue if q["reading_id"] == mine["id"])["reasons"]
    silent = next(q for q in queue if q["meter_id"] == quiet["meter_id"])
    assert silent["reading_id"] is None and silent["reasons"] == ["no_reading_long"]
    r = await client.post("/api/staff/visits", json={"meter_ids": [quiet["meter_id"]]})
    assert r.status_code == 201
    queue = (await client.get("/api/staff/review")).json()
    assert next(q for q in queue if q["meter_id"] == quiet["meter_id"])["visit_id"] == r.json()["visit_ids"][0]
    # accepting a reading held up by the queue settles it
    r = await client.post(f"/api/staff/readings/{mine['id']}/review", json={"decision": "accept"})
    assert r.status_code == 200
    assert mine["id"] not in {q["reading_id"] for q in (await client.get("/api/staff/review")).json()}


async def test_a_reading_a_day_after_the_inspectors_is_no_conflict_unless_the_use_is_unexplained(client, settings):
    """329,6 m³ twenty hours after the inspector's 329,279 m³ is a normal day's use at ~300 l a day;
    331,5 m³ would be 2,2 m³ in those hours, and 329,0 m³ lower than the inspector's: conflicts."""
    await make_user(settings, "biuro@example.com", role="staff")
    start = datetime.now(UTC) - timedelta(days=100)
    values = {"329,6": False, "331,5": True, "329,0": True}
    posted = {}
    for n, value in enumerate(values):
        c = await make_customer(number=f"50002{n}")
        await make_user(settings, f"r{n}@example.com", customer_id=c["id"])
        await add_reading(c["meter_id"], 300_000, start)
        await add_reading(c["meter_id"], 329_000 - 300, start + timedelta(days=99))  # ~293 l a day
        await Reading.insert(Reading(meter=c["meter_id"], value_litres=329_279, source="inspector",
                                     captured_at=datetime.now(UTC) - timedelta(hours=20)))
        await log_in(client, f"r{n}@example.com")
        posted[value] = (await post_reading(client, c["meter_id"], value, photo=jpeg())).json()["id"]
        await client.delete("/api/session")
    await log_in(client, "biuro@example.com")
    queue = {q["reading_id"]: q["reasons"] for q in (await client.get("/api/staff/review")).json()}
    assert {v: "conflict" in queue.get(posted[v], []) for v in values} == values


async def test_open_visits_listed_for_planning(client, settings):
    _, _, inspector, _, readings = await _setup(client, settings)
    await log_in(client, "biuro@example.com")
    await client.post("/api/staff/visits", json={"reading_ids": list(r["id"] for r in readings.values())})
    visits = (await client.get("/api/staff/visits")).json()
    assert [v["customer_number"] for v in visits] == ["500002", "500001"]
    assert (await client.get("/api/staff/inspectors")).json()[0]["id"] == inspector
    today = today_in_warsaw().isoformat()  # the app's day; the UTC date differs from 23:00/22:00 UTC on
    await client.post("/api/staff/routes", json={"inspector_id": inspector, "day": today,
                                                 "visit_ids": [visits[0]["id"]]})
    assert [v["customer_number"] for v in (await client.get("/api/staff/visits")).json()] == ["500001"]
    [route] = (await client.get("/api/staff/routes", params={"day": today})).json()
    assert route["inspector_name"] == "Test User" and route["total"] == 1


async def _inspector_reach(client, meter_id: str, reading_id: str) -> dict[str, int]:
    """What an inspector gets for a meter: its history, CSV, a reading's photo and thumbnail, a new reading."""
    return {
        "history": (await client.get(f"/api/meters/{meter_id}/readings")).status_code,
        "csv": (await client.get(f"/api/meters/{meter_id}/readings.csv")).status_code,
        "photo": (await client.get(f"/api/readings/{reading_id}/photo")).status_code,
        "thumb": (await client.get(f"/api/readings/{reading_id}/thumb")).status_code,
        "submit": (await post_reading(client, meter_id, "60")).status_code,
    }


async def test_inspectors_see_only_the_meters_their_routes_hold(client, settings):
    a, b, inspector, other, readings = await _setup(client, settings)
    hidden = {"history": 404, "csv": 404, "photo": 404, "thumb": 404, "submit": 404}
    # no route yet: nothing of any customer's
    await log_in(client, "inkasent@example.com")
    assert await _inspector_reach(client, a["meter_id"], readings["500001"]["id"]) == hidden
    assert (await client.get("/api/meters")).json()["meters"] == []
    await client.delete("/api/session")

    # a's meter on tomorrow's route, b's on a route of eight days ago (past the week an outbox may lag)
    await log_in(client, "biuro@example.com")
    today = today_in_warsaw()
    for reading, day in ((readings["500001"], today + timedelta(days=1)), (readings["500002"], today - timedelta(days=8))):
        [visit] = (await client.post("/api/staff/visits", json={"reading_ids": [reading["id"]]})).json()["visit_ids"]
        r = await client.post("/api/staff/routes", json={"inspector_id": inspector, "day": day.isoformat(),
                                                         "visit_ids": [visit]})
        assert r.status_code == 201, r.text
    await client.delete("/api/session")

    await log_in(client, "inkasent@example.com")
    assert await _inspector_reach(client, a["meter_id"], readings["500001"]["id"]) == {
        "history": 200, "csv": 200, "photo": 200, "thumb": 200, "submit": 201}
    assert await _inspector_reach(client, b["meter_id"], readings["500002"]["id"]) == hidden
    await client.delete("/api/session")
    await log_in(client, "inny@example.com")  # another inspector's route is not theirs
    assert await _inspector_reach(client, a["meter_id"], readings["500001"]["id"]) == hidden


async def _inspectors_route(client, settings):
    """The two flagged readings of _setup on a route of today for the inspector, who is logged in."""
    a, b, inspector, _, readings = await _setup(client, settings)
    await log_in(client, "biuro@example.com")
    visit_ids = (await client.post("/api/staff/visits", json={
        "reading_ids": [readings["500001"]["id"], readings["500002"]["id"]]})).json()["visit_ids"]
    today = today_in_warsaw().isoformat()
    await client.post("/api/staff/routes", json={"inspector_id": inspector, "day": today, "visit_ids": visit_ids})
    await client.delete("/api/session")
    await log_in(client, "inkasent@example.com")
    [route] = (await client.get("/api/inspector/routes")).json()
    visits = {v["customer_number"]: v for v in route["visits"]}
    return a, b, readings, visits["500001"], visits["500002"]


async def result(client, visit, outcome, value, key=None):
    return await client.post(f"/api/inspector/visits/{visit['id']}/result", headers={
        "Idempotency-Key": key or str(uuid.uuid4())}, data={"result": outcome, "value": value,
                                                             "captured_at": iso(datetime.now(UTC))})


async def test_implausible_inspector_values_wait_flagged_in_the_queue(client, settings):
    """"Confirmed" with a value far from the resident's, "corrected" below the last reading: stored
    flagged, the resident's reading left for the office, both in the review queue — nothing billed."""
    a, b, readings, visit_a, visit_b = await _inspectors_route(client, settings)
    confirmed = await result(client, visit_a, "confirmed", "1,000")  # the resident said 40,000 m³
    corrected = await result(client, visit_b, "corrected", "10,500")  # the last accepted one is 50,000 m³
    assert confirmed.status_code == corrected.status_code == 201
    assert confirmed.json()["reading"]["status"] == "flagged"
    assert set(confirmed.json()["reading"]["flags"]) == {"lower_than_last", "differs_from_confirmed"}
    assert corrected.json()["reading"]["status"] == "flagged"
    assert corrected.json()["reading"]["flags"] == ["lower_than_last"]
    await client.delete("/api/session")
    for customer in (a, b):
        rows = await Reading.select().where(Reading.meter == customer["meter_id"])
        assert [r["status"] for r in rows if r["source"] == "inspector"] == ["flagged"]
        resident = next(r for r in rows if str(r["id"]) == readings[customer["number"]]["id"])
        assert resident["status"] == "flagged" and resident["verification"] in ("", None)  # not settled
    await log_in(client, "biuro@example.com")
    queued = {q["reading_id"]: q for q in (await client.get("/api/staff/review")).json()}
    assert confirmed.json()["reading"]["id"] in queued and corrected.json()["reading"]["id"] in queued
    assert "differs_from_confirmed" in queued[confirmed.json()["reading"]["id"]]["reasons"]


async def test_a_correction_may_be_lower_than_the_readings_it_corrects(client, settings):
    """The value is measured against the last reading before the one under verification, not that one."""
    a, _, readings, visit_a, _ = await _inspectors_route(client, settings)
    staff_accepted = readings["500001"]
    await Reading.update({Reading.status: "accepted"}).where(Reading.id == staff_accepted["id"])  # 40,000
    await Reading.update({Reading.value_litres: 60_000}).where(Reading.id == staff_accepted["id"])
    r = await result(client, visit_a, "corrected", "55,000")  # lower than the resident's 60,000, above 50,000
    assert r.status_code == 201 and r.json()["reading"]["status"] == "accepted", r.json()


async def test_two_results_for_one_visit_at_once_store_one_reading(client, settings):
    """Two keys for one visit (a second save, another phone): one result, one inspector reading."""
    import asyncio

    a, _, _, visit_a, _ = await _inspectors_route(client, settings)
    answers = await asyncio.gather(*(result(client, visit_a, "corrected", v) for v in ("50,300", "50,400")))
    assert sorted(r.status_code for r in answers) == [201, 409]
    assert await Reading.count().where((Reading.meter == a["meter_id"]) & (Reading.source == "inspector")) == 1


class TestTheRouteCarriesWhatThePhoneChecks:
    @pytest.fixture
    def settings(self, settings):
        return msgspec.structs.replace(settings, max_daily_litres=4000)  # EBOK_MAX_DAILY_LITRES, not the default

    async def test_last_reading_average_and_limits_match_what_the_server_measures(self, client, settings):
        """The inspector's route carries the last accepted reading but the one under review, the
        meter's daily average and the configured limits; the values the phone would warn about with
        them are the ones the server flags (high use on a, above the configured limit on b)."""
        a, b, readings, _, _ = await _inspectors_route(client, settings)
        last_at = (await Reading.select(Reading.captured_at).where(
            (Reading.meter == a["meter_id"]) & (Reading.status == "accepted")).first())["captured_at"]
        await add_reading(a["meter_id"], 20_000, last_at - timedelta(days=300))  # 30 m³ in 300 days: 100 l a day
        [route] = (await client.get("/api/inspector/routes")).json()
        assert route["max_daily_litres"] == 4000 and route["high_factor"] == 3
        visits = {v["customer_number"]: v for v in route["visits"]}
        visit_a, visit_b = visits["500001"], visits["500002"]
        assert visit_a["last_reading"]["value_litres"] == 50_000  # not the resident's 40,000 under review
        assert datetime.fromisoformat(visit_a["last_reading"]["captured_at"]) == last_at
        assert visit_a["avg_daily_litres"] == pytest.approx(100)
        assert visit_b["last_reading"]["value_litres"] == 50_000 and visit_b["avg_daily_litres"] is None

        await client.delete("/api/session")
        await log_in(client, "biuro@example.com")
        [office] = (await client.get("/api/staff/routes")).json()  # the office's lists skip the per-visit queries
        assert office["max_daily_litres"] is None and office["visits"][0]["last_reading"] is None
        await client.delete("/api/session")

        await log_in(client, "inkasent@example.com")
        high = await result(client, visit_a, "corrected", "62,000")  # 30 days at 400 l: above 3 × 100
        over = await result(client, visit_b, "corrected", "185,000")  # 30 days at 4500 l: above 4000
        assert high.json()["reading"]["flags"] == ["high_consumption"]
        assert over.json()["reading"]["flags"] == ["above_hard_limit"]
