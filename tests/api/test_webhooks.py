"""Webhooks (issue 14): the office registers an endpoint and gets its secret once; the five events
come from the real code paths, signed per Standard Webhooks and checked by the local receiver's own
HMAC (tests/webhook_receiver.py); a failing endpoint is retried with the same webhook-id, its last
answer is in the log, and "send again" delivers once more."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import msgspec
import pytest

from backend.billing import payments
from backend.core import outbox
from backend.core.db import transaction
from backend.core.tables import OutboxJob
from backend.webhooks import services as webhooks
from backend.webhooks.tables import WebhookDelivery
from tests.api.test_readings import post_reading
from tests.support import log_in, make_customer, make_user
from tests.webhook_receiver import Receiver, signature_valid


@pytest.fixture
def settings(settings):
    return msgspec.structs.replace(settings, run_worker=False)  # the test runs the sender itself


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.stop()


@pytest.fixture
def sender(settings):
    return outbox.Worker({webhooks.KIND: webhooks.Sender(settings)}, concurrency=8)


async def time_passes() -> None:
    """What waiting until the next attempt would do: the endpoint's job and its deliveries are due now."""
    t = outbox.now()
    await OutboxJob.update({OutboxJob.run_after: t}).where(OutboxJob.kind == webhooks.KIND)
    await WebhookDelivery.update({WebhookDelivery.next_attempt_at: t}).where(
        WebhookDelivery.status == "pending")


async def drain(worker) -> None:
    while await worker.run_once():
        pass


async def staff(client, settings, email="biuro@example.com"):
    await client.delete("/api/session")
    await make_user(settings, email, role="staff")
    await log_in(client, email)


async def register(client, receiver, events=webhooks.EVENTS) -> dict:
    r = await client.post("/api/staff/webhooks/", json={"url": receiver.url, "events": list(events),
                                                        "description": "System rozliczeń"})
    assert r.status_code == 201, r.text
    created = r.json()
    receiver.secret = created["secret"]
    return created


async def test_the_office_registers_an_endpoint_and_sees_the_secret_once(client, settings, receiver):
    await staff(client, settings)
    created = await register(client, receiver, ["reading.received", "payment.received"])
    assert created["secret"].startswith("whsec_") and len(created["secret"]) > 40
    assert created["endpoint"]["events"] == ["reading.received", "payment.received"]
    listed = (await client.get("/api/staff/webhooks/")).json()
    assert [e["id"] for e in listed] == [created["endpoint"]["id"]]
    assert created["secret"] not in (await client.get("/api/staff/webhooks/")).text
    assert (await client.delete(f"/api/staff/webhooks/{created['endpoint']['id']}")).status_code == 204
    assert (await client.get("/api/staff/webhooks/")).json() == []
    assert (await client.delete(f"/api/staff/webhooks/{created['endpoint']['id']}")).status_code == 404


@pytest.mark.parametrize("url", [
    "http://billing.example.com/hook",  # not https
    "https://10.0.0.5/hook", "https://169.254.169.254/latest/meta-data", "https://localhost/hook",
    "https://[::1]/hook", "https://0x7f000001/hook",  # private, loopback, link-local, in any spelling
    "https://user:secret@billing.example.com/hook", "ftp://billing.example.com/", "https:///nohost", "",
])
async def test_a_url_that_is_not_public_https_is_refused(client, settings, url):
    await staff(client, settings)
    r = await client.post("/api/staff/webhooks/", json={"url": url, "events": ["reading.received"]})
    assert r.status_code == 400 and r.json()["code"] == "webhook_url_invalid", r.text
    assert (await client.get("/api/staff/webhooks/")).json() == []


async def test_unknown_events_are_refused_and_only_staff_may_manage(client, settings, receiver):
    await staff(client, settings)
    r = await client.post("/api/staff/webhooks/", json={"url": receiver.url, "events": ["reading.deleted"]})
    assert r.status_code == 400 and r.json()["code"] == "webhook_event_unknown"
    r = await client.post("/api/staff/webhooks/", json={"url": receiver.url, "events": []})
    assert r.status_code == 400 and r.json()["code"] == "webhook_event_unknown"
    customer = await make_customer()
    await client.delete("/api/session")
    await make_user(settings, "ola@example.com", customer_id=customer["id"])
    await log_in(client, "ola@example.com")
    assert (await client.get("/api/staff/webhooks/")).status_code == 404  # staff screens: as if missing
    assert (await client.post("/api/staff/webhooks/", json={"url": receiver.url,
                                                            "events": ["reading.received"]})).status_code == 404


async def test_every_event_arrives_signed_from_the_real_paths(client, settings, receiver, sender):
    await staff(client, settings)
    await register(client, receiver)
    customer = await make_customer(number="900001", email="ola@example.com")
    await make_user(settings, "ola@example.com", customer_id=customer["id"])
    await client.delete("/api/session")
    await log_in(client, "ola@example.com")
    # a resident's readings (the second flagged: lower than the first), their contact data and a consent
    captured = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    assert (await post_reading(client, customer["meter_id"], "100", captured_at=captured)).status_code == 201
    reading = (await post_reading(client, customer["meter_id"], "50")).json()
    assert reading["status"] == "flagged"
    r = await client.patch(f"/api/profile/customers/{customer['id']}", json={
        "street": "ul. Nowa", "house_number": "5", "postcode": "19-400", "town": "Olecko", "phone": "+48 600 100 200"})
    assert r.status_code == 200, r.text
    r = await client.put(f"/api/consents/{customer['id']}/e_invoice", json={"given": True})
    assert r.status_code == 200, r.text
    # the office accepts the reading; a payment is booked
    await client.delete("/api/session")
    await log_in(client, "biuro@example.com")
    r = await client.post(f"/api/staff/readings/{reading['id']}/review", json={"decision": "accept"})
    assert r.status_code == 200, r.text
    await payments.record_payment(customer_id=customer["id"], amount_grosze=12_345, booked_on=date(2026, 11, 30),
                                  source="bank", external_id="WB-2026-11-30-0001", title="Woda 900001")
    await drain(sender)

    types = [m.body["type"] for m in receiver.received]
    assert sorted(types) == sorted([*webhooks.EVENTS, "reading.received"]), types
    got = {m.body["type"]: m for m in receiver.received}  # the last of each type
    assert all(m.signature_valid for m in receiver.received)
    assert len({m.id for m in receiver.received}) == len(receiver.received)
    [received] = [m.body["data"] for m in receiver.received
                  if m.body["type"] == "reading.received" and m.body["data"]["reading_id"] == reading["id"]]
    assert received["customer_number"] == "900001" and received["meter_id"] == customer["meter_id"]
    assert received["status"] == "flagged" and received["value_litres"] == 50_000
    assert received["flags"] == ["lower_than_last"] and received["source"] == "resident"
    changed = got["reading.status_changed"].body["data"]
    assert changed["reading_id"] == reading["id"] and changed["status"] == "accepted"
    contact = got["customer.contact_changed"].body["data"]
    assert contact["customer_number"] == "900001" and contact["changed"]["street"] == "ul. Nowa"
    assert contact["contact"]["phone"] == "+48 600 100 200"
    consent = got["consent.changed"].body["data"]
    assert consent["kind"] == "e_invoice" and consent["given"] is True and consent["channel"] == "portal"
    paid = got["payment.received"].body["data"]
    assert paid["amount_grosze"] == 12_345 and paid["external_id"] == "WB-2026-11-30-0001"
    assert paid["customer_number"] == "900001"

    log = (await client.get("/api/staff/webhooks/deliveries")).json()
    assert len(log) == 6 and {d["status"] for d in log} == {"delivered"}
    assert all(d["response_status"] == 200 and d["attempts"] == 1 for d in log)


async def test_a_signature_made_with_another_secret_or_body_does_not_verify(client, settings, receiver, sender):
    """The receiver's check is not a rubber stamp."""
    await staff(client, settings)
    await register(client, receiver, ["payment.received"])
    await payments.record_payment(customer_id=None, amount_grosze=100, booked_on=date(2026, 11, 30), source="bank",
                                  external_id="X-1")
    await drain(sender)
    [m] = receiver.received
    assert m.signature_valid
    headers = {"webhook-id": m.id, "webhook-timestamp": str(m.timestamp), "webhook-signature": "v1,AAAA"}
    body = msgspec.json.encode(m.body)
    assert not signature_valid(receiver.secret, headers, body)


async def test_a_payment_twice_is_one_event_and_no_endpoint_means_no_event(client, settings, receiver, sender):
    args = {"customer_id": None, "amount_grosze": 500, "booked_on": date(2026, 11, 30), "source": "bank"}
    await payments.record_payment(**args, external_id="BEFORE")  # nobody listens yet: nothing stored
    await staff(client, settings)
    await register(client, receiver, ["payment.received"])
    assert await payments.record_payment(**args, external_id="P-1") is not None
    assert await payments.record_payment(**args, external_id="P-1") is None  # the second one is a no-op
    await drain(sender)
    assert [m.body["data"]["external_id"] for m in receiver.received] == ["P-1"]


async def test_a_failing_endpoint_is_retried_with_the_same_id_and_its_last_answer_logged(
        client, settings, receiver, sender):
    await staff(client, settings)
    await register(client, receiver, ["payment.received"])
    receiver.answers.extend([500, 503])
    await payments.record_payment(customer_id=None, amount_grosze=700, booked_on=date(2026, 11, 30), source="bank",
                                  external_id="R-1")
    await drain(sender)
    [d] = (await client.get("/api/staff/webhooks/deliveries")).json()
    assert d["status"] == "pending" and d["attempts"] == 1 and d["response_status"] == 500
    assert d["response_body"] == "receiver says no"
    due = datetime.fromisoformat(d["next_attempt_at"])
    assert timedelta(seconds=4) < due - datetime.fromisoformat(d["last_attempt_at"]) <= timedelta(seconds=5)
    await drain(sender)
    assert receiver.count() == 1  # not before its time
    for answer in (503, 200):  # the time comes (the job and the delivery are due now, as time passing would do)
        await time_passes()
        await drain(sender)
        [d] = (await client.get("/api/staff/webhooks/deliveries")).json()
        assert d["response_status"] == answer
    assert d["status"] == "delivered" and d["attempts"] == 3 and d["next_attempt_at"] is None
    assert len({m.id for m in receiver.received}) == 1 and receiver.count() == 3
    assert all(m.signature_valid for m in receiver.received)

    # "Wyślij ponownie": the same event, the same id, once more
    r = await client.post(f"/api/staff/webhooks/deliveries/{d['id']}/resend")
    assert r.status_code == 200 and r.json()["status"] == "pending"
    await drain(sender)
    assert receiver.count() == 4 and receiver.received[-1].id == receiver.received[0].id
    [d] = (await client.get("/api/staff/webhooks/deliveries")).json()
    assert d["status"] == "delivered" and d["attempts"] == 4


async def test_a_batch_with_a_failing_middle_delivery_retries_only_that_one(client, settings, receiver, sender):
    """Five payments in one transaction: one wake-up job for the endpoint, one batch; the endpoint
    refuses the third, which alone is sent again when its time comes, with its own id."""
    await staff(client, settings)
    await register(client, receiver, ["payment.received"])
    receiver.refuse = lambda body: body["data"]["external_id"] == "B-3"
    async with transaction():
        for n in range(1, 6):
            await payments.record_payment(customer_id=None, amount_grosze=100 * n, booked_on=date(2026, 11, 30),
                                          source="bank", external_id=f"B-{n}")
    assert await OutboxJob.count().where(OutboxJob.kind == webhooks.KIND) == 1
    await drain(sender)
    assert sorted(m.body["data"]["external_id"] for m in receiver.received) == [f"B-{n}" for n in range(1, 6)]
    log = {d["event_id"]: d for d in (await client.get("/api/staff/webhooks/deliveries")).json()}
    first = {m.body["data"]["external_id"]: m.id for m in receiver.received}
    assert log[first["B-3"]]["status"] == "pending" and log[first["B-3"]]["response_status"] == 500
    assert [log[first[f"B-{n}"]]["status"] for n in (1, 2, 4, 5)] == ["delivered"] * 4

    receiver.refuse = None
    await time_passes()
    await drain(sender)
    assert [m.body["data"]["external_id"] for m in receiver.received[5:]] == ["B-3"]
    assert receiver.received[5].id == first["B-3"] and receiver.received[5].signature_valid
    log = {d["event_id"]: d for d in (await client.get("/api/staff/webhooks/deliveries")).json()}
    assert {d["status"] for d in log.values()} == {"delivered"}
    assert {eid: d["attempts"] for eid, d in log.items()} == {
        first[f"B-{n}"]: 2 if n == 3 else 1 for n in range(1, 6)}
    assert await OutboxJob.count().where((OutboxJob.kind == webhooks.KIND) & (OutboxJob.status == "pending")) == 0


async def test_retries_follow_the_schedule_and_end_after_three_days(client, settings, receiver, sender):
    assert [webhooks.retry_delay(n) for n in range(1, 9)] == [5, 300, 1800, 7200, 18000, 36000, 36000, 36000]
    assert sum(webhooks.retry_delay(n) for n in range(1, 13)) > timedelta(days=3).total_seconds()
    await staff(client, settings)
    await register(client, receiver, ["payment.received"])
    receiver.answers.extend([500] * 50)
    await payments.record_payment(customer_id=None, amount_grosze=700, booked_on=date(2026, 11, 30), source="bank",
                                  external_id="R-2")
    attempts = 0
    while True:
        await drain(sender)
        [d] = (await client.get("/api/staff/webhooks/deliveries")).json()
        if d["status"] != "pending":
            break
        attempts += 1
        assert attempts < 20
        # as if the time until the next attempt passed: both are due now, and the retries began that much earlier
        wait = datetime.fromisoformat(d["next_attempt_at"]) - datetime.fromisoformat(d["last_attempt_at"])
        [row] = await WebhookDelivery.select(WebhookDelivery.retry_from).where(WebhookDelivery.id == d["id"])
        await WebhookDelivery.update({WebhookDelivery.retry_from: row["retry_from"] - wait}).where(
            WebhookDelivery.id == d["id"])
        await time_passes()
    assert d["status"] == "failed" and d["response_status"] == 500
    total = sum(webhooks.retry_delay(n) for n in range(1, d["attempts"]))
    assert total <= timedelta(days=3).total_seconds() < total + webhooks.retry_delay(d["attempts"])
    assert len({m.id for m in receiver.received}) == 1


async def test_an_unreachable_endpoint_is_logged_and_retried(client, settings, sender):
    await staff(client, settings)
    receiver = Receiver()
    receiver.stop()  # nobody listens on its port any more
    r = await client.post("/api/staff/webhooks/", json={"url": receiver.url, "events": ["payment.received"]})
    assert r.status_code == 201
    await payments.record_payment(customer_id=None, amount_grosze=1, booked_on=date(2026, 11, 30), source="bank",
                                  external_id="U-1")
    await drain(sender)
    [d] = (await client.get("/api/staff/webhooks/deliveries")).json()
    assert d["status"] == "pending" and d["response_status"] is None and "Connect" in d["response_body"]


async def test_an_event_is_emitted_only_with_its_change(client, settings, receiver, sender):
    """The event is written in the change's transaction: a payment that fails to book leaves none."""
    await staff(client, settings)
    await register(client, receiver, ["payment.received"])
    with pytest.raises(Exception):  # noqa: B017 - a customer that does not exist: the foreign key refuses
        await payments.record_payment(customer_id="00000000-0000-0000-0000-000000000001", amount_grosze=1,
                                      booked_on=date(2026, 11, 30), source="bank", external_id="F-1")
    await drain(sender)
    assert receiver.count() == 0
    assert (await client.get("/api/staff/webhooks/deliveries")).json() == []


async def test_a_payment_from_the_billing_systems_api_fires_payment_received(client, settings, receiver, sender):
    """External billing books through billing's one place too: the webhook comes for its payments as well."""
    from tests.api.test_integration import bearer, new_token

    external = msgspec.structs.replace(settings, billing="external")
    from backend.app import create_app

    await staff(client, settings)
    await register(client, receiver, ["payment.received"])
    customer = await make_customer(number="910001")
    token = await new_token("billing", "payments:write")
    import httpx

    app = create_app(external, manage_resources=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=("127.0.0.1", 50001)),
                                 base_url="http://127.0.0.1:8000") as machine:
        payment = {"external_id": "BANK-1", "customer_number": "910001", "amount_grosze": 4_200, "booked_on": "2026-11-30"}
        r = await machine.post("/api/integration/payments", json={"payments": [payment]}, headers=bearer(token))
        assert r.status_code == 200, r.text
        r = await machine.post("/api/integration/payments", json={"payments": [payment]}, headers=bearer(token))
        assert r.json()["duplicates"] == ["BANK-1"]
    await drain(sender)
    [m] = receiver.received
    assert m.signature_valid and m.body["data"]["external_id"] == "BANK-1"
    assert m.body["data"]["customer_number"] == "910001" and m.body["data"]["customer_id"] == customer["id"]
    assert m.body["data"]["source"] == "external" and m.body["data"]["amount_grosze"] == 4_200


async def test_events_go_30_days_after_their_deliveries_ended(client, settings, receiver, sender):
    """webhook_event bodies hold contact data: the daily purge deletes an event and its deliveries
    EBOK_WEBHOOK_RETENTION_DAYS after the last delivery ended; a pending one keeps its event."""
    from backend.webhooks.domain import DOMAIN, PURGE, handlers
    from backend.webhooks.tables import WebhookEvent

    assert PURGE in DOMAIN.daily_jobs and settings.webhook_retention_days == 30
    await staff(client, settings)
    await register(client, receiver, ["payment.received"])
    for name in ("OLD-DELIVERED", "OLD-FAILED", "OLD-PENDING", "RECENT"):
        await payments.record_payment(customer_id=None, amount_grosze=1, booked_on=date(2026, 11, 30),
                                      source="bank", external_id=name)
    await drain(sender)
    log = {m.body["data"]["external_id"]: m.id for m in receiver.received}
    long_ago, lately = outbox.now() - timedelta(days=31), outbox.now() - timedelta(days=29)
    for name, values in {
        "OLD-DELIVERED": {WebhookDelivery.delivered_at: long_ago, WebhookDelivery.last_attempt_at: long_ago},
        "OLD-FAILED": {WebhookDelivery.status: "failed", WebhookDelivery.delivered_at: None,
                       WebhookDelivery.last_attempt_at: long_ago},
        "OLD-PENDING": {WebhookDelivery.status: "pending", WebhookDelivery.delivered_at: None,
                        WebhookDelivery.last_attempt_at: long_ago},
        "RECENT": {WebhookDelivery.delivered_at: lately, WebhookDelivery.last_attempt_at: lately},
    }.items():
        await WebhookDelivery.update({**values, WebhookDelivery.created_at: long_ago}).where(
            WebhookDelivery.event == log[name])
        await WebhookEvent.update({WebhookEvent.created_at: long_ago}).where(WebhookEvent.id == log[name])
    await handlers(settings)[PURGE]({"day": "2026-12-02"})
    left = {r["id"] for r in await WebhookEvent.select(WebhookEvent.id)}
    assert left == {log["OLD-PENDING"], log["RECENT"]}
    assert {r["event"] for r in await WebhookDelivery.select(WebhookDelivery.event)} == left
