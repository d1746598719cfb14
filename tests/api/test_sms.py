"""SMS through SMSAPI.pl (issue 15.3): part counting, phone numbers, the outage alert's SMS
fallback, what the office sees before publishing, the gateway's errors and delivery reports and
the monthly limit. The gateway is tests/sms_gateway.py, a local server speaking SMSAPI's protocol."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import msgspec
import pytest

from backend.core import outbox, sms
from backend.core.sms import SmsDelivery
from backend.core.tables import OutboxJob, SmsMessage
from backend.outages.sender import OutageAlerts
from backend.outages.tables import Publication
from tests.api.test_outages import fresh_vapid_keys, outage_body, resident, staff, subscribe  # noqa: F401
from tests.push_service import PushService
from tests.sms_gateway import TOKEN, SmsGateway
from tests.support import log_in


@pytest.fixture(scope="module")
def gateway():
    g = SmsGateway()
    yield g
    g.stop()


@pytest.fixture
def settings(settings, gateway):
    gateway.sent.clear()
    gateway.fail_next.clear()
    gateway.error_next.clear()
    gateway.hang_next = 0
    return msgspec.structs.replace(settings, run_worker=False, smsapi_token=TOKEN, smsapi_url=gateway.url,
                                   sms_sender="WODOCIAGI", sms_monthly_limit=1000)


# --- length as the gateway counts it -------------------------------------------------------------

@pytest.mark.parametrize(("text", "encoding", "characters", "parts"), [
    ("a" * 160, "gsm", 160, 1),
    ("a" * 161, "gsm", 161, 2),
    ("a" * 306, "gsm", 306, 2),
    ("a" * 307, "gsm", 307, 3),
    ("[€]" + "a" * 154, "gsm", 160, 1),  # the extension characters count twice
    ("[€]" + "a" * 155, "gsm", 161, 2),
    ("ą" * 70, "ucs2", 70, 1),
    ("ą" + "a" * 70, "ucs2", 71, 2),
    ("ż" * 134, "ucs2", 134, 2),
    ("ż" * 135, "ucs2", 135, 3),
])
def test_parts_as_the_gateway_counts_them(text, encoding, characters, parts):
    assert sms.length(text) == sms.Length(encoding, characters, parts)


def test_polish_letters_replaced_keep_a_text_in_gsm(settings):
    text = "Awaria: ul. Źródlana. Przewidywane zakończenie: 02.12.2026 18:00 — „beczkowóz”"
    assert sms.length(text).encoding == "ucs2"
    ascii_settings = msgspec.structs.replace(settings, sms_ascii=True)
    replaced = sms.prepare(ascii_settings, text)
    assert replaced == 'Awaria: ul. Zrodlana. Przewidywane zakonczenie: 02.12.2026 18:00 - "beczkowoz"'
    assert sms.length(replaced) == sms.Length("gsm", len(replaced), 1)
    assert sms.prepare(settings, text) == text  # without EBOK_SMS_ASCII the letters stay (UCS-2)


@pytest.mark.parametrize(("phone", "number"), [
    ("+48 600 100 200", "48600100200"), ("600-100-200", "48600100200"), ("0048501234567", "48501234567"),
    ("48 (797) 123 456", "48797123456"), ("887 000 111", "48887000111"),
    ("+48 87 520 20 20", None),  # a landline (Olecko)
    ("+49 151 2345678", None), ("60010020", None), ("6001002001", None), ("", None), ("+48 600 10O 200", None),
    ("+48 ٦٠٠ ١٠٠ ٢٠٠", None),  # Arabic-Indic digits are not digits here
])
def test_mobile_numbers(phone, number):
    assert sms.mobile(phone) == number


# --- the resident's phone and SMS choice ----------------------------------------------------------

async def test_profile_refuses_a_number_that_is_not_polish_on_its_field(client, settings):
    r = await resident(settings, "tel@example.com")
    await log_in(client, "tel@example.com")
    body = {"street": "ul. Nowa", "house_number": "5", "postcode": "19-400", "town": "Olecko"}
    for bad in ("+49 151 2345678", "600 100 20", "12345678901234"):
        answer = await client.patch(f"/api/profile/customers/{r['id']}", json={**body, "phone": bad})
        assert answer.status_code == 400, bad
        assert (answer.json()["code"], answer.json()["field"]) == ("phone_invalid", "phone")
    ok = await client.patch(f"/api/profile/customers/{r['id']}", json={**body, "phone": "+48 87 520 20 20"})
    assert ok.status_code in (200, 204), ok.text
    # a landline is a phone, but no SMS goes to it: turning SMS on says so, on the phone's field
    refused = await client.put("/api/preferences", json={"customer_id": r["id"], "message": "outage",
                                                         "channel": "sms", "on": True})
    assert refused.status_code == 409
    assert (refused.json()["code"], refused.json()["field"]) == ("sms_needs_mobile", "phone")


async def _with_mobile(client, settings, email: str, phone: str = "+48 600 100 200", **kw) -> dict:
    r = await resident(settings, email, **kw)
    await log_in(client, email)
    body = {"street": "ul. Nowa", "house_number": "5", "postcode": "19-400", "town": "Olecko", "phone": phone}
    assert (await client.patch(f"/api/profile/customers/{r['id']}", json=body)).status_code in (200, 204)
    return r


async def sms_on(client, r: dict, message: str = "outage") -> dict:
    answer = await client.put("/api/preferences", json={"customer_id": r["id"], "message": message,
                                                        "channel": "sms", "on": True})
    assert answer.status_code == 200, answer.text
    return answer.json()


async def test_sms_choice_is_a_consent_with_history(client, settings):
    r = await _with_mobile(client, settings, "wybor@example.com")
    state = await sms_on(client, r)
    [customer] = state["customers"]
    cells = {(m["message"], c["channel"]): c for m in customer["messages"] for c in m["channels"]}
    assert cells[("outage", "sms")]["on"] and cells[("outage", "sms")]["kind"] == "sms_alerts"
    assert [h["action"] for h in cells[("outage", "sms")]["history"]] == ["given"]
    # notices come by push and e-mail until the resident says otherwise; reminders only when chosen
    assert cells[("notice", "push")]["on"] and cells[("notice", "email")]["on"]
    assert not cells[("reminder", "push")]["on"] and not cells[("notice", "sms")]["on"]
    off = await client.put("/api/preferences", json={"customer_id": r["id"], "message": "notice",
                                                     "channel": "email", "on": False})
    cells = {(m["message"], c["channel"]): c for m in off.json()["customers"][0]["messages"] for c in m["channels"]}
    assert not cells[("notice", "email")]["on"]
    assert [h["action"] for h in cells[("notice", "email")]["history"]] == ["withdrawn"]
    # another customer's cell is not found
    other = await resident(settings, "obcy@example.com")
    assert (await client.put("/api/preferences", json={"customer_id": other["id"], "message": "outage",
                                                       "channel": "sms", "on": True})).status_code == 404


# --- the outage alert's SMS -------------------------------------------------------------------------

async def run_jobs(settings, rounds: int = 6) -> None:
    delivery = SmsDelivery(settings, timeout=1)
    worker = outbox.Worker({"outage_alert": OutageAlerts(settings, in_flight=8, batch=4), "sms": delivery})
    try:
        for _ in range(rounds):
            if not await worker.run_once():
                break
    finally:
        await delivery.aclose()


async def make_due() -> None:
    await OutboxJob.update({OutboxJob.run_after: outbox.now() - timedelta(seconds=1)}, force=True)


async def test_outage_sms_goes_to_those_no_device_alerted_and_the_office_sees_it_first(client, settings, gateway):
    texting = await _with_mobile(client, settings, "sms@example.com", phone="+48 600 100 200")
    await sms_on(client, texting)
    with_app = await _with_mobile(client, settings, "app@example.com", phone="+48 600 100 300")
    await sms_on(client, with_app)
    push = PushService()
    try:
        await subscribe(client, "app@example.com", push.device("phone"))
        await _with_mobile(client, settings, "nosms@example.com", phone="+48 600 100 400")  # no SMS consent
        away = await _with_mobile(client, settings, "away@example.com", phone="+48 600 100 500", street="ul. Inna")
        await sms_on(client, away)

        await staff(settings)
        await log_in(client, "biuro@example.com")
        o = (await client.post("/api/staff/outages", json=outage_body())).json()
        preview = (await client.get(f"/api/staff/outages/{o['id']}/sms")).json()
        assert preview["recipients"] == 1
        assert preview["encoding"] == "ucs2" and preview["text"].startswith("Wodociągi Demo: Awaria: ul. Lipowa.")
        assert preview["parts"] == preview["parts_each"] == sms.length(preview["text"]).parts
        assert preview["month_limit"] == 1000 and preview["month_parts_sent"] == 0 and not preview["over_limit"]
        assert (await client.post(f"/api/staff/outages/{o['id']}/publish")).status_code == 200

        await run_jobs(settings)
        assert len(push.received_by("phone")) == 1
        [sent] = gateway.sent
        assert sent.to == "48600100200" and sent.sender == "WODOCIAGI"
        assert sent.message == preview["text"]
        assert sent.fields["format"] == "json" and sent.fields["check_idx"] == "1" and len(sent.idx) == 32
        assert sent.notify_url.startswith("http://127.0.0.1:8000/api/sms/report?key=")
        assert TOKEN not in sent.notify_url
        row = await SmsMessage.select().first()
        assert (row["status"], row["gateway_id"], row["kind"]) == ("sent", sent.id, "outage")

        # the gateway's delivery report is recorded on the message
        path, query = gateway.report([sent], "DELIVERED")
        answer = await client.get(path, params=query)
        assert (answer.status_code, answer.text) == (200, "OK")
        row = await SmsMessage.select().first()
        assert (row["status"], row["report"]) == ("delivered", "DELIVERED")
        assert (await client.get(path, params={**query, "key": "wrong"})).status_code == 404

        # the alert job again, as after a crash before it recorded its targeting: nothing twice
        pub = await Publication.select().first()
        await Publication.update({Publication.targeted_at: None, Publication.finished_at: None}, force=True)
        await outbox.enqueue("outage_alert", {"publication_id": str(pub["id"])})
        await run_jobs(settings)
        assert len(gateway.sent) == 1 and await SmsMessage.count() == 1

        # the month's use is shown to the office afterwards
        preview = (await client.get(f"/api/staff/outages/{o['id']}/sms")).json()
        assert preview["month_parts_sent"] == sent_parts(sent.message)
    finally:
        push.stop()


def sent_parts(text: str) -> int:
    return sms.length(text).parts


async def _queue(settings, n: int = 1, phone: str = "+48 600 100 200", text: str = "Test") -> list[str]:
    for i in range(n):
        assert await sms.queue_sms(settings, f"test:{i}", phone, text, "notice")
    return [str(r["id"]) for r in await SmsMessage.select(SmsMessage.id)]


async def test_gateway_errors_retried_with_backoff_until_sent_once(client, settings, gateway):
    await _queue(settings)
    gateway.fail_next[:] = [500, 503]
    await run_jobs(settings)
    row = await SmsMessage.select().first()
    assert (row["status"], row["attempts"]) == ("queued", 1) and "500" in row["error"]
    job = await OutboxJob.select().where((OutboxJob.kind == "sms") & (OutboxJob.status == "pending")).first()
    assert job["run_after"] > outbox.now() + timedelta(seconds=3)  # backoff, not at once
    for _ in range(2):
        await make_due()
        await run_jobs(settings)
    row = await SmsMessage.select().first()
    assert (row["status"], row["attempts"]) == ("sent", 3)
    assert len(gateway.sent) == 1


async def test_an_answer_lost_to_a_timeout_is_not_sent_twice(client, settings, gateway):
    await _queue(settings)
    gateway.hang_next, gateway.hang_seconds = 1, 2.0  # the gateway takes it, the answer comes too late
    await run_jobs(settings)
    assert len(gateway.sent) == 1
    assert (await SmsMessage.select().first())["status"] == "queued"
    await make_due()
    await run_jobs(settings)  # sent again with the same idx: the gateway refuses the repeat
    row = await SmsMessage.select().first()
    assert row["status"] == "sent" and len(gateway.sent) == 1


async def test_a_number_the_gateway_rejects_is_failed_not_retried(client, settings, gateway):
    await _queue(settings)
    gateway.error_next[:] = [13]
    await run_jobs(settings)
    row = await SmsMessage.select().first()
    assert row["status"] == "failed" and "13" in row["error"]
    assert not await OutboxJob.exists().where((OutboxJob.kind == "sms") & (OutboxJob.status == "pending"))
    # the gateway's own "too many requests" is retried
    assert await sms.queue_sms(settings, "test:again", "+48 600 100 201", "Test", "notice")
    gateway.error_next[:] = [203]
    await run_jobs(settings)
    assert (await SmsMessage.select().where(SmsMessage.key == "test:again").first())["status"] == "queued"


async def test_monthly_limit_stops_sending_and_the_office_sees_it(client, settings, gateway):
    limited = msgspec.structs.replace(settings, sms_monthly_limit=3)
    long_text = "a" * 200  # two parts
    for i in range(3):
        assert await sms.queue_sms(limited, f"cap:{i}", f"+48 600 100 20{i}", long_text, "notice")
    await run_jobs(limited)
    statuses = sorted(r["status"] for r in await SmsMessage.select(SmsMessage.status))
    assert statuses == ["held", "held", "sent"]
    assert len(gateway.sent) == 1
    usage = await sms.month_usage(limited, sms.now())
    assert (usage.parts_sent, usage.limit, usage.held) == (2, 3, 2)
    await staff(settings)
    await log_in(client, "biuro@example.com")
    o = (await client.post("/api/staff/outages", json=outage_body())).json()
    preview = (await client.get(f"/api/staff/outages/{o['id']}/sms")).json()
    assert preview["month_held"] == 2


async def test_the_month_is_warsaws():
    # 23:30 UTC on 31 January is 00:30 on 1 February in Warsaw: February's count starts then
    at = datetime(2027, 1, 31, 23, 30, tzinfo=UTC)
    assert sms.month_start(sms.local_day(at)) == datetime(2027, 1, 31, 23, 0, tzinfo=UTC)
