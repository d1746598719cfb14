"""Contact over the API: a message reaches the office mailbox and the staff inbox exactly once per
Idempotency-Key, attachments are checked, staff reply, the resident is told without the content,
and nobody sees another customer's thread or attachment."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from backend.contact.tables import ContactMessage, ContactThread
from backend.core.tables import IdempotencyKey
from tests.pdfs import eicar_pdf, jpeg, real_pdf
from tests.support import log_in, make_customer, make_user


async def send(client, customer_id, key=None, files=None, body="Wodomierz przecieka przy zaworze.",
               category="meter_problem", subject="Przeciek"):
    data = {"customer_id": customer_id, "category": category, "subject": subject, "body": body}
    return await client.post("/api/contact/messages", data=data, files=files,
                             headers={"Idempotency-Key": key or str(uuid.uuid4())})


@pytest.fixture
async def people(client, settings):
    a, b = await make_customer(number="600001", name="Anna A"), await make_customer(number="600002")
    await make_user(settings, "a@example.com", customer_id=a["id"], name="Anna A")
    await make_user(settings, "b@example.com", customer_id=b["id"])
    await make_user(settings, "staff@example.com", role="staff", name="Ewa Biuro")
    return a, b


async def test_message_reaches_office_and_inbox_then_reply(client, people, settings, smtp_server):
    a, _ = people
    await log_in(client, "a@example.com")
    files = [("attachment", ("licznik.jpg", jpeg(), "image/jpeg")),
             ("attachment", ("protokol.pdf", real_pdf(), "application/pdf"))]
    r = await send(client, a["id"], files=files)
    assert r.status_code == 201, r.text
    thread = r.json()
    assert thread["status"] == "open" and thread["category"] == "meter_problem"
    for _ in range(200):  # the SMTP server lives for the whole run: wait for this message's mail
        mails = [m for m in smtp_server.to(settings.office_email) if "Przeciek" in m["Subject"]]
        if mails:
            break
        await asyncio.sleep(0.05)
    mail = mails[-1]
    text = mail.get_body(preferencelist=("plain",)).get_content()
    assert "600001" in text and "Wodomierz przecieka" in text and "Załączniki: 2" in text
    assert mail.get_content_type() == "text/plain"

    detail = (await client.get(f"/api/contact/threads/{thread['id']}")).json()
    atts = detail["messages"][0]["attachments"]
    assert sorted(x["kind"] for x in atts) == ["pdf", "photo"]
    photo = next(x for x in atts if x["kind"] == "photo")
    got = await client.get(f"/api/contact/attachments/{photo['id']}")
    assert got.status_code == 200 and got.headers["content-type"] == "image/jpeg"

    await log_in(client, "staff@example.com")
    inbox = (await client.get("/api/staff/contact/threads?status=open")).json()
    assert [(t["id"], t["unread"]) for t in inbox] == [(thread["id"], True)]
    reply = "Proszę zamknąć zawór; monter przyjdzie jutro. Pani PESEL 12345678901 zgadza się."
    r = await client.post(f"/api/staff/contact/threads/{thread['id']}/reply", json={"body": reply})
    assert r.status_code == 201 and r.json()["thread"]["status"] == "answered"
    for _ in range(200):
        told_all = [m for m in smtp_server.to("a@example.com") if m["Subject"].startswith("Odpowiedź czeka")]
        if told_all:
            break
        await asyncio.sleep(0.05)
    told = told_all[-1]
    body = told.get_body(preferencelist=("plain",)).get_content()
    assert "/kontakt/watek?id=" in body and "monter" not in body and "PESEL" not in body

    await log_in(client, "a@example.com")
    mine = (await client.get("/api/contact/threads")).json()
    assert mine[0]["unread"] is True
    detail = (await client.get(f"/api/contact/threads/{thread['id']}")).json()
    assert [m["from_staff"] for m in detail["messages"]] == [False, True]
    assert detail["messages"][1]["body"] == reply and detail["messages"][1]["author_name"] == ""
    assert (await client.get("/api/contact/threads")).json()[0]["unread"] is False
    r = await client.post(f"/api/contact/threads/{thread['id']}/messages", json={"body": "Dziękuję"})
    assert r.status_code == 201 and r.json()["thread"]["status"] == "open"


async def test_same_key_sends_once(client, people):
    a, _ = people
    await log_in(client, "a@example.com")
    key = str(uuid.uuid4())
    files = [("attachment", ("licznik.jpg", jpeg(), "image/jpeg"))]
    answers = await asyncio.gather(*(send(client, a["id"], key=key, files=files) for _ in range(8)))
    codes = sorted(x.status_code for x in answers)
    assert codes.count(201) == 1 and set(codes) <= {200, 201, 409}, codes
    again = await send(client, a["id"], key=key, files=files)
    assert again.status_code == 200 and again.json()["id"] == next(x for x in answers if x.status_code == 201).json()["id"]
    other = await send(client, a["id"], key=key, body="Inna treść", files=files)
    assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused"
    assert await ContactThread.count() == 1 and await ContactMessage.count() == 1
    # a refused message frees its key
    bad_key = str(uuid.uuid4())
    r = await send(client, a["id"], key=bad_key, category="spam")
    assert r.status_code == 400 and await IdempotencyKey.count().where(IdempotencyKey.key == bad_key) == 0
    assert (await client.post("/api/contact/messages", data={"customer_id": a["id"]})).json()["code"] == \
        "idempotency_key_required"


async def test_attachments_are_checked(client, people):
    a, _ = people
    await log_in(client, "a@example.com")
    r = await send(client, a["id"], files=[("attachment", ("skan.pdf", eicar_pdf(), "application/pdf"))])
    assert r.status_code == 400 and r.json()["code"] == "file_not_pdf" and r.json()["field"] == "attachment"
    r = await send(client, a["id"], files=[("attachment", ("x.exe", b"MZ\x90\x00binary", "application/pdf"))])
    assert r.json()["code"] == "attachment_not_allowed"
    r = await send(client, a["id"], files=[("attachment", (f"{i}.jpg", jpeg(), "image/jpeg")) for i in range(4)])
    assert r.json()["code"] == "too_many_attachments"
    assert await ContactThread.count() == 0


async def test_threads_and_attachments_of_another_customer_are_404(client, people):
    a, b = people
    await log_in(client, "a@example.com")
    thread = (await send(client, a["id"], files=[("attachment", ("l.jpg", jpeg(), "image/jpeg"))])).json()
    att = (await client.get(f"/api/contact/threads/{thread['id']}")).json()["messages"][0]["attachments"][0]
    await log_in(client, "b@example.com")
    assert (await client.get("/api/contact/threads")).json() == []
    for url in (f"/api/contact/threads/{thread['id']}", f"/api/contact/attachments/{att['id']}",
                "/api/contact/threads/nonsense", f"/api/staff/contact/threads/{thread['id']}"):
        r = await client.get(url)
        assert r.status_code == 404 and r.json()["code"] == "not_found", url
    r = await client.post(f"/api/contact/threads/{thread['id']}/messages", json={"body": "hej"})
    assert r.status_code == 404
    r = await client.post(f"/api/staff/contact/threads/{thread['id']}/reply", json={"body": "hej"})
    assert r.status_code == 404
    assert (await send(client, a["id"])).status_code == 404  # writing as another customer
    await client.delete("/api/session")
    assert (await client.get(f"/api/contact/attachments/{att['id']}")).status_code == 401
    # staff write replies, not new messages as a customer
    await log_in(client, "staff@example.com")
    assert (await send(client, a["id"])).status_code == 404
    assert (await client.get(f"/api/contact/attachments/{att['id']}")).status_code == 200
