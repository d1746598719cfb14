"""Reading reminders (issue 15.1): the window maths across months and period lengths, the quiet
hours, one reminder per window stage, channel and recipient, none after a reading, the daily job
queued once whatever the number of workers. Every time here is fixed: the scan and the sender are
given the day and the moment, the rules never read the clock."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import msgspec
import pytest

from backend.core import outbox
from backend.core.clock import WARSAW
from backend.core.tables import OutboxJob, SmsMessage
from backend.customers.tables import Customer
from backend.notices import reminders, rules, sending
from backend.notices.reminders import SCAN_JOB, SEND_JOB, ReminderSender
from backend.notices.tables import Reminder
from tests.api.test_outages import fresh_vapid_keys, resident, subscribe  # noqa: F401
from tests.api.test_readings import post_reading
from tests.push_service import PushService
from tests.support import log_in


@pytest.fixture
def settings(settings):
    return msgspec.structs.replace(settings, run_worker=False, reading_window_days=7)


@pytest.fixture
def push():
    service = PushService()
    yield service
    service.stop()


def warsaw(*args: int) -> datetime:
    return datetime(*args, tzinfo=WARSAW).astimezone(UTC)


# --- window maths ------------------------------------------------------------------------------

@pytest.mark.parametrize(("day", "period", "days", "stages"), [
    (date(2027, 1, 25), 1, 7, ["open"]),  # 31 January - 6
    (date(2027, 1, 29), 1, 7, ["closing"]),  # two days before the end
    (date(2027, 1, 26), 1, 7, []),
    (date(2027, 2, 22), 1, 7, ["open"]),  # February of 28 days
    (date(2027, 2, 26), 1, 7, ["closing"]),
    (date(2028, 2, 23), 1, 7, ["open"]),  # a leap year's February
    (date(2028, 2, 27), 1, 7, ["closing"]),
    (date(2027, 4, 24), 1, 7, ["open"]),  # a month of 30 days
    (date(2027, 1, 25), 2, 7, []),  # bi-monthly: January-February, the window is at the end of February
    (date(2027, 2, 22), 2, 7, ["open"]),
    (date(2027, 3, 25), 2, 7, []),
    (date(2027, 4, 24), 2, 7, ["open"]),  # March-April
    (date(2027, 1, 25), 3, 7, []),  # quarterly: only the last month of a quarter
    (date(2027, 3, 25), 3, 7, ["open"]),
    (date(2027, 3, 29), 3, 7, ["closing"]),
    (date(2027, 12, 25), 3, 7, ["open"]),
    (date(2027, 12, 29), 3, 7, ["closing"]),
    (date(2027, 1, 30), 1, 2, ["open"]),  # a window of two days: no second reminder inside it
    (date(2027, 1, 29), 1, 2, []),
    (date(2027, 1, 29), 1, 3, ["open"]),  # three days: the closing day is the opening one, one reminder
])
def test_window_stages(day, period, days, stages):
    assert [s for s, _ in rules.stages_on(day, period, days)] == stages


@pytest.mark.parametrize(("at", "due"), [
    (warsaw(2027, 1, 25, 8, 0), warsaw(2027, 1, 25, 8, 0)),
    (warsaw(2027, 1, 25, 20, 59), warsaw(2027, 1, 25, 20, 59)),
    (warsaw(2027, 1, 25, 21, 0), warsaw(2027, 1, 26, 8, 0)),
    (warsaw(2027, 1, 25, 23, 30), warsaw(2027, 1, 26, 8, 0)),
    (warsaw(2027, 1, 26, 0, 10), warsaw(2027, 1, 26, 8, 0)),
    (warsaw(2027, 1, 26, 7, 59), warsaw(2027, 1, 26, 8, 0)),
    (warsaw(2027, 3, 27, 22, 0), warsaw(2027, 3, 28, 8, 0)),  # the night the clocks go forward
    (warsaw(2027, 10, 30, 22, 0), warsaw(2027, 10, 31, 8, 0)),  # and back
])
def test_quiet_hours(at, due):
    assert rules.not_quiet(at) == due


# --- the scan and the sending -------------------------------------------------------------------

OPENS = date(2026, 1, 25)  # a monthly window: 25-31 January 2026
CLOSING = date(2026, 1, 29)


async def chosen(client, settings, email: str, *channels: str, phone: str = "+48 600 100 200") -> dict:
    r = await resident(settings, email)
    await log_in(client, email)
    body = {"street": "ul. Nowa", "house_number": "5", "postcode": "19-400", "town": "Olecko", "phone": phone}
    assert (await client.patch(f"/api/profile/customers/{r['id']}", json=body)).status_code == 200
    for channel in channels:
        answer = await client.put("/api/preferences", json={"customer_id": r["id"], "message": "reminder",
                                                            "channel": channel, "on": True})
        assert answer.status_code == 200, answer.text
    return r


async def send_due(settings, at: datetime) -> None:
    """Run the due send jobs as the worker does."""
    sender = ReminderSender(settings)
    for job in await OutboxJob.select().where((OutboxJob.kind == SEND_JOB) & (OutboxJob.status == "pending")
                                              & (OutboxJob.run_after <= at)).output(load_json=True):
        await sender.send(job["payload"], at)
        await OutboxJob.update({OutboxJob.status: "done"}).where(OutboxJob.id == job["id"])


async def test_reminder_on_each_chosen_channel_once(client, settings, push):
    r = await chosen(client, settings, "przypomnij@example.com", "push", "email", "sms")
    device = push.device("phone")
    await subscribe(client, "przypomnij@example.com", device)
    await resident(settings, "nic@example.com", street="ul. Inna")  # chose nothing: no reminder

    assert await reminders.scan(settings, OPENS, warsaw(2026, 1, 25, 8, 0)) == 3
    assert await reminders.scan(settings, OPENS, warsaw(2026, 1, 25, 9, 0)) == 0  # once per window and channel
    await send_due(settings, warsaw(2026, 1, 25, 8, 0))
    statuses = {row["channel"]: row["status"] for row in await Reminder.select()}
    assert statuses == {"push": "sent", "email": "sent", "sms": "sent"}

    [received] = push.received_by("phone")
    payload = received.payload
    assert payload["type"] == "reminder" and payload["url"] == f"/odczyty/nowy?licznik={r['meter_id']}"
    assert payload["title"] == "Czas na odczyt wodomierza" and "do 31.01.2026" in payload["body"]
    [message] = await SmsMessage.select()
    assert message["kind"] == "reminder" and message["phone"] == "48600100200"
    assert f"/odczyty/nowy?licznik={r['meter_id']}" in message["text"]
    mail_jobs = await OutboxJob.select(OutboxJob.payload).where(OutboxJob.kind == "mail").output(load_json=True)
    reminder_mail = [j["payload"] for j in mail_jobs if "odczyt" in j["payload"]["subject"]]
    assert len(reminder_mail) == 1 and reminder_mail[0]["to"] == "przypomnij@example.com"
    assert f"http://127.0.0.1:8000/odczyty/nowy?licznik={r['meter_id']}" in reminder_mail[0]["text"]


async def test_two_processes_holding_the_same_job_mail_once(client, settings):
    # a job whose lease ran out is taken by a second worker while the first still works on it:
    # both have read the same queued rows; the e-mail is queued by whichever claims the row first
    await chosen(client, settings, "dwaj@example.com", "email")
    assert await reminders.scan(settings, OPENS, warsaw(2026, 1, 25, 8, 0)) == 1
    held = await Reminder.select().where(Reminder.status == "queued")
    for worker in (ReminderSender(settings), ReminderSender(settings)):
        await worker._emails(held)
    mail_jobs = await OutboxJob.select(OutboxJob.payload).where(OutboxJob.kind == "mail").output(load_json=True)
    assert [j["payload"]["to"] for j in mail_jobs if "odczyt" in j["payload"]["subject"]] == ["dwaj@example.com"]
    assert [r["status"] for r in await Reminder.select(Reminder.status)] == ["sent"]


async def test_a_device_gets_the_reminder_of_each_service_point(client, settings, push):
    """Two service points of one customer, one phone: two pushes, each opening its own meter."""
    from backend.customers.tables import Meter, ServicePoint

    r = await chosen(client, settings, "dwa@example.com", "push")
    second, meter = uuid.uuid4(), uuid.uuid4()
    await ServicePoint.insert(ServicePoint(id=second, customer=uuid.UUID(r["id"]), street="ul. Zielona",
                                           house_number="5", apartment="3", postcode="19-400", town="Olecko"))
    await Meter.insert(Meter(id=meter, service_point=second, serial="WD-DRUGI-1", kind="main",
                             installed_on=date(2024, 1, 1), verification_due=date(2029, 1, 1)))
    await subscribe(client, "dwa@example.com", push.device("phone"))

    assert await reminders.scan(settings, OPENS, warsaw(2026, 1, 25, 8, 0)) == 2
    await send_due(settings, warsaw(2026, 1, 25, 8, 0))
    assert {row["status"] for row in await Reminder.select()} == {"sent"}
    urls = sorted(x.payload["url"] for x in push.received_by("phone"))
    assert urls == sorted([f"/odczyty/nowy?licznik={r['meter_id']}", f"/odczyty/nowy?licznik={meter}"])
    assert len({x.payload["tag"] for x in push.received_by("phone")}) == 2  # two notifications, not one replaced


async def test_no_push_or_sms_in_the_quiet_hours(client, settings, push):
    await chosen(client, settings, "noc@example.com", "push", "email", "sms")
    await subscribe(client, "noc@example.com", push.device("phone"))
    assert await reminders.scan(settings, OPENS, warsaw(2026, 1, 25, 22, 15)) == 3  # a scan that ran late
    due = {row["channel"]: row["due_at"] for row in await Reminder.select()}
    assert due["push"] == due["sms"] == warsaw(2026, 1, 26, 8, 0)
    assert due["email"] == warsaw(2026, 1, 25, 22, 15)
    await send_due(settings, warsaw(2026, 1, 25, 22, 15))
    statuses = {row["channel"]: row["status"] for row in await Reminder.select()}
    assert statuses == {"push": "queued", "email": "sent", "sms": "queued"}
    assert push.received_by("phone") == []


async def test_a_push_service_error_is_tried_again_later_and_then_given_up(client, settings, push):
    await chosen(client, settings, "znowu@example.com", "push")
    device = push.device("phone")
    await subscribe(client, "znowu@example.com", device)
    push.answers["phone"] = [503, 201]
    assert await reminders.scan(settings, OPENS, warsaw(2026, 1, 25, 8, 0)) == 1
    await send_due(settings, warsaw(2026, 1, 25, 8, 0))
    [row] = await Reminder.select()
    assert (row["status"], row["attempts"]) == ("queued", 1)
    [again] = await OutboxJob.select().where((OutboxJob.kind == SEND_JOB) & (OutboxJob.status == "pending"))
    assert again["run_after"] == warsaw(2026, 1, 25, 8, 0, 5)  # outbox.backoff(1): 5 s
    await send_due(settings, warsaw(2026, 1, 25, 8, 0, 5))
    assert [r["status"] for r in await Reminder.select()] == ["sent"] and len(push.received_by("phone")) == 2

    # a device whose push service keeps failing is given up after sending.MAX_ATTEMPTS tries
    await Reminder.update({Reminder.status: "queued", Reminder.attempts: sending.MAX_ATTEMPTS - 1}, force=True)
    push.answers["phone"] = [503]
    [row] = await Reminder.select(Reminder.id)
    await ReminderSender(settings).send({"ids": [str(row["id"])]}, warsaw(2026, 1, 25, 9, 0))
    assert [r["status"] for r in await Reminder.select()] == ["failed"]


async def test_a_send_job_that_runs_late_at_night_holds_push_and_sms_for_the_morning(client, settings, push):
    await chosen(client, settings, "spozniony@example.com", "push", "email", "sms")
    await subscribe(client, "spozniony@example.com", push.device("phone"))
    assert await reminders.scan(settings, OPENS, warsaw(2026, 1, 25, 20, 50)) == 3  # all due before 21:00
    for job in await OutboxJob.select().where(OutboxJob.kind == SEND_JOB).output(load_json=True):
        await OutboxJob.update({OutboxJob.status: "done"}).where(OutboxJob.id == job["id"])
        await ReminderSender(settings).send(job["payload"], warsaw(2026, 1, 25, 22, 40))  # a worker down till then
    assert {r["channel"]: r["status"] for r in await Reminder.select()} == {"push": "queued", "email": "sent",
                                                                         "sms": "queued"}
    [held] = await OutboxJob.select().where((OutboxJob.kind == SEND_JOB) & (OutboxJob.status == "pending"))
    assert held["run_after"] == warsaw(2026, 1, 26, 8, 0) and push.received_by("phone") == []
    await send_due(settings, warsaw(2026, 1, 26, 8, 0))
    assert {r["status"] for r in await Reminder.select()} == {"sent"} and len(push.received_by("phone")) == 1


async def test_no_reminder_after_a_reading_of_the_window(client, settings):
    r = await chosen(client, settings, "podal@example.com", "email")
    other = await chosen(client, settings, "podal2@example.com", "email")
    # both got the first reminder; one gives a reading (captured offline on the 26th, sent later)
    assert await reminders.scan(settings, OPENS, warsaw(2026, 1, 25, 8, 0)) == 2
    await log_in(client, "podal@example.com")
    answer = await post_reading(client, r["meter_id"], captured_at=warsaw(2026, 1, 26, 19, 0).isoformat())
    assert answer.status_code in (200, 201), answer.text
    # the closing stage reminds only the other one
    assert await reminders.scan(settings, CLOSING, warsaw(2026, 1, 29, 8, 0)) == 1
    [closing] = await Reminder.select().where(Reminder.stage == "closing")
    assert str(closing["customer"]) == other["id"]


async def test_a_reading_that_lands_before_the_send_cancels_it(client, settings):
    r = await chosen(client, settings, "zdazyl@example.com", "sms")
    assert await reminders.scan(settings, OPENS, warsaw(2026, 1, 25, 7, 0)) == 1  # due at 8:00
    await log_in(client, "zdazyl@example.com")
    assert (await post_reading(client, r["meter_id"], captured_at=warsaw(2026, 1, 25, 7, 30).isoformat())
            ).status_code in (200, 201)
    await send_due(settings, warsaw(2026, 1, 25, 8, 0))
    assert (await Reminder.select().first())["status"] == "skipped"
    assert await SmsMessage.count() == 0


async def test_a_customer_that_ended_or_has_another_period_gets_none(client, settings):
    r = await chosen(client, settings, "kwartal@example.com", "email")
    await Customer.update({Customer.billing_period_months: 3}).where(Customer.id == r["id"])
    assert await reminders.scan(settings, OPENS, warsaw(2026, 1, 25, 8, 0)) == 0
    assert await reminders.scan(settings, date(2026, 3, 25), warsaw(2026, 3, 25, 8, 0)) == 1


async def test_the_daily_scan_is_queued_once_whatever_the_number_of_workers(client, settings):
    handlers = {SCAN_JOB: reminders.ReadingReminders(settings)}
    for _ in range(3):  # three processes' workers start the same day
        await outbox.ensure_daily({SCAN_JOB: rules.QUIET_UNTIL}, OPENS)
    jobs = await OutboxJob.select().where(OutboxJob.kind == SCAN_JOB).output(load_json=True)
    assert len(jobs) == 1 and jobs[0]["payload"] == {"day": "2026-01-25"}
    assert jobs[0]["run_after"] == warsaw(2026, 1, 25, 8, 0)
    assert handlers  # the worker takes it at 8:00 like any job
