"""Notices about a resident's own data (issue 15.2): for each kind of event what the push service,
the SMTP server and the SMS gateway receive — once per channel, none on a channel turned off, in
the account's language, push and SMS held through the quiet hours, nothing twice when a job runs
again. The moments are fixed: the fan-out and the sender are given the time they run at, as the
reminders' tests do; the mail and SMS jobs run through their real handlers to the local servers."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import UTC, date, datetime, timedelta

import msgspec
import pytest

from backend.accounts.tables import User
from backend.consents import services as consents
from backend.core import notify
from backend.core.clock import WARSAW, iso
from backend.core.mail import MailDelivery
from backend.core.sms import SmsDelivery
from backend.core.tables import OutboxJob
from backend.customers.tables import Customer
from backend.notices import fanout
from backend.notices.tables import Notice
from backend.outages import services as outages
from tests.api.test_outages import fresh_vapid_keys, resident, subscribe  # noqa: F401
from tests.api.test_readings import post_reading
from tests.push_service import PushService
from tests.sms_gateway import TOKEN, SmsGateway
from tests.support import log_in, make_user


@pytest.fixture(scope="module")
def gateway():
    g = SmsGateway()
    yield g
    g.stop()


@pytest.fixture
def settings(settings, gateway, smtp_server):
    gateway.sent.clear()
    smtp_server.messages.clear()
    return msgspec.structs.replace(settings, run_worker=False, smsapi_token=TOKEN, smsapi_url=gateway.url,
                                   sms_sender="WODOCIAGI", sms_monthly_limit=1000)


@pytest.fixture
def push():
    service = PushService()
    yield service
    service.stop()


def warsaw(*args: int) -> datetime:
    return datetime(*args, tzinfo=WARSAW).astimezone(UTC)


DAY = warsaw(2026, 3, 10, 12, 0)  # a working hour
NIGHT = warsaw(2026, 3, 10, 22, 30)  # the quiet hours


async def person(client, settings, push, email: str, lang: str = "pl", *, device: str | None = None,
                 phone: str = "", sms_on: bool = False, street: str = "ul. Lipowa") -> dict:
    """A resident with the contact-data consent, a language, maybe a phone with notice SMS on and a
    device subscribed to push."""
    r = await resident(settings, email, street=street)
    await consents.record(r["id"], "contact_data", True, "office")
    await User.update({User.language: lang}).where(User.email == email)
    if phone:
        await Customer.update({Customer.phone: phone}).where(Customer.id == r["id"])
    if device:
        await subscribe(client, email, push.device(device))
    if sms_on:
        await log_in(client, email)
        answer = await client.put("/api/preferences", json={"customer_id": r["id"], "message": "notice",
                                                            "channel": "sms", "on": True})
        assert answer.status_code == 200, answer.text
    await client.delete("/api/session")
    return r


async def turn_off(client, r: dict, channel: str) -> None:
    await log_in(client, r["email"])
    answer = await client.put("/api/preferences", json={"customer_id": r["id"], "message": "notice",
                                                        "channel": channel, "on": False})
    assert answer.status_code == 200, answer.text
    await client.delete("/api/session")


async def deliver(settings, at: datetime, *, twice: bool = False) -> None:
    """Run the due notice jobs as the worker would at `at` (each one twice with `twice`: a job
    retried after its work was done), then the mail and SMS jobs they queued."""
    sender = fanout.NoticeSender(settings)
    for _ in range(5):
        # a fan-out job is due when queued (by the real clock), as is an outage's job that finds whom
        # to tell; a send job when its notices are
        jobs = await OutboxJob.select().where(
            (OutboxJob.status == "pending") & ((OutboxJob.kind.is_in([fanout.FANOUT_JOB, outages.NOTICE_JOB]))
                                               | ((OutboxJob.kind == fanout.SEND_JOB) & (OutboxJob.run_after <= at)))
        ).order_by(OutboxJob.created_at).output(load_json=True)
        if not jobs:
            break
        for job in jobs:
            for _ in range(2 if twice else 1):
                if job["kind"] == outages.NOTICE_JOB:
                    await outages.send_notices(job["payload"])
                elif job["kind"] == fanout.FANOUT_JOB:
                    await fanout.fan_out(job["payload"]["events"], at)
                else:
                    await sender.send(job["payload"], at)
            await OutboxJob.update({OutboxJob.status: "done"}).where(OutboxJob.id == job["id"])
    mail, text = MailDelivery(settings), SmsDelivery(settings, timeout=5)
    for job in await OutboxJob.select().where(OutboxJob.kind.is_in(["mail", "sms"]) & (OutboxJob.status == "pending")
                                              ).output(load_json=True):
        # a mail job runs once (SMTP is at least once); an SMS job again sends nothing twice
        for _ in range(2 if twice and job["kind"] == "sms" else 1):
            await (mail if job["kind"] == "mail" else text)(job["payload"])
        await OutboxJob.update({OutboxJob.status: "done"}).where(OutboxJob.id == job["id"])
    await text.aclose()


def pushes(push, name: str) -> list[dict]:
    return [r.payload for r in push.received_by(name) if r.payload.get("type") == "notice"]


def mails(smtp_server, address: str) -> list:
    return smtp_server.to(address)


def body_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


async def staff_session(client, settings) -> None:
    await make_user(settings, "biuro@example.com", role="staff")
    await log_in(client, "biuro@example.com")


# --- a reading rejected or corrected ------------------------------------------------------------

async def reject_a_reading(client, settings, r: dict, note: str = "Na zdjęciu jest 50,2 m³.") -> dict:
    from tests.api.test_readings import add_reading

    await add_reading(r["meter_id"], 50_000, datetime.now(UTC) - timedelta(days=30))
    await log_in(client, r["email"])
    flagged = (await post_reading(client, r["meter_id"], "40")).json()
    assert flagged["status"] == "flagged"
    await client.delete("/api/session")
    await staff_session(client, settings)
    answer = await client.post(f"/api/staff/readings/{flagged['id']}/review", json={"decision": "reject", "note": note})
    assert answer.status_code == 200, answer.text
    await client.delete("/api/session")
    return flagged


async def test_a_rejected_reading_is_told_on_each_channel_once(client, settings, push, gateway, smtp_server):
    r = await person(client, settings, push, "odrzucony@example.com", device="phone", phone="+48 600 100 200",
                     sms_on=True)
    await reject_a_reading(client, settings, r)
    await deliver(settings, DAY, twice=True)  # every job run twice: nothing is sent twice

    [payload] = pushes(push, "phone")
    assert payload["kind"] == "reading_rejected" and payload["title"] == "Odczyt nie został przyjęty"
    assert "Na zdjęciu jest 50,2 m³." in payload["body"] and "40,000 m³" in payload["body"]
    assert payload["url"] == f"/odczyty/historia?licznik={r['meter_id']}"
    # the device shows this only while the account is logged in there; else the locked text, no content
    assert payload["owner"] == r["user_id"]
    assert payload["locked"] == {"title": "e-BOK: nowe powiadomienie", "body": "Zaloguj się w e-BOK, aby je przeczytać."}
    [message] = mails(smtp_server, "odrzucony@example.com")
    assert message["Subject"].startswith("Odczyt nie został przyjęty")
    assert f"http://127.0.0.1:8000/odczyty/historia?licznik={r['meter_id']}" in body_of(message)
    [text] = gateway.sent
    assert text.to == "48600100200" and "Na zdjęciu jest 50,2 m³." in text.message
    assert {n["channel"]: n["status"] for n in await Notice.select()} == {"push": "sent", "email": "sent",
                                                                          "sms": "sent"}


async def test_two_processes_holding_the_same_send_job_mail_once(client, settings, push):
    # a send job whose lease ran out is taken by a second worker while the first still works on it:
    # both read the same queued notice; the e-mail is queued by whichever claims the row first
    r = await person(client, settings, push, "dwaj@example.com")
    await reject_a_reading(client, settings, r)
    for job in await OutboxJob.select().where(OutboxJob.kind == fanout.FANOUT_JOB).output(load_json=True):
        await fanout.fan_out(job["payload"]["events"], DAY)
    held = await Notice.select().where((Notice.channel == "email") & (Notice.status == "queued"))
    assert len(held) == 1
    for worker in (fanout.NoticeSender(settings), fanout.NoticeSender(settings)):
        await worker._emails([{**n, "data": msgspec.json.decode(n["data"]) if isinstance(n["data"], str) else n["data"]}
                              for n in held])
    mail_jobs = await OutboxJob.select(OutboxJob.payload).where(OutboxJob.kind == "mail").output(load_json=True)
    assert [j["payload"]["to"] for j in mail_jobs if j["payload"]["subject"].startswith("Odczyt nie")] \
        == ["dwaj@example.com"]


async def test_an_outage_notice_by_sms_reaches_each_customer_whatever_their_ids(client, settings, gateway):
    # an outage's notice has a long key (its ref names the outage, the change and the new end); the
    # SMS's own key must still tell two customers apart whose ids differ only in their last digits
    import uuid

    ids = [f"0b5e5e11-7a6e-4c1d-9f00-00000000000{n}" for n in (1, 2)]
    for n, cid in enumerate(ids):
        await Customer.insert(Customer(id=uuid.UUID(cid), number=f"77000{n}", name=f"Odbiorca {n}", street="ul. Lipowa",
                                       house_number="7", postcode="19-400", town="Olecko", phone=f"+48 600 300 30{n}"))
        await consents.record(cid, "contact_data", True, "office")
        await consents.record(cid, "notice_sms", True, "office")
    end = iso(DAY + timedelta(hours=6, microseconds=123_000))  # as precise as the office's API client sent it
    data = {"outage_id": "5d6f0c6e-0000-4000-8000-000000000001", "title": "Awaria sieci", "alerted": False,
            "expected_end": end}
    await fanout.fan_out([{"kind": "outage_extended", "customer": cid, "ref": f"{data['outage_id']}:extended:{end}",
                           "data": data} for cid in ids], DAY)
    await deliver(settings, DAY)
    assert sorted(m.to for m in gateway.sent) == ["48600300300", "48600300301"]


async def test_a_channel_turned_off_gets_nothing_and_sms_only_when_chosen(client, settings, push, gateway,
                                                                          smtp_server):
    r = await person(client, settings, push, "wylaczyl@example.com", device="phone", phone="+48 600 100 201")
    await turn_off(client, r, "email")
    await reject_a_reading(client, settings, r)
    await deliver(settings, DAY)
    assert len(pushes(push, "phone")) == 1
    assert mails(smtp_server, "wylaczyl@example.com") == [] and gateway.sent == []  # e-mail off; SMS never chosen


async def test_no_email_without_the_contact_data_consent(client, settings, push, smtp_server):
    r = await person(client, settings, push, "bezzgody@example.com", device="phone")
    await consents.record(r["id"], "contact_data", False, "office")
    await reject_a_reading(client, settings, r)
    await deliver(settings, DAY)
    assert len(pushes(push, "phone")) == 1 and mails(smtp_server, "bezzgody@example.com") == []


@pytest.mark.parametrize(("lang", "title", "words"), [
    ("en", "Your reading was not accepted", "The office's note: Zła cyfra"),
    ("uk", "Показання не прийнято", "Примітка офісу: Zła cyfra"),
])
async def test_a_rejected_reading_in_the_accounts_language(client, settings, push, smtp_server, lang, title, words):
    r = await person(client, settings, push, f"lang-{lang}@example.com", lang, device="phone")
    await reject_a_reading(client, settings, r, note="Zła cyfra")
    await deliver(settings, DAY)
    [payload] = pushes(push, "phone")
    assert payload["title"] == title and words in payload["body"] and payload["lang"] == lang
    assert payload["locked"]["title"] == {"en": "e-BOK: new notification", "uk": "e-BOK: нове сповіщення"}[lang]
    [message] = mails(smtp_server, f"lang-{lang}@example.com")
    assert message["Subject"].startswith(title) and words in body_of(message)


async def test_no_push_or_sms_in_the_quiet_hours(client, settings, push, gateway, smtp_server):
    r = await person(client, settings, push, "noca@example.com", device="phone", phone="+48 600 100 202",
                     sms_on=True)
    await reject_a_reading(client, settings, r)
    await deliver(settings, NIGHT)
    assert pushes(push, "phone") == [] and gateway.sent == []
    assert len(mails(smtp_server, "noca@example.com")) == 1  # e-mail does not wake anyone
    due = {n["channel"]: n["due_at"] for n in await Notice.select()}
    assert due["push"] == due["sms"] == warsaw(2026, 3, 11, 8, 0)
    await deliver(settings, warsaw(2026, 3, 11, 8, 0))
    assert len(pushes(push, "phone")) == 1 and len(gateway.sent) == 1
    assert len(mails(smtp_server, "noca@example.com")) == 1


async def test_an_inspectors_correction_is_told(client, settings, push, smtp_server):
    from backend.readings import services as readings

    r = await person(client, settings, push, "skorygowany@example.com", "en", device="phone")
    await log_in(client, r["email"])
    given = (await post_reading(client, r["meter_id"], "123,456")).json()
    await client.delete("/api/session")
    inspector = await make_user(settings, "inkasent@example.com", role="inspector")
    await readings.record_verification(given["id"], "corrected", inspector, note="Skorygowany przez inkasenta: 125,000 m³",
                                       found_litres=125_000)
    await deliver(settings, DAY, twice=True)
    [payload] = pushes(push, "phone")
    assert payload["kind"] == "reading_corrected" and payload["title"] == "An inspector corrected your reading"
    assert "instead of 123,456 m³" in payload["body"] and "125,000 m³" in payload["body"]
    assert payload["url"] == f"/odczyty/historia?licznik={r['meter_id']}"
    assert len(mails(smtp_server, r["email"])) == 1


async def test_events_in_bulk_take_a_job_per_batch(client, settings):
    events = [notify.Event("payment", f"00000000-0000-0000-0000-{i:012d}", f"p{i}", {"amount_grosze": 100})
              for i in range(1200)]
    assert await notify.emit(events) == 3
    jobs = await OutboxJob.select().where(OutboxJob.kind == fanout.FANOUT_JOB)
    assert len(jobs) == 3


def test_texts_exist_in_every_language():
    from backend.notices import notice_texts

    for lang, words in notice_texts.WORDS.items():
        assert set(words) == set(notice_texts.WORDS["pl"]), lang
    for kind in notify.KINDS:
        for lang in ("pl", "en", "uk"):
            title, body = notice_texts.notice(kind, {"day": "2026-03-10", "due_date": "2026-03-24",
                                                     "expected_end": iso(DAY), "amount_grosze": 12345}, lang)
            assert title and body
    assert notice_texts.money(123456, "pl") == "1\u00a0234,56 zł" and notice_texts.money(-5, "en") == "PLN -0.05"


# --- documents: e-BOK's billing run, a correction, a reminder; the billing system's documents -----

async def billed_person(client, settings, push, email: str, lang: str = "pl", number: str = "400001",
                        device: str = "phone") -> dict:
    """A resident whose meter has September's and October's readings, ready for October's run."""
    from backend.billing.tariffs import add_tariff
    from tests.api.test_billing import reading, utc

    if not await _tariff_exists():
        await add_tariff("Taryfa", date(2024, 1, 1), 344, 559, 386)
    r = await person(client, settings, push, email, lang, device=device)
    await Customer.update({Customer.number: number}).where(Customer.id == r["id"])
    await reading(r["meter_id"], 100_000, utc(2026, 9, 28))
    await reading(r["meter_id"], 112_000, utc(2026, 10, 29))
    return r


async def _tariff_exists() -> bool:
    from backend.billing.tables import Tariff

    return await Tariff.exists()


async def test_a_new_invoice_is_told_and_not_emailed_twice_with_e_faktura(client, settings, push, smtp_server):
    from backend.billing.run import run_billing
    from backend.billing.tables import Document

    plain = await billed_person(client, settings, push, "faktura@example.com", "uk", "400001", device="phone")
    paperless = await billed_person(client, settings, push, "efaktura@example.com", "pl", "400002", device="tablet")
    await log_in(client, paperless["email"])
    answer = await client.put("/api/settlements/einvoice", json={"customer_id": paperless["id"], "granted": True})
    assert answer.status_code == 200, answer.text
    await client.delete("/api/session")

    result = await run_billing(settings, "2026-10", issue_date=date(2026, 11, 2), reminders=False)
    assert result.invoices == 2
    await deliver(settings, DAY, twice=True)
    doc = await Document.select().where(Document.customer == plain["id"]).first()
    [payload] = pushes(push, "phone")
    assert payload["kind"] == "invoice" and payload["title"] == f"Новий рахунок {doc['number']}"
    assert payload["url"] == f"/rozliczenia/dokument?id={doc['id']}" and "16.11.2026" in payload["body"]
    [message] = mails(smtp_server, "faktura@example.com")
    assert message["Subject"].startswith(f"Новий рахунок {doc['number']}")
    assert f"http://127.0.0.1:8000/rozliczenia/dokument?id={doc['id']}" in body_of(message)
    # with e-Faktura: the push, but no second e-mail beside the invoice's own
    assert len(pushes(push, "tablet")) == 1
    assert mails(smtp_server, "efaktura@example.com") == []
    assert await OutboxJob.count().where(OutboxJob.kind == "billing_invoice_mail") == 1


async def test_a_correction_is_told(client, settings, push, smtp_server):
    from backend.billing.run import run_billing
    from backend.billing.tables import Document
    from backend.readings.tables import Reading
    from tests.api.test_billing import reading, utc

    r = await billed_person(client, settings, push, "korekta@example.com", "en")
    await run_billing(settings, "2026-10", issue_date=date(2026, 11, 2), notify=False, reminders=False)
    await Reading.update({Reading.status: "rejected"}).where(Reading.value_litres == 112_000)
    await reading(r["meter_id"], 108_000, utc(2026, 10, 30))
    inv = await Document.select().where(Document.customer == r["id"]).first()
    await staff_session(client, settings)
    answer = await client.post(f"/api/staff/billing/documents/{inv['id']}/correct")
    assert answer.status_code == 201, answer.text
    await deliver(settings, DAY, twice=True)
    cor = await Document.select().where(Document.kind == "correction").first()
    [payload] = pushes(push, "phone")  # the run with notify=False told nobody
    assert payload["kind"] == "correction" and payload["title"] == f"Corrective invoice {cor['number']}"
    assert payload["url"] == f"/rozliczenia/dokument?id={cor['id']}" and "PLN -" in payload["body"]
    assert len(mails(smtp_server, r["email"])) == 1


async def test_a_reminder_is_told_with_what_is_owed(client, settings, push, smtp_server, gateway):
    from backend.billing.payments import issue_reminders
    from backend.billing.run import run_billing
    from backend.billing.tables import Document

    r = await billed_person(client, settings, push, "upomnienie@example.com")
    await Customer.update({Customer.phone: "+48 600 100 203"}).where(Customer.id == r["id"])
    await log_in(client, r["email"])
    assert (await client.put("/api/preferences", json={"customer_id": r["id"], "message": "notice", "channel": "sms",
                                                       "on": True})).status_code == 200
    await client.delete("/api/session")
    await run_billing(settings, "2026-10", issue_date=date(2026, 11, 2), notify=False, reminders=False)
    inv = await Document.select().where(Document.customer == r["id"]).first()
    assert await issue_reminders(settings, date(2026, 12, 1), "2026-11") == 1
    await deliver(settings, DAY, twice=True)
    rem = await Document.select().where(Document.kind == "reminder").first()
    [payload] = pushes(push, "phone")
    assert payload["kind"] == "reminder" and payload["title"] == f"Upomnienie {rem['number']}"
    owed = f"{inv['gross_grosze'] // 100},{inv['gross_grosze'] % 100:02d} zł"
    assert owed in payload["body"].replace("\u00a0", "") and payload["url"] == f"/rozliczenia/dokument?id={rem['id']}"
    assert len(mails(smtp_server, r["email"])) == 1
    [text] = gateway.sent
    assert f"Upomnienie {rem['number']}" in text.message


async def test_the_billing_systems_documents_are_told(client, settings, push, smtp_server):
    from backend.billing import services as billing
    from backend.billing.external import DocumentItem
    from tests.pdfs import real_pdf

    external = msgspec.structs.replace(settings, billing="external")
    r = await person(client, settings, push, "zewnetrzna@example.com", "en", device="phone")
    await Customer.update({Customer.number: "700001"}).where(Customer.id == r["id"])
    item = DocumentItem(number="FV/2026/11/001", kind="invoice", customer_number="700001",
                        issue_date=date(2026, 11, 2), due_date=date(2026, 11, 16), gross_grosze=12345, pdf=real_pdf())
    assert await billing.import_documents(external, [item]) == (["FV/2026/11/001"], [])
    assert await billing.import_documents(external, [item]) == ([], ["FV/2026/11/001"])  # sent again: told once
    await deliver(settings, DAY, twice=True)
    [payload] = pushes(push, "phone")
    assert payload["title"] == "New invoice FV/2026/11/001" and "PLN 123.45" in payload["body"]
    [message] = mails(smtp_server, r["email"])
    assert "16.11.2026" in body_of(message)


# --- payments: a bank statement (in bulk), one assigned by the office, the billing system's, online ---

async def test_payments_from_a_statement_are_told_in_one_job(client, settings, push, smtp_server):
    from backend.billing import nrb

    ola = await person(client, settings, push, "wplata@example.com", "en", device="phone")
    ela = await person(client, settings, push, "wplata2@example.com", device="tablet")
    await Customer.update({Customer.number: "400001"}).where(Customer.id == ola["id"])
    await Customer.update({Customer.number: "400002"}).where(Customer.id == ela["id"])
    csv_text = ("Data księgowania;Kwota;Rachunek odbiorcy;Nadawca;Tytuł;Identyfikator\n"
                f"2026-11-05;50,00;{nrb.format_nrb(nrb.customer_account(settings, '400001'))};Ola;FV;TX1\n"
                f"2026-11-05;20,00;{nrb.format_nrb(nrb.customer_account(settings, '400002'))};Ela;FV;TX2\n"
                "2026-11-06;12,34;11 1020 3040 0000 0000 0000 0001;Ktoś;wpłata bez rachunku;TX3\n")
    await staff_session(client, settings)
    answer = await client.post("/api/staff/billing/statements",
                               files={"file": ("wyciag.csv", csv_text.encode("cp1250"), "text/csv")})
    assert answer.status_code == 201 and answer.json()["matched"] == 2, answer.text
    # two payments, one fan-out job (a bulk path queues a job per 500, not one per customer)
    assert await OutboxJob.count().where(OutboxJob.kind == fanout.FANOUT_JOB) == 1
    unmatched = (await client.get("/api/staff/billing/unmatched")).json()
    assigned = await client.post(f"/api/staff/billing/unmatched/{unmatched[0]['id']}/assign",
                                 json={"customer_number": "400002"})
    assert assigned.status_code == 200, assigned.text
    await deliver(settings, DAY, twice=True)
    [payload] = pushes(push, "phone")
    assert payload == {**payload, "kind": "payment", "title": "Payment booked", "url": "/rozliczenia", "lang": "en"}
    assert "PLN 50.00 from 05.11.2026" in payload["body"]
    assert sorted(p["body"] for p in pushes(push, "tablet")) == [
        "Zaksięgowaliśmy wpłatę 12,34 zł z 06.11.2026. Dziękujemy!",
        "Zaksięgowaliśmy wpłatę 20,00 zł z 05.11.2026. Dziękujemy!"]
    assert len(mails(smtp_server, "wplata@example.com")) == 1 and len(mails(smtp_server, "wplata2@example.com")) == 2


async def test_the_billing_systems_payments_are_told_once(client, settings, push, gateway):
    from backend.billing import services as billing
    from backend.billing.external import PaymentItem

    external = msgspec.structs.replace(settings, billing="external")
    r = await person(client, settings, push, "erp@example.com", "uk", device="phone", phone="+48 600 100 204",
                     sms_on=True)
    await Customer.update({Customer.number: "700002"}).where(Customer.id == r["id"])
    await turn_off(client, r, "email")
    items = [PaymentItem("ERP-1", "700002", 9900, date(2026, 11, 10)), PaymentItem("ERP-2", "700002", 100,
                                                                                   date(2026, 11, 11))]
    assert (await billing.import_payments(external, items))[0] == ["ERP-1", "ERP-2"]
    assert (await billing.import_payments(external, items))[0] == []  # sent again: nothing new
    await deliver(settings, NIGHT)
    assert pushes(push, "phone") == [] and gateway.sent == []  # the quiet hours
    await deliver(settings, warsaw(2026, 3, 11, 8, 0), twice=True)
    assert sorted(p["body"] for p in pushes(push, "phone")) == [
        "Ми зарахували вашу оплату 1,00 zł від 11.11.2026. Дякуємо!",
        "Ми зарахували вашу оплату 99,00 zł від 10.11.2026. Дякуємо!"]
    assert sorted(s.message.removeprefix(f"{settings.utility_name}: ") for s in gateway.sent) == [
        "Ми зарахували вашу оплату 1,00 zł від 11.11.2026. Дякуємо! http://127.0.0.1:8000/rozliczenia",
        "Ми зарахували вашу оплату 99,00 zł від 10.11.2026. Дякуємо! http://127.0.0.1:8000/rozliczenia"]


# --- an outage on the street: extended, ended -------------------------------------------------------

async def test_an_outage_extended_or_ended_is_told_to_those_alerted(client, settings, push, smtp_server):
    from tests.api.test_outages import outage_body
    from tests.api.test_outages_push import run_alerts

    await person(client, settings, push, "lipowa@example.com", "en", device="phone")
    inna = await person(client, settings, push, "inna@example.com", device="other", street="ul. Inna")
    await person(client, settings, push, "bezalertu@example.com")  # on the street, but nothing reached them
    await staff_session(client, settings)
    body = outage_body()
    outage = (await client.post("/api/staff/outages", json=body)).json()
    assert (await client.post(f"/api/staff/outages/{outage['id']}/publish")).status_code == 200
    await run_alerts(settings, times=3)
    assert [p["type"] for p in (r.payload for r in push.received_by("phone"))] == ["outage"]

    # the office moves the end two hours later without sending the alert again: a notice says so
    later = datetime.fromisoformat(body["expected_end"]) + timedelta(hours=2)
    answer = await client.put(f"/api/staff/outages/{outage['id']}", json={**body, "expected_end": iso(later),
                                                                         "notify": False})
    assert answer.status_code == 200, answer.text
    # whom to tell is found by a job, not inside the office's write transaction (a town: 100,000)
    assert await OutboxJob.count().where(OutboxJob.kind == fanout.FANOUT_JOB) == 0
    assert await OutboxJob.count().where(OutboxJob.kind == outages.NOTICE_JOB) == 1
    await deliver(settings, DAY, twice=True)
    [extended] = pushes(push, "phone")
    assert extended["kind"] == "outage_extended" and extended["title"] == "The outage will last longer"
    assert later.astimezone(WARSAW).strftime("%d.%m.%Y %H:%M") in extended["body"]
    assert extended["url"] == f"/awarie?id={outage['id']}" and extended["tag"] == f"outage-{outage['id']}"
    [message] = mails(smtp_server, "lipowa@example.com")
    assert message["Subject"].startswith("The outage will last longer")
    # an earlier end is no extension
    sooner = await client.put(f"/api/staff/outages/{outage['id']}", json={**body, "notify": False})
    assert sooner.status_code == 200
    # closed: the alert's all-clear reaches the device; the notice adds the e-mail, not a second push
    assert (await client.post(f"/api/staff/outages/{outage['id']}/close")).status_code == 200
    await run_alerts(settings, times=3)
    await deliver(settings, DAY, twice=True)
    assert [r.payload["type"] for r in push.received_by("phone")] == ["outage", "notice", "outage"]
    ended = mails(smtp_server, "lipowa@example.com")[1:]
    assert [m["Subject"].split(" — ")[0] for m in ended] == ["Water supply restored"]
    assert f"http://127.0.0.1:8000/awarie?id={outage['id']}" in body_of(ended[0])
    # not on the street, or not alerted: nothing
    assert pushes(push, "other") == [] and mails(smtp_server, inna["email"]) == []
    assert mails(smtp_server, "bezalertu@example.com") == []


async def test_a_channel_turned_off_overnight_is_not_sent_in_the_morning(client, settings, push, gateway):
    r = await person(client, settings, push, "rano@example.com", device="phone", phone="+48 600 100 205", sms_on=True)
    await reject_a_reading(client, settings, r)
    await deliver(settings, NIGHT)  # push and SMS wait for 8:00
    await turn_off(client, r, "push")
    await turn_off(client, r, "sms")
    await deliver(settings, warsaw(2026, 3, 11, 8, 0))
    assert pushes(push, "phone") == [] and gateway.sent == []
    assert {n["channel"]: n["status"] for n in await Notice.select()} == {"push": "skipped", "email": "sent",
                                                                          "sms": "skipped"}


async def test_an_online_payment_confirmed_by_the_gateway_is_told_once(client, settings, push):
    from backend.billing.run import run_billing
    from backend.billing.tables import OnlinePayment
    from tests.api.test_billing import signed

    r = await billed_person(client, settings, push, "online@example.com")
    await run_billing(settings, "2026-10", issue_date=date(2026, 11, 2), notify=False, reminders=False)
    await log_in(client, r["email"])
    doc = (await client.get("/api/settlements")).json()["documents"][0]
    started = (await client.post("/api/settlements/payments", json={"customer_id": r["id"],
                                                                    "document_ids": [doc["id"]]})).json()
    row = await OnlinePayment.select().where(OnlinePayment.id == started["id"]).first()
    client.cookies.clear()
    body = msgspec.json.encode(signed(settings, row["session_id"], doc["remaining_grosze"]))
    for _ in range(2):  # the gateway's notification and its replay
        answer = await client.post("/api/payments/notify/sandbox", content=body,
                                   headers={"X-CSRFToken": "", "content-type": "application/json"})
        assert answer.status_code == 200, answer.text
    await deliver(settings, DAY, twice=True)
    [payload] = pushes(push, "phone")
    amount = f"{doc['remaining_grosze'] // 100},{doc['remaining_grosze'] % 100:02d} zł"
    assert payload["kind"] == "payment" and amount in payload["body"].replace("\u00a0", "")


async def test_a_rejected_reading_is_told_to_whose_it_was_after_the_point_changed_hands(client, settings, push,
                                                                                      tmp_path):
    """A gives a reading; before the office reviews it, the billing system's registry file moves the
    point (with its meter) to B — the change of customer as the office imports it. The rejection is
    A's news: A is told, B nothing."""
    from backend.customers.tables import Meter, ServicePoint
    from tests.api.test_readings import add_reading
    from tests.api.test_registry import HEADER, run, write

    a = await person(client, settings, push, "a@example.com", device="phone-a")
    b = await person(client, settings, push, "b@example.com", device="phone-b", street="ul. Długa")
    await add_reading(a["meter_id"], 50_000, datetime.now(UTC) - timedelta(days=30))
    await log_in(client, a["email"])
    flagged = (await post_reading(client, a["meter_id"], "40")).json()
    assert flagged["status"] == "flagged"
    await client.delete("/api/session")

    serial = (await Meter.select(Meter.serial).where(Meter.id == a["meter_id"]).first())["serial"]

    def row(number: str) -> str:
        return (f"{number};Jan Testowy;;;ul. Testowa;1;19-400;Olecko;1;P-0007;ul. Lipowa;7;;19-400;Olecko;"
                f"{serial};main;5;2024-01-01;2029-01-01;0")

    # the point gets its code in the registry (still A's), then the next file names B its customer
    for n, number in enumerate((a["number"], b["number"])):
        plan = await run(write(tmp_path, f"{HEADER}\r\n{row(number)}\r\n", f"registry-{n}.csv"))
        assert not plan.errors, plan.errors
    point = await ServicePoint.select(ServicePoint.customer).where(ServicePoint.id == a["service_point_id"]).first()
    assert str(point["customer"]) == b["id"]

    await staff_session(client, settings)
    answer = await client.post(f"/api/staff/readings/{flagged['id']}/review",
                               json={"decision": "reject", "note": "Na zdjęciu jest 50,2 m³."})
    assert answer.status_code == 200, answer.text
    await deliver(settings, DAY)
    [told] = pushes(push, "phone-a")
    assert told["kind"] == "reading_rejected" and "50,2 m³" in told["body"]
    assert pushes(push, "phone-b") == []
    assert {str(n["customer"]) for n in await Notice.select(Notice.customer)} == {a["id"]}

    async def exported_readings(email: str) -> set[str]:
        await log_in(client, email)
        answer = await client.get("/api/my-data/export")
        assert answer.status_code == 200, answer.text
        data = json.loads(zipfile.ZipFile(io.BytesIO(answer.content)).read("dane.json"))
        return {r["id"] for r in data["reading"]}

    # B's history of the meter starts with B's readings: A's are A's data (the one from before
    # readings recorded their customer, add_reading's, stays in both)
    await log_in(client, b["email"])
    history = (await client.get(f"/api/meters/{a['meter_id']}/readings")).json()
    assert [r["value_litres"] for r in history["readings"]] == [50_000]
    await log_in(client, "biuro@example.com")
    history = (await client.get(f"/api/meters/{a['meter_id']}/readings")).json()
    assert flagged["id"] in {r["id"] for r in history["readings"]}  # the office sees every reading

    # Moje dane follows the same rule: the reading stays in A's export and is not in B's
    assert flagged["id"] in await exported_readings(a["email"])
    assert flagged["id"] not in await exported_readings(b["email"])
