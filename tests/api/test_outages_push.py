"""Sending outage alerts through the outbox to a local push service that checks every request
(VAPID JWT signature, aud, exp, sub; the body decrypts with the device's keys)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import msgspec
import pytest

from backend.core import outbox
from backend.core.tables import OutboxJob
from backend.outages import sender
from backend.outages.sender import SEND_JOB, OutageAlertHelper, OutageAlerts
from backend.outages.tables import AlertEmail, Publication, PushDelivery, PushSubscription
from tests.api.test_outages import NOW, add_point, fresh_vapid_keys, iso, outage_body, resident, staff, subscribe  # noqa: F401
from tests.push_service import PushService
from tests.support import log_in


@pytest.fixture
def settings(settings):
    """The tests run the alert jobs themselves, step by step: no worker inside the app."""
    return msgspec.structs.replace(settings, run_worker=False)


@pytest.fixture
def stub():
    service = PushService()
    yield service
    service.stop()


async def run_alerts(settings, times: int = 1) -> int:
    """Run the outbox's alert jobs that are due, like the worker does."""
    worker = outbox.Worker({"outage_alert": OutageAlerts(settings, in_flight=8, batch=4)})
    done = 0
    for _ in range(times):
        done += await worker.run_once()
    return done


async def make_due() -> None:
    """Move every waiting retry (and its job) to now, as if the time had passed."""
    await PushDelivery.update({PushDelivery.next_attempt_at: sender.now() - timedelta(seconds=1)}, force=True)
    await OutboxJob.update({OutboxJob.run_after: outbox.now() - timedelta(seconds=1)}, force=True)


async def publish(client, **kw) -> dict:
    await log_in(client, "biuro@example.com")
    o = (await client.post("/api/staff/outages", json=outage_body(**kw))).json()
    r = await client.post(f"/api/staff/outages/{o['id']}/publish")
    assert r.status_code == 200, r.text
    return r.json()


async def deliveries() -> dict[str, str]:
    rows = await PushDelivery.select(PushDelivery.subscription_id, PushDelivery.status, PushDelivery.http_status)
    return {str(r["subscription_id"]): (r["status"], r["http_status"]) for r in rows}


async def test_alert_reaches_exactly_the_devices_in_the_area(client, settings, stub):
    odd = await resident(settings, "odd@example.com", "ul. Lipowa", "7")
    await resident(settings, "even@example.com", "ul. Lipowa", "8")
    two = await resident(settings, "two@example.com", "ul. Polna", "1")
    lipowa_of_two = await add_point(two["id"], "ul. Lipowa", "9")
    await resident(settings, "far@example.com", "ul. Polna", "2")
    await subscribe(client, "odd@example.com", stub.device("odd"))
    await subscribe(client, "odd@example.com", stub.device("odd-en"), language="en")
    await subscribe(client, "even@example.com", stub.device("even"))
    await subscribe(client, "two@example.com", stub.device("two-all"))
    await subscribe(client, "two@example.com", stub.device("two-lipowa"), service_point_ids=[lipowa_of_two])
    await subscribe(client, "two@example.com", stub.device("two-polna"), service_point_ids=[two["service_point_id"]])
    await subscribe(client, "far@example.com", stub.device("far"))
    await staff(settings)
    o = await publish(client, area={"town": "Olecko", "streets": [{"street": "ul. Lipowa", "parity": "odd"}]})
    assert odd["id"]

    sending_from = datetime.now(UTC)
    assert await run_alerts(settings) == 1
    sent_by = datetime.now(UTC)
    assert stub.errors == []
    assert sorted(stub.counts) == ["odd", "odd-en", "two-all", "two-lipowa"]
    assert all(n == 1 for n in stub.counts.values())
    [got] = stub.received_by("odd")
    assert got.payload["title"] == "Awaria: ul. Lipowa (nieparzyste)"
    assert got.payload["body"].startswith("Awaria sieci wodociągowej\nPrzewidywane zakończenie: ")
    assert got.payload["tag"] == f"outage-{o['id']}" and got.payload["url"] == f"/awarie?id={o['id']}"
    assert stub.received_by("odd-en")[0].payload["title"] == "Failure: ul. Lipowa (odd)"
    h = got.headers
    assert h["urgency"] == "high" and h["topic"] == o["id"].replace("-", "") and len(h["topic"]) == 32
    # until the expected end, counted from the moment of sending (the suite's NOW is older)
    expected_end = datetime.fromisoformat(outage_body()["expected_end"])
    ttl = int(h["ttl"])
    assert (expected_end - sent_by).total_seconds() - 1 <= ttl <= (expected_end - sending_from).total_seconds() + 1
    assert got.claims["sub"] == "mailto:bok@wodociagi-demo.pl" and got.claims["aud"] == stub.origin
    assert set((await deliveries()).values()) == {("sent", 201)}
    staff_view = (await client.get(f"/api/staff/outages/{o['id']}")).json()
    assert staff_view["deliveries"] == {"sent": 4}
    assert await OutboxJob.count().where((OutboxJob.kind == "outage_alert") & (OutboxJob.status == "done")) == 1


async def test_a_device_in_ukrainian_is_subscribed_and_alerted(client, settings, stub):
    """The PWA sends the device's language with its subscription; a device in Ukrainian gets the
    alert's own words in Ukrainian (the staff's title as written)."""
    await resident(settings, "ola@example.com")
    await subscribe(client, "ola@example.com", stub.device("ola-uk"), language="uk")
    assert (await PushSubscription.select(PushSubscription.language).first())["language"] == "uk"
    await staff(settings)
    await publish(client, area={"town": "Olecko", "streets": [{"street": "ul. Lipowa", "parity": "odd"}]})
    assert await run_alerts(settings) == 1
    [got] = stub.received_by("ola-uk")
    assert got.payload["title"] == "Аварія: ul. Lipowa (непарні)"
    assert got.payload["body"].startswith("Awaria sieci wodociągowej\nОчікуване завершення: ")
    assert set((await deliveries()).values()) == {("sent", 201)}


async def test_update_replaces_the_alert_with_the_same_tag_and_topic(client, settings, stub):
    await resident(settings, "ola@example.com")
    await subscribe(client, "ola@example.com", stub.device("ola"))
    await staff(settings)
    o = await publish(client, kind="planned", starts_at=iso(NOW + timedelta(days=1)),
                      expected_end=iso(NOW + timedelta(days=3)))
    await run_alerts(settings)
    first = stub.received_by("ola")[0]
    assert first.headers["urgency"] == "normal" and first.headers["ttl"] == str(24 * 3600)  # capped at a day
    assert first.payload["body"].startswith("Awaria sieci wodociągowej\nPoczątek: ")
    await client.post(f"/api/staff/outages/{o['id']}/close")
    await run_alerts(settings)
    second = stub.received_by("ola")[1]
    assert second.headers["topic"] == first.headers["topic"] and second.payload["tag"] == first.payload["tag"]
    assert second.payload["reason"] == "closed" and second.payload["seq"] == 2
    assert second.payload["title"] == "Zakończono — Prace planowane: ul. Lipowa"
    assert "Dostawa wody przywrócona" in second.payload["body"]


async def test_a_newer_alert_supersedes_what_is_still_unsent(client, settings, stub):
    await resident(settings, "ola@example.com")
    await subscribe(client, "ola@example.com", stub.device("ola"))
    await staff(settings)
    o = await publish(client)
    await client.put(f"/api/staff/outages/{o['id']}", json=outage_body(expected_end=iso(NOW + timedelta(hours=9))))
    await run_alerts(settings)  # both jobs: the first one finds a newer alert and sends nothing
    [got] = stub.received_by("ola")
    assert got.payload["seq"] == 2 and got.payload["title"].startswith("Zmiana — Awaria")
    assert sorted(r["status"] for r in await PushDelivery.select(PushDelivery.status)) == ["sent", "superseded"]


async def test_push_service_answers(client, settings, stub):
    names = ["ok", "gone", "busy", "flaky", "bad", "forbidden", "big"]
    await staff(settings)
    for name in names:
        await resident(settings, f"{name}@example.com")
        await subscribe(client, f"{name}@example.com", stub.device(name))
    stub.answers.update({"gone": [410], "busy": [429, 201], "flaky": [500, 503, 201], "bad": [400],
                         "forbidden": [403], "big": [413]})
    stub.retry_after = "120"
    await publish(client)
    await run_alerts(settings)
    by_name = {n: (await PushSubscription.select(PushSubscription.id).where(
        PushSubscription.endpoint == stub.devices[n].endpoint).first()) for n in names}
    assert by_name["gone"] is None  # 410: the subscription is deleted
    states = {r["endpoint_origin"] + str(r["subscription_id"]): r for r in await PushDelivery.select()}
    rows = {r["status"] for r in states.values()}
    assert rows == {"sent", "gone", "retry", "failed"}
    busy = await PushDelivery.select().where(PushDelivery.subscription_id == by_name["busy"]["id"]).first()
    assert busy["status"] == "retry" and busy["http_status"] == 429
    assert timedelta(seconds=110) < busy["next_attempt_at"] - sender.now() <= timedelta(seconds=120)  # Retry-After
    flaky = await PushDelivery.select().where(PushDelivery.subscription_id == by_name["flaky"]["id"]).first()
    assert flaky["status"] == "retry" and flaky["http_status"] == 500
    assert timedelta(seconds=3) < flaky["next_attempt_at"] - sender.now() <= timedelta(seconds=5)  # backoff
    for name, code in (("bad", 400), ("forbidden", 403), ("big", 413)):
        row = await PushDelivery.select().where(PushDelivery.subscription_id == by_name[name]["id"]).first()
        assert (row["status"], row["http_status"]) == ("failed", code)
    job = await OutboxJob.select().where(OutboxJob.kind == "outage_alert").first()
    assert job["status"] == "pending" and job["run_after"] > outbox.now() + timedelta(seconds=3)  # RetryLater

    assert await run_alerts(settings) == 0  # nothing is due yet
    await make_due()
    await run_alerts(settings)  # busy: 201; flaky: 503 again
    await make_due()
    await run_alerts(settings)  # flaky: 201
    assert {n: stub.counts[n] for n in names} == {"ok": 1, "gone": 1, "busy": 2, "flaky": 3, "bad": 1,
                                                  "forbidden": 1, "big": 1}
    statuses = sorted(r["status"] for r in await PushDelivery.select(PushDelivery.status))
    assert statuses == ["failed", "failed", "failed", "gone", "sent", "sent", "sent"]
    job = await OutboxJob.select().where(OutboxJob.kind == "outage_alert").first()
    assert job["status"] == "done"
    assert stub.errors == []


async def test_network_errors_retry_and_give_up_after_max_attempts(client, settings, stub):
    await staff(settings)
    await resident(settings, "ola@example.com")
    await subscribe(client, "ola@example.com", stub.device("ola"))
    await PushSubscription.update({PushSubscription.endpoint: "http://127.0.0.1:9/push/nobody"}, force=True)
    await publish(client)
    for _ in range(sender.MAX_ATTEMPTS):
        await run_alerts(settings)
        await make_due()
    row = await PushDelivery.select().first()
    assert row["status"] == "failed" and row["attempts"] == sender.MAX_ATTEMPTS and "network" in row["last_error"]


async def test_crash_mid_fan_out_resumes_without_sending_twice(client, settings, stub, monkeypatch):
    await staff(settings)
    for i in range(10):
        await resident(settings, f"r{i}@example.com")
        await subscribe(client, f"r{i}@example.com", stub.device(f"r{i}"))
    await publish(client)

    real_record = OutageAlerts._record
    calls = 0

    async def record_then_die(self, results):
        nonlocal calls
        calls += 1
        await real_record(self, results)
        if calls == 2:  # the process dies after its second batch of four was recorded
            raise SystemExit("killed")

    monkeypatch.setattr(OutageAlerts, "_record", record_then_die)
    handler = OutageAlerts(settings, in_flight=4, batch=4)
    [job] = await outbox.claim(["outage_alert"])
    with pytest.raises(SystemExit):
        await handler(job["payload"])
    assert sum(stub.counts.values()) == 8
    monkeypatch.setattr(OutageAlerts, "_record", real_record)
    # the job's lease runs out and another worker takes it; targeting again adds no rows
    await OutboxJob.update({OutboxJob.locked_until: outbox.now() - timedelta(seconds=1)}, force=True)
    assert await run_alerts(settings) == 1
    assert sorted(stub.counts) == sorted(f"r{i}" for i in range(10))
    assert set(stub.counts.values()) == {1}
    assert await PushDelivery.count() == 10


async def test_workers_in_other_processes_share_a_large_alert(client, settings, stub):
    """The alert job queues helper jobs for the other workers; together they send every device
    one message, and the job finishes only after the helpers' batches are recorded."""
    settings = msgspec.structs.replace(settings, push_senders=3)
    stub.delay = 0.03  # answers take a while, as they do across the internet
    await staff(settings)
    for i in range(16):
        await resident(settings, f"r{i}@example.com", "ul. Lipowa", str(i + 1))
        await subscribe(client, f"r{i}@example.com", stub.device(f"r{i}"))
    await publish(client)

    sent_by_helpers = []

    class Helper(OutageAlertHelper):
        async def _record(self, results):
            sent_by_helpers.extend(r.subscription_id for r in results if r.status == "sent")
            await super()._record(results)

    # each helper worker stands for another process: woken by the job queue, polling otherwise
    helpers = [outbox.Worker({SEND_JOB: Helper(settings, in_flight=2, batch=2)}, poll_seconds=0.05) for _ in range(2)]
    for worker in helpers:
        worker.start()
    try:
        assert await outbox.Worker({"outage_alert": OutageAlerts(settings, in_flight=2, batch=2)}).run_once() == 1
    finally:
        for worker in helpers:
            await worker.stop()
    assert sorted(stub.counts) == sorted(f"r{i}" for i in range(16))
    assert set(stub.counts.values()) == {1}
    assert 0 < len(sent_by_helpers) < 16  # shared: the helpers sent some, the job the rest
    assert await OutboxJob.count().where((OutboxJob.kind == SEND_JOB) & (OutboxJob.status == "done")) == 2
    assert {s for s, _ in (await deliveries()).values()} == {"sent"}
    assert (await Publication.select(Publication.finished_at).first())["finished_at"] is not None


async def test_a_small_alert_is_sent_without_helpers(client, settings, stub):
    settings = msgspec.structs.replace(settings, push_senders=4)
    await staff(settings)
    await resident(settings, "ola@example.com")
    await subscribe(client, "ola@example.com", stub.device("ola"))
    await publish(client)
    assert await outbox.Worker({"outage_alert": OutageAlerts(settings)}).run_once() == 1
    assert stub.counts == {"ola": 1}
    assert await OutboxJob.count().where(OutboxJob.kind == SEND_JOB) == 0


async def test_a_batch_lost_in_flight_is_sent_again_after_its_lease(client, settings, stub):
    """The one case that can repeat a message: a process killed while a batch was in flight.
    The repeat has the same Topic and tag, so the phone still shows one notification."""
    await staff(settings)
    await resident(settings, "ola@example.com")
    await subscribe(client, "ola@example.com", stub.device("ola"))
    await publish(client)
    handler = OutageAlerts(settings)
    [job] = await outbox.claim(["outage_alert"])
    pub_id = job["payload"]["publication_id"]
    from backend.outages.tables import Outage, Publication

    pub = await Publication.select().first()
    outage = await Outage.select().output(load_json=True).first()
    await handler.target(pub, outage)
    assert len(await handler._claim(pub_id)) == 1  # claimed, then the process died
    assert await handler._claim(pub_id) == []  # leased: nobody else sends it meanwhile
    await PushDelivery.update({PushDelivery.next_attempt_at: sender.now() - timedelta(seconds=1)}, force=True)
    await handler(job["payload"])
    [got] = stub.received_by("ola")
    assert got.headers["topic"] == outage["id"].hex


async def test_email_alert_for_residents_without_push(client, settings, stub, smtp_server):
    await staff(settings)
    await resident(settings, "mail@example.com")
    await resident(settings, "both@example.com")
    await resident(settings, "nothing@example.com")
    for login in ("mail@example.com", "both@example.com"):
        await log_in(client, login)
        await client.put("/api/alerts/email", json={"enabled": True})
    await subscribe(client, "both@example.com", stub.device("both"))
    o = await publish(client)
    await run_alerts(settings)
    jobs = await OutboxJob.select().where(OutboxJob.kind == "mail")
    assert [j["payload"]["to"] if isinstance(j["payload"], dict) else j["payload"] for j in jobs] and len(jobs) == 1
    assert await AlertEmail.count() == 1
    # the mail outbox delivers it over real SMTP
    from backend.core.mail import MailDelivery

    await outbox.Worker({"mail": MailDelivery(settings)}).run_once()
    [msg] = await smtp_server.wait_for("mail@example.com")
    assert msg["Subject"] == "Awaria: ul. Lipowa — Wodociągi Demo"
    text = msg.get_body().get_content()
    assert f"/awarie?id={o['id']}" in text and "Przewidywane zakończenie" in text and "694 971 390" in text
    # running the targeting again (a resumed job) queues no second mail
    from backend.outages.tables import Outage, Publication

    pub = await Publication.select().first()
    outage = await Outage.select().output(load_json=True).first()
    await OutageAlerts(settings).target(pub, outage)
    assert await OutboxJob.count().where(OutboxJob.kind == "mail") == 1
    assert stub.counts == {"both": 1}


async def test_email_alert_in_the_residents_language(client, settings, stub, smtp_server):
    await staff(settings)
    await resident(settings, "english@example.com")
    await log_in(client, "english@example.com")
    await client.patch("/api/me", json={"language": "en"})
    await client.put("/api/alerts/email", json={"enabled": True})
    o = await publish(client, water_point="")
    await run_alerts(settings)
    from backend.core.mail import MailDelivery

    await outbox.Worker({"mail": MailDelivery(settings)}).run_once()
    [msg] = await smtp_server.wait_for("english@example.com")
    assert msg["Subject"] == "Failure: ul. Lipowa — Wodociągi Demo"
    text = msg.get_body().get_content()
    assert text.startswith("Hello,") and "Expected end:" in text and "Our emergency line" in text
    assert f"Details: http://127.0.0.1:8000/awarie?id={o['id']}" in text
    assert "Pękła rura." in text  # what the staff wrote stays as written


async def test_email_alert_in_ukrainian_for_an_account_in_ukrainian(client, settings, stub, smtp_server):
    await staff(settings)
    await resident(settings, "oksana.alerty@example.com")
    await log_in(client, "oksana.alerty@example.com")
    await client.patch("/api/me", json={"language": "uk"})
    await client.put("/api/alerts/email", json={"enabled": True})
    o = await publish(client, area={"town": "Olecko", "streets": [{"street": "ul. Lipowa", "parity": "odd"}]})
    await run_alerts(settings)
    from backend.core.mail import MailDelivery

    await outbox.Worker({"mail": MailDelivery(settings)}).run_once()
    [msg] = await smtp_server.wait_for("oksana.alerty@example.com")
    assert msg["Subject"] == "Аварія: ul. Lipowa (непарні) — Wodociągi Demo"
    text = msg.get_body().get_content()
    assert text.startswith("Добрий день,") and "Очікуване завершення:" in text and "Резервна вода:" in text
    assert f"Деталі: http://127.0.0.1:8000/awarie?id={o['id']}" in text and "цілодобово" in text
    assert "Pękła rura." in text  # what the staff wrote stays as written


async def test_a_device_with_a_broken_endpoint_does_not_hold_back_the_others(client, settings, stub):
    """Endpoints httpx refuses to parse (stored before the check was strict) fail on their own:
    everyone else in the batch gets the alert once, the job finishes, nothing is sent again."""
    await staff(settings)
    names = ["a", "b", "c", "octal", "port"]
    for name in names:
        await resident(settings, f"{name}@example.com")
        await subscribe(client, f"{name}@example.com", stub.device(name))
    for name, endpoint in (("octal", "https://0177.0.0.1/x"), ("port", "https://[::1/x")):
        await PushSubscription.update({PushSubscription.endpoint: endpoint}).where(
            PushSubscription.endpoint == stub.devices[name].endpoint)
    await publish(client)
    worker = outbox.Worker({"outage_alert": OutageAlerts(settings, in_flight=8, batch=10)})
    assert await worker.run_once() == 1
    assert stub.counts == {"a": 1, "b": 1, "c": 1}
    rows = await PushDelivery.select(PushDelivery.status, PushDelivery.last_error)
    assert sorted(r["status"] for r in rows) == ["failed", "failed", "sent", "sent", "sent"]
    assert all(r["last_error"] for r in rows if r["status"] == "failed")
    assert (await OutboxJob.select(OutboxJob.status).where(OutboxJob.kind == "outage_alert").first())["status"] == "done"
    await make_due()
    assert await worker.run_once() == 0
    assert stub.counts == {"a": 1, "b": 1, "c": 1}


async def test_the_sender_connects_only_to_public_addresses(client, settings, stub):
    """Endpoints stored before the subscription check was strict, naming the local push service
    by other spellings of 127.0.0.1: the sender resolves them, refuses, and never connects."""
    await staff(settings)
    aliases = {"short": "127.1", "decimal": "2130706433", "hex": "0x7f000001", "name": "localhost"}
    for name in ["ok", *aliases]:
        await resident(settings, f"{name}@example.com")
        await subscribe(client, f"{name}@example.com", stub.device(name))
    for name, host in aliases.items():
        await PushSubscription.update({PushSubscription.endpoint: f"http://{host}:{stub.port}/push/{name}"}).where(
            PushSubscription.endpoint == stub.devices[name].endpoint)
    await publish(client)
    await run_alerts(settings)
    assert stub.counts == {"ok": 1}  # the stub would have answered 201 to each of them
    rows = await PushDelivery.select(PushDelivery.status, PushDelivery.last_error).where(PushDelivery.status != "sent")
    assert len(rows) == 4 and all(r["status"] == "failed" and "not public" in r["last_error"] for r in rows)


async def test_a_withdrawn_push_consent_stops_the_devices_alerts(client, settings, stub):
    """Withdrawn at the office (on paper) while the phone still holds its subscription: no push."""
    ola = await resident(settings, "ola@example.com")
    await resident(settings, "jan@example.com", number="9")
    await subscribe(client, "ola@example.com", stub.device("ola"))
    await subscribe(client, "jan@example.com", stub.device("jan"))
    await staff(settings)
    await log_in(client, "biuro@example.com")
    r = await client.put(f"/api/consents/{ola['id']}/push_alerts", json={"given": False})
    assert r.status_code == 200 and r.json()["given"] is False
    await publish(client)
    await run_alerts(settings)
    assert sorted(stub.counts) == ["jan"]
