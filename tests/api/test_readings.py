"""Readings over the API: submission exactly once, plausibility flags, authorisation, photos."""

from __future__ import annotations

import asyncio
import io
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from PIL import Image

from backend.core.tables import IdempotencyKey
from backend.readings.tables import Reading
from tests.support import log_in, make_customer, make_user


def jpeg(width: int = 800, height: int = 600, color: tuple[int, int, int] = (20, 90, 160)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buf, "JPEG", quality=85)
    return buf.getvalue()


def iso(dt: datetime) -> str:
    return dt.astimezone(UTC).isoformat()


async def add_reading(meter_id: str, litres: int, when: datetime, status: str = "accepted") -> None:
    await Reading.insert(Reading(meter=meter_id, value_litres=litres, captured_at=when, status=status,
                                 source="resident"))


async def post_reading(client, meter_id, value="123,456", captured_at=None, key=None, photo=None, comment=""):
    files = {"photo": ("licznik.jpg", photo, "image/jpeg")} if photo is not None else None
    data = {"meter_id": meter_id, "value": value, "captured_at": captured_at or iso(datetime.now(UTC)),
            "comment": comment}
    return await client.post("/api/readings", data=data, files=files,
                             headers={"Idempotency-Key": key or str(uuid.uuid4())})


@pytest.fixture
async def resident(client, settings):
    customer = await make_customer(number="400001")
    await make_user(settings, "ola@example.com", customer_id=customer["id"])
    await log_in(client, "ola@example.com")
    return customer


async def test_submit_with_photo_and_see_it_in_history(client, resident):
    r = await post_reading(client, resident["meter_id"], "123,456", photo=jpeg())
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["value_litres"] == 123456 and body["status"] == "accepted" and body["has_photo"]
    assert body["source"] == "resident" and body["flags"] == []
    h = (await client.get(f"/api/meters/{resident['meter_id']}/readings")).json()
    assert [x["id"] for x in h["readings"]] == [body["id"]]
    photo = await client.get(f"/api/readings/{body['id']}/photo")
    assert photo.status_code == 200 and photo.headers["content-type"] == "image/jpeg"
    assert photo.headers["x-content-type-options"] == "nosniff"
    assert Image.open(io.BytesIO(photo.content)).format == "JPEG"
    thumb = await client.get(f"/api/readings/{body['id']}/thumb")
    assert max(Image.open(io.BytesIO(thumb.content)).size) <= 320


async def test_same_key_same_content_returns_the_first_answer(client, resident):
    key, when, photo = str(uuid.uuid4()), iso(datetime.now(UTC)), jpeg()
    first = await post_reading(client, resident["meter_id"], key=key, captured_at=when, photo=photo)
    again = await post_reading(client, resident["meter_id"], key=key, captured_at=when, photo=photo)
    assert first.status_code == 201 and again.status_code == 200
    assert again.json() == first.json()
    other = await post_reading(client, resident["meter_id"], "999", key=key, captured_at=when, photo=photo)
    assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused"
    assert await Reading.count() == 1


async def test_twenty_concurrent_replays_make_one_reading(client, resident):
    key, when, photo = str(uuid.uuid4()), iso(datetime.now(UTC)), jpeg(1600, 1200)
    answers = await asyncio.gather(*(
        post_reading(client, resident["meter_id"], key=key, captured_at=when, photo=photo) for _ in range(20)))
    codes = sorted(a.status_code for a in answers)
    assert set(codes) <= {200, 201, 409} and codes.count(201) == 1, codes
    assert await Reading.count() == 1
    ids = {a.json()["id"] for a in answers if a.status_code in (200, 201)}
    assert len(ids) == 1
    # the ones told 409 get the same reading when they retry
    retry = await post_reading(client, resident["meter_id"], key=key, captured_at=when, photo=photo)
    assert retry.status_code == 200 and retry.json()["id"] in ids


async def test_a_key_left_by_a_crashed_request_is_taken_over(client, resident, settings):
    key, when = str(uuid.uuid4()), iso(datetime.now(UTC))
    user_id = (await client.get("/api/me")).json()["id"]
    from backend.readings.services import Submission, request_hash

    digest = request_hash(Submission(resident["meter_id"], "1", when, "", None))
    await IdempotencyKey.insert(IdempotencyKey(key=key, user=user_id, request_hash=digest,
                                               created_at=datetime.now(UTC) - timedelta(seconds=15)))
    # fifteen seconds without renewal: its request is gone (it answered 409 for two minutes)
    r = await post_reading(client, resident["meter_id"], "1", key=key, captured_at=when)
    assert r.status_code == 201, r.text


async def test_a_request_at_work_keeps_its_key_however_long_it_takes(client, resident):
    from backend.core import idempotency

    user_id = (await client.get("/api/me")).json()["id"]
    key, claimed = str(uuid.uuid4()), asyncio.Event()
    release = asyncio.Event()

    async def slow_work():
        claimed.set()
        await release.wait()
        await idempotency.complete(key, 201, {"id": "done"})
        return 201, {"id": "done"}

    task = asyncio.create_task(idempotency.once(key, user_id, "d" * 64, slow_work))
    await claimed.wait()
    first = (await IdempotencyKey.select(IdempotencyKey.created_at).first())["created_at"]
    await asyncio.sleep(idempotency.HEARTBEAT.total_seconds() * 1.5)
    renewed = (await IdempotencyKey.select(IdempotencyKey.created_at).first())["created_at"]
    assert renewed > first  # renewed while it works, so it is never taken for a crashed one
    with pytest.raises(idempotency.ApiError) as busy:
        await idempotency.claim(key, user_id, "d" * 64)
    assert busy.value.status == 409
    release.set()
    assert await task == (201, {"id": "done"})
    assert await idempotency.claim(key, user_id, "d" * 64) == (201, {"id": "done"})


async def test_fresh_in_progress_key_is_409(client, resident):
    key, when = str(uuid.uuid4()), iso(datetime.now(UTC))
    user_id = (await client.get("/api/me")).json()["id"]
    from backend.readings.services import Submission, request_hash

    digest = request_hash(Submission(resident["meter_id"], "1", when, "", None))
    await IdempotencyKey.insert(IdempotencyKey(key=key, user=user_id, request_hash=digest))
    r = await post_reading(client, resident["meter_id"], "1", key=key, captured_at=when)
    assert r.status_code == 409 and r.json()["code"] == "request_in_progress" and r.headers["retry-after"]


async def test_a_failed_request_frees_its_key(client, resident):
    key = str(uuid.uuid4())
    r = await post_reading(client, resident["meter_id"], "abc", key=key)
    assert r.status_code == 400 and r.json() == {"code": "value_not_number", "field": "value",
                                                 "message": "The value must be a number of m³"}
    assert await IdempotencyKey.count() == 0


@pytest.mark.parametrize(("value", "litres"), [("123,456", 123456), ("123.4", 123400), ("7", 7000),
                                                ("1 234,5", 1234500)])
async def test_polish_decimal_comma(client, resident, value, litres):
    r = await post_reading(client, resident["meter_id"], value)
    assert r.json()["value_litres"] == litres


@pytest.mark.parametrize("value", ["\u0661\u0662\u0663", "\uff11\uff12\uff13", "12\u0663,5", "123,\u0664",
                                   "\u0967\u0968\u0969"])
async def test_only_ascii_digits_are_a_number(client, resident, value):
    # Arabic-Indic, full-width and Devanagari digits are digits to \d and int(), not to a meter
    key = str(uuid.uuid4())
    r = await post_reading(client, resident["meter_id"], value, key=key)
    assert r.status_code == 400 and r.json()["code"] == "value_not_number" and r.json()["field"] == "value"
    assert await Reading.count() == 0 and await IdempotencyKey.count() == 0


async def test_an_empty_photo_is_refused_and_nothing_is_stored(client, resident):
    key = str(uuid.uuid4())
    r = await post_reading(client, resident["meter_id"], "12,5", key=key, photo=b"")
    assert r.status_code == 400, r.text
    assert r.json()["code"] == "photo_empty" and r.json()["field"] == "photo"
    assert await Reading.count() == 0 and await IdempotencyKey.count() == 0
    # a photo sent as a text field is not a photo either
    r = await client.post("/api/readings", headers={"Idempotency-Key": key}, data={
        "meter_id": resident["meter_id"], "value": "12,5", "captured_at": iso(datetime.now(UTC)), "photo": "x"})
    assert r.status_code == 400 and r.json()["code"] == "photo_not_image"
    # the same key is free for the real photo afterwards
    r = await post_reading(client, resident["meter_id"], "12,5", key=key, photo=jpeg())
    assert r.status_code == 201 and r.json()["has_photo"]


async def test_plausibility_flags(client, resident):
    meter, t0 = resident["meter_id"], datetime.now(UTC) - timedelta(days=60)
    await add_reading(meter, 100_000, t0)
    await add_reading(meter, 103_000, t0 + timedelta(days=30))  # 100 l/day on average
    r = await post_reading(client, meter, "102,000")
    assert r.json()["status"] == "flagged" and r.json()["flags"] == ["lower_than_last"]
    r = await post_reading(client, meter, "113,000")  # 10 m³ in 30 days: 333 l/day, more than 3 x 100
    assert r.json()["flags"] == ["high_consumption"]
    r = await post_reading(client, meter, "350,000")
    assert r.json()["flags"] == ["above_hard_limit"]
    r = await post_reading(client, meter, "123456,000", comment="licznik ma 6 cyfr")
    assert "too_many_digits" in r.json()["flags"] and r.json()["comment"] == "licznik ma 6 cyfr"
    r = await post_reading(client, meter, "104,500")
    assert r.json()["status"] == "accepted"


async def test_bad_submissions(client, resident):
    meter = resident["meter_id"]
    future = iso(datetime.now(UTC) + timedelta(days=1))
    r = await post_reading(client, meter, captured_at=future)
    assert r.status_code == 400 and r.json()["code"] == "captured_in_future"
    r = await post_reading(client, meter, captured_at="wczoraj")
    assert r.json()["code"] == "captured_at_invalid"
    r = await post_reading(client, meter, photo=b"<html><script>alert(1)</script></html>")
    assert r.status_code == 400 and r.json()["code"] == "photo_not_image" and r.json()["field"] == "photo"
    r = await client.post("/api/readings", data={"meter_id": meter, "value": "1", "captured_at": iso(datetime.now(UTC))})
    assert r.status_code == 400 and r.json()["code"] == "idempotency_key_required"
    assert await Reading.count() == 0


async def test_removed_meter(client, resident):
    from backend.customers.tables import Meter

    await Meter.update({Meter.active: False}).where(Meter.id == resident["meter_id"])
    r = await post_reading(client, resident["meter_id"])
    assert r.status_code == 410 and r.json()["code"] == "meter_removed"


async def test_other_residents_meters_readings_and_photos_are_invisible(client, resident, settings):
    r = await post_reading(client, resident["meter_id"], photo=jpeg())
    reading_id = r.json()["id"]
    await client.delete("/api/session")
    stranger = await make_customer(number="400002")
    await make_user(settings, "obcy@example.com", customer_id=stranger["id"])
    await log_in(client, "obcy@example.com")
    meter = resident["meter_id"]
    for path in (f"/api/meters/{meter}/readings", f"/api/meters/{meter}/readings.csv",
                 f"/api/readings/{reading_id}/photo", f"/api/readings/{reading_id}/thumb"):
        r = await client.get(path)
        assert r.status_code == 404 and r.json()["code"] == "not_found", path
    assert meter not in [m["id"] for m in (await client.get("/api/meters")).json()["meters"]]
    r = await post_reading(client, meter)
    assert r.status_code == 404
    assert await Reading.count() == 1


async def test_meters_list_with_window_and_average(client, resident):
    meter = resident["meter_id"]
    t0 = datetime.now(UTC) - timedelta(days=90)
    await add_reading(meter, 10_000, t0)
    await add_reading(meter, 19_000, t0 + timedelta(days=60))
    data = (await client.get("/api/meters")).json()
    [m] = data["meters"]
    assert m["serial"].startswith("WD") and m["last_reading"]["value_litres"] == 19_000
    assert m["avg_daily_litres"] == pytest.approx(150)
    assert m["address"] == "ul. Lipowa 7, 19-400 Olecko"
    assert set(m["window"]) == {"period_start", "period_end", "opens", "is_open", "wanted"}
    assert data["max_daily_litres"] == 5000 and data["high_factor"] == 3


async def test_history_consumption_chart_data_and_csv(client, resident):
    meter = resident["meter_id"]
    await add_reading(meter, 10_000, datetime(2026, 8, 30, 10, tzinfo=UTC))
    await add_reading(meter, 14_500, datetime(2026, 9, 30, 10, tzinfo=UTC))
    await add_reading(meter, 20_000, datetime(2026, 10, 30, 10, tzinfo=UTC))
    h = (await client.get(f"/api/meters/{meter}/readings")).json()
    assert [r["consumption_litres"] for r in h["readings"]] == [5500, 4500, None]
    assert h["monthly"] == [{"month": "2026-09", "litres": 4500}, {"month": "2026-10", "litres": 5500}]
    r = await client.get(f"/api/meters/{meter}/readings.csv")
    assert r.headers["content-type"].startswith("text/csv")
    lines = r.text.lstrip("\ufeff").splitlines()
    assert lines[0].startswith("data_odczytu;wskazanie_m3") and lines[1].startswith("2026-10-30 11:00;20,000;5,500")


async def test_staff_accepts_or_rejects_a_flagged_reading(client, resident, settings):
    meter = resident["meter_id"]
    await add_reading(meter, 50_000, datetime.now(UTC) - timedelta(days=30))
    flagged = (await post_reading(client, meter, "40")).json()
    assert flagged["status"] == "flagged"
    await client.delete("/api/session")
    await make_user(settings, "biuro@example.com", role="staff")
    await log_in(client, "biuro@example.com")
    queue = (await client.get("/api/staff/review")).json()
    [item] = [q for q in queue if q["reading_id"] == flagged["id"]]
    assert item["previous_litres"] == 50_000 and item["reasons"] == ["lower_than_last", "no_photo"]
    r = await client.post(f"/api/staff/readings/{flagged['id']}/review", json={"decision": "reject"})
    assert r.status_code == 400 and r.json()["code"] == "note_required"
    r = await client.post(f"/api/staff/readings/{flagged['id']}/review",
                          json={"decision": "reject", "note": "Na zdjęciu jest 50,2 m³."})
    assert r.json() == {**flagged, "status": "rejected", "review_note": "Na zdjęciu jest 50,2 m³."}  # the same reading
    await client.delete("/api/session")
    await log_in(client, "ola@example.com")
    h = (await client.get(f"/api/meters/{meter}/readings")).json()
    assert h["readings"][0]["review_note"] == "Na zdjęciu jest 50,2 m³."
    assert (await client.get("/api/staff/review")).status_code == 404


async def test_photos_arriving_together_are_decoded_a_few_at_a_time(client, resident, monkeypatch):
    # a PNG is decoded whole: twelve at once took the server from 460 MB to 1.37 GB. Pillow's decode
    # (outside the project) is watched to see how many run at the same moment.
    import threading
    import time

    from PIL import ImageFile

    from backend.core.photos import DECODERS

    original, lock = ImageFile.ImageFile.load, threading.Lock()
    running, most = [0], [0]

    def watched_load(self):
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        try:
            time.sleep(0.05)
            return original(self)
        finally:
            with lock:
                running[0] -= 1

    monkeypatch.setattr(ImageFile.ImageFile, "load", watched_load)

    def png(i: int) -> bytes:
        buf = io.BytesIO()
        Image.new("RGBA", (2000, 1500), (i, 90, 160, 128)).save(buf, "PNG")
        return buf.getvalue()

    answers = await asyncio.gather(*(post_reading(client, resident["meter_id"], f"{100 + i}", photo=png(i))
                                     for i in range(8)))
    assert [a.status_code for a in answers] == [201] * 8
    assert most[0] == DECODERS == 2


async def test_an_upload_queued_by_another_account_is_refused(client, resident, settings):
    """The outbox says whose item it sends (X-Outbox-Owner): another account's session may not send it."""
    ola = await client.get("/api/me")
    other = await make_customer(number="400002")
    await make_user(settings, "jan@example.com", customer_id=other["id"])
    await client.delete("/api/session")
    await log_in(client, "jan@example.com")
    files = {"photo": ("licznik.jpg", jpeg(), "image/jpeg")}
    data = {"meter_id": other["meter_id"], "value": "1,000", "captured_at": iso(datetime.now(UTC)), "comment": ""}
    r = await client.post("/api/readings", data=data, files=files,
                          headers={"Idempotency-Key": str(uuid.uuid4()), "X-Outbox-Owner": ola.json()["id"]})
    assert r.status_code == 409 and r.json()["code"] == "owner_mismatch"
    assert await Reading.count() == 0 and await IdempotencyKey.count() == 0
    me = (await client.get("/api/me")).json()["id"]
    r = await client.post("/api/readings", data=data, files=files,
                          headers={"Idempotency-Key": str(uuid.uuid4()), "X-Outbox-Owner": me})
    assert r.status_code == 201, r.text


async def test_a_reading_noted_earlier_is_dated_within_the_window_and_after_the_last(client, resident, settings):
    """A reading noted on paper: the resident gives the day it was read. The phone saved it at
    `saved`, the last day of a month two months back (its window open then); the day may be no later
    than that, no earlier than the window it was saved in, nor than the meter's last reading."""
    from datetime import time as time_type

    from backend.core.clock import WARSAW, today_in_warsaw
    from backend.customers.services import meters_by_ids
    from backend.readings.rules import reading_window

    today = today_in_warsaw()
    first_of_month = today.replace(day=1)
    saved_day = (first_of_month - timedelta(days=1)).replace(day=1) - timedelta(days=1)  # end of month -2
    months = (await meters_by_ids([resident["meter_id"]]))[resident["meter_id"]]["billing_period_months"]
    window = reading_window(saved_day, months, settings.reading_window_days)
    earliest = window.opens if window.is_open else window.period_start
    saved = datetime.combine(saved_day, time_type(18, 30), WARSAW)
    await add_reading(resident["meter_id"], 100_000, saved - timedelta(days=40))

    async def send(reading_date, value="101,0"):
        data = {"meter_id": resident["meter_id"], "value": value, "captured_at": iso(saved), "comment": "",
                "reading_date": reading_date}
        return await client.post("/api/readings", data=data, headers={"Idempotency-Key": str(uuid.uuid4())})

    async def refused(reading_date, code):
        r = await send(reading_date)
        assert (r.status_code, r.json()["code"], r.json()["field"]) == (400, code, "reading_date"), r.json()
        return r.json()

    await refused("wczoraj", "date_invalid")
    await refused((saved_day + timedelta(days=1)).isoformat(), "reading_date_future")
    err = await refused((earliest - timedelta(days=1)).isoformat(), "reading_date_outside_window")
    assert err["params"] == {"date": earliest.isoformat()}

    noted = saved_day - timedelta(days=1) if saved_day - timedelta(days=1) >= earliest else saved_day
    r = await send(noted.isoformat())
    assert r.status_code == 201, r.json()
    stored = datetime.fromisoformat(r.json()["captured_at"]).astimezone(WARSAW)
    assert (stored.date(), stored.time().replace(microsecond=0)) == (noted, time_type(18, 30))

    # a later reading exists now: the day cannot go back before its day; on its day, the new one
    # comes just after it
    last_at = datetime.combine(saved_day, time_type(17, 0), WARSAW)
    await add_reading(resident["meter_id"], 102_000, last_at)
    assert noted < saved_day  # the window was open on the month's last day, so it began earlier
    err = await refused(noted.isoformat(), "reading_date_before_last")
    assert err["params"] == {"date": saved_day.isoformat()}  # the PWA names the day (issue 16.9)
    saved = datetime.combine(saved_day, time_type(16, 0), WARSAW) + timedelta(days=0)
    r = await send(saved_day.isoformat(), value="103,0")
    assert r.status_code == 201, r.json()
    assert datetime.fromisoformat(r.json()["captured_at"]) == min(last_at + timedelta(minutes=1), saved)


async def test_per_day_use_spreads_each_reading_over_the_days_since_the_one_before(client, resident):
    from backend.core.clock import WARSAW

    meter = resident["meter_id"]
    await add_reading(meter, 10_000, datetime(2026, 6, 30, 12, tzinfo=WARSAW))
    await add_reading(meter, 19_200, datetime(2026, 9, 30, 12, tzinfo=WARSAW))  # 92 days, 100 l a day
    await add_reading(meter, 15_000, datetime(2026, 10, 10, 12, tzinfo=WARSAW))  # lower: that stretch is unknown
    h = (await client.get(f"/api/meters/{meter}/readings")).json()
    assert h["per_day"] == [
        {"month": "2026-06", "litres": 50, "days": 0.5, "per_day_litres": 100, "estimated": False},
        {"month": "2026-07", "litres": 3100, "days": 31.0, "per_day_litres": 100, "estimated": True},
        {"month": "2026-08", "litres": 3100, "days": 31.0, "per_day_litres": 100, "estimated": True},
        {"month": "2026-09", "litres": 2950, "days": 29.5, "per_day_litres": 100, "estimated": False},
        {"month": "2026-10", "litres": 0, "days": 0.0, "per_day_litres": None, "estimated": False},
    ]
