"""Moje konto over the API: correspondence address, e-mail change confirmed by a link, consents with
history; and self-registration (identical answers, rate limit)."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

import pytest

from backend.accounts import registration
from backend.accounts.tables import User
from backend.billing.pdf import money
from backend.billing.run import run_billing
from backend.billing.tables import Document
from backend.billing.tariffs import add_tariff
from backend.consents import services as consents
from backend.readings.tables import Reading
from tests.support import link_from, log_in, make_customer, make_user


@pytest.fixture
async def resident(client, settings):
    customer = await make_customer(number="700001", email="jan@example.com")
    await make_user(settings, "jan@example.com", customer_id=customer["id"])
    other = await make_customer(number="700002")
    await log_in(client, "jan@example.com")
    return customer, other


async def test_correspondence_address_and_phone(client, resident):
    customer, other = resident
    body = {"street": "ul. Nowa", "house_number": "5", "postcode": "19-400", "town": "Olecko", "phone": "+48 600 100 200"}
    r = await client.patch(f"/api/profile/customers/{customer['id']}", json=body)
    assert r.status_code == 200, r.text
    row = r.json()["customers"][0]
    assert (row["street"], row["phone"]) == ("ul. Nowa", "+48 600 100 200")
    for bad in ("19400", "１９-４００"):  # full-width digits are digits to Python's \d, not to a postcode
        r = await client.patch(f"/api/profile/customers/{customer['id']}", json={**body, "postcode": bad})
        assert r.status_code == 400 and r.json()["code"] == "postcode_invalid" and r.json()["field"] == "postcode"
    r = await client.patch(f"/api/profile/customers/{other['id']}", json=body)
    assert r.status_code == 404


async def test_email_change_takes_effect_only_after_the_link(client, resident, settings, smtp_server):
    r = await client.post("/api/profile/email", json={"new_email": "jan.nowy@example.com", "password": "zle-haslo-123"})
    assert r.status_code == 400 and r.json()["code"] == "wrong_password"
    r = await client.post("/api/profile/email", json={"new_email": "Jan.Nowy@example.com",
                                                      "password": "Niebieska-Woda-2026"})
    assert r.status_code == 202 and r.json()["pending_email"] == "jan.nowy@example.com"
    assert r.json()["email"] == "jan@example.com"
    notice = (await smtp_server.wait_for("jan@example.com"))[-1]
    assert "ja***@example.com" in notice.get_body(preferencelist=("plain",)).get_content()
    confirm = (await smtp_server.wait_for("jan.nowy@example.com"))[-1]
    link = link_from(confirm)
    assert "/potwierdz-email?token=" in link
    assert await User.exists().where(User.email == "jan@example.com")  # nothing changed yet
    token = link.split("token=")[1]
    r = await client.post("/api/profile/email/confirm", json={"token": token})
    assert r.status_code == 200 and r.json()["email"] == "jan.nowy@example.com"
    assert (await client.post("/api/profile/email/confirm", json={"token": token})).json()["code"] == "token_invalid"
    await client.delete("/api/session")
    await log_in(client, "jan.nowy@example.com")
    assert (await client.get("/api/profile")).json()["customers"][0]["email"] == "jan.nowy@example.com"
    r = await client.post("/api/session", json={"login": "jan@example.com", "password": "Niebieska-Woda-2026"})
    assert r.status_code == 400


async def test_email_change_to_a_taken_address(client, resident, settings):
    await make_user(settings, "zajety@example.com")
    r = await client.post("/api/profile/email", json={"new_email": "zajety@example.com", "password": "Niebieska-Woda-2026"})
    assert r.status_code == 409 and r.json()["code"] == "email_taken"


async def test_consents_give_and_withdraw_with_history(client, resident):
    customer, other = resident
    listed = (await client.get("/api/consents")).json()
    assert [c["kind"] for c in listed[0]["consents"]] == ["e_invoice", "contact_data", "push_alerts", "email_alerts"]
    assert not any(c["given"] for c in listed[0]["consents"])
    r = await client.put(f"/api/consents/{customer['id']}/e_invoice", json={"given": True})
    assert r.status_code == 200 and r.json()["given"] and r.json()["given_at"]
    assert await consents.is_given(customer["id"], "e_invoice")
    await client.put(f"/api/consents/{customer['id']}/e_invoice", json={"given": True})  # no new history
    r = await client.put(f"/api/consents/{customer['id']}/e_invoice", json={"given": False})
    state = r.json()
    assert not state["given"] and state["withdrawn_at"] and [h["action"] for h in state["history"]] == [
        "withdrawn", "given"]
    assert not await consents.is_given(customer["id"], "e_invoice")
    assert (await client.put(f"/api/consents/{other['id']}/e_invoice", json={"given": True})).status_code == 404
    assert (await client.put(f"/api/consents/{customer['id']}/spam", json={"given": True})).status_code == 400
    assert not await consents.is_given(other["id"], "e_invoice")


async def test_paper_contact_consent_counts_until_withdrawn(client, resident):
    customer, _ = resident
    await consents.record(customer["id"], "contact_data", True, "office")  # as the office does with the paper form
    assert await consents.is_given(customer["id"], "contact_data")
    [state] = [c for c in (await client.get("/api/consents")).json()[0]["consents"] if c["kind"] == "contact_data"]
    assert state["given"] and [(h["action"], h["by_staff"]) for h in state["history"]] == [("given", True)]
    await client.put(f"/api/consents/{customer['id']}/contact_data", json={"given": False})
    assert not await consents.is_given(customer["id"], "contact_data")


# --- self-registration ------------------------------------------------------------------------------


@pytest.fixture
async def invoices(client, settings):
    """Customer 800001's invoices, issued by real billing runs for September and October 2026."""
    await add_tariff("Taryfa", date(2024, 1, 1), 344, 559, 386)
    customer = await make_customer(number="800001")
    for litres, day in ((100_000, date(2026, 8, 28)), (106_000, date(2026, 9, 28)), (112_500, date(2026, 10, 29))):
        await Reading.insert(Reading(meter=customer["meter_id"], value_litres=litres, source="resident",
                                     status="accepted", captured_at=datetime(day.year, day.month, day.day, 10, tzinfo=UTC)))
    for period, issued in (("2026-09", date(2026, 10, 1)), ("2026-10", date(2026, 11, 2))):
        await run_billing(settings, period, issue_date=issued, notify=False, reminders=False)
    docs = await Document.select(Document.number, Document.gross_grosze).where(
        Document.customer == customer["id"]).order_by(Document.issue_date, ascending=False)
    assert [d["number"][:11] for d in docs] == ["FV/2026/11/", "FV/2026/10/"]
    return [(d["number"], money(d["gross_grosze"]).removesuffix(" zł")) for d in docs]  # as printed


def form(**kw):
    return {"customer_number": "800001", "email": "rejestracja@example.com", "name": "Nowy Klient",
            "consent": True, **kw}


async def _mail_to(smtp_server, address: str, subject: str):
    """The mail to `address` with this subject (the earlier test's mails may still be arriving)."""
    for _ in range(200):
        found = [m for m in smtp_server.to(address) if m["Subject"].startswith(subject)]
        if found:
            return found[-1]
        await asyncio.sleep(0.05)
    raise AssertionError(f"no mail {subject!r} to {address}: {[m['Subject'] for m in smtp_server.to(address)]}")


async def test_email_change_mails_speak_the_accounts_language(client, resident, settings, smtp_server):
    await client.patch("/api/me", json={"language": "uk"})
    r = await client.post("/api/profile/email", json={"new_email": "jan.nowy@example.com",
                                                      "password": "Niebieska-Woda-2026"})
    assert r.status_code == 202
    notice = await _mail_to(smtp_server, "jan@example.com", "Зміна адреси електронної пошти в e-BOK ")
    assert notice["Subject"] == f"Зміна адреси електронної пошти в e-BOK {settings.utility_name}"
    assert "ja***@example.com" in notice.get_body(preferencelist=("plain",)).get_content()
    confirm = await _mail_to(smtp_server, "jan.nowy@example.com", "Підтвердьте нову адресу електронної пошти")
    text = confirm.get_body(preferencelist=("plain",)).get_content()
    assert "(дійсне 24 години, одноразове)" in text and "/potwierdz-email?token=" in link_from(confirm)


async def test_registration_matched_and_not_matched_answer_the_same(client, invoices, smtp_server):
    (number, gross), _ = invoices
    one_grosz_more = f"{gross[:-1]}{(int(gross[-1]) + 1) % 10}"
    wrong = await client.post("/api/register", json=form(invoice_number=number, gross_amount=one_grosz_more,
                                                         email="obcy@example.com"))
    unknown = await client.post("/api/register", json=form(customer_number="999999", invoice_number=number,
                                                           gross_amount=gross, email="obcy2@example.com"))
    right = await client.post("/api/register", json=form(invoice_number=number, gross_amount=gross))
    assert wrong.status_code == unknown.status_code == right.status_code == 202
    assert wrong.json() == unknown.json() == right.json() == {"status": "accepted"}
    assert set(wrong.headers) == set(right.headers)
    mail = (await smtp_server.wait_for("rejestracja@example.com"))[-1]
    link = link_from(mail)
    assert "/aktywacja?token=" in link
    body = mail.get_body(preferencelist=("plain",)).get_content()
    assert "dziękujemy za rejestrację" in body and "zgody" not in body  # they registered; no office, no consent form
    assert not smtp_server.to("obcy@example.com") and not smtp_server.to("obcy2@example.com")
    r = await client.post("/api/account/activate", json={"token": link.split("token=")[1],
                                                         "password": "Zielona-Rzeka-2026"})
    assert r.status_code == 200 and r.json()["customers"][0]["number"] == "800001"
    assert [c["given"] for c in (await client.get("/api/consents")).json()[0]["consents"]
            if c["kind"] == "contact_data"] == [True]
    # registering the same address again answers the same and mails the owner, not a new account
    again = await client.post("/api/register", json=form(invoice_number=number, gross_amount=gross))
    assert again.status_code == 202 and again.json() == {"status": "accepted"}
    assert await User.count().where(User.email == "rejestracja@example.com") == 1


async def test_registration_in_ukrainian_makes_a_ukrainian_account(client, invoices, smtp_server):
    """The registration page sends the language it is shown in: the activation mail and the account
    are in it."""
    (number, gross), _ = invoices
    r = await client.post("/api/register", json=form(invoice_number=number, gross_amount=gross,
                                                     email="olena@example.com", language="uk"))
    assert r.status_code == 202
    mail = (await smtp_server.wait_for("olena@example.com"))[-1]
    assert "дякуємо за реєстрацію" in mail.get_body(preferencelist=("plain",)).get_content()
    r = await client.post("/api/account/activate", json={"token": link_from(mail).split("token=")[1],
                                                         "password": "Zielona-Rzeka-2026"})
    assert r.status_code == 200 and r.json()["language"] == "uk"
    bad = await client.post("/api/register", json=form(invoice_number=number, gross_amount=gross,
                                                       email="olena2@example.com", language="de"))
    assert bad.status_code == 400 and bad.json()["field"] == "language"


async def test_registration_is_rate_limited_whatever_the_data(client, invoices):
    (number, gross), _ = invoices
    for i in range(5):
        r = await client.post("/api/register", json=form(invoice_number=number, gross_amount=f"1,0{i}",
                                                         email=f"x{i}@example.com"))
        assert r.status_code == 202
    blocked_wrong = await client.post("/api/register", json=form(invoice_number=number, gross_amount="9,99"))
    blocked_right = await client.post("/api/register", json=form(invoice_number=number, gross_amount=gross))
    assert blocked_wrong.status_code == blocked_right.status_code == 429
    assert blocked_wrong.json() == blocked_right.json() and blocked_right.headers["retry-after"]
    assert not await User.exists().where(User.email == "rejestracja@example.com")


async def test_registration_shape_errors(client):
    r = await client.post("/api/register", json=form(invoice_number="FV/2026/11/000001", gross_amount="dużo"))
    assert r.status_code == 400 and r.json()["field"] == "gross_amount"
    r = await client.post("/api/register", json=form(invoice_number="FV/2026/11/000001", gross_amount="1,00",
                                                     consent=False))
    assert r.status_code == 400 and r.json()["code"] == "consent_required"
    assert registration.parse_grosze("1 234,5 zł") == 123450 and registration.parse_grosze("7") == 700


async def test_registration_matches_an_older_invoice_as_typed_but_no_other_document(client, invoices, smtp_server):
    """Either of the last invoices counts, typed with spaces, in lower case, with a dot or a trailing
    "zł"; a number with another customer's amount, or a reminder, does not."""
    (newest, newest_gross), (older, older_gross) = invoices
    r = await client.post("/api/register", json=form(invoice_number=newest, gross_amount=older_gross,
                                                     email="pomylka@example.com"))
    assert r.status_code == 202
    typed = " " + older.lower().replace("/", " / ") + " "
    r = await client.post("/api/register", json=form(invoice_number=typed, gross_amount=older_gross.replace(",", ".")
                                                     + " zł", email="starsza@example.com"))
    assert r.status_code == 202
    assert "/aktywacja?token=" in link_from((await smtp_server.wait_for("starsza@example.com"))[-1])
    assert not await User.exists().where(User.email == "pomylka@example.com")
