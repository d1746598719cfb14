"""Accounts over the real API: login, sessions, activation and reset by e-mail, passwords,
rate limiting, CSRF and the error format."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from backend.accounts.tables import LoginAttempt, LoginThrottle, OneTimeToken, Session, User
from backend.core.i18n import mail_text
from tests.support import PASSWORD, link_from, log_in, make_customer, make_user


async def test_login_by_email_and_customer_number(client, settings):
    customer = await make_customer(number="123456")
    await make_user(settings, "ola@example.com", customer_id=customer["id"])
    r = await log_in(client, "OLA@example.com ")
    me = r.json()
    assert me["email"] == "ola@example.com" and me["role"] == "resident"
    assert me["customers"] == [{"id": customer["id"], "number": "123456", "name": "Jan Testowy"}]
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Max-Age" not in cookie
    assert "Secure" not in cookie  # plain-http localhost only
    await client.delete("/api/session")
    r = await log_in(client, "123456")
    assert r.json()["email"] == "ola@example.com"


async def test_wrong_password_and_unknown_account_answer_the_same(client, settings):
    await make_user(settings, "ola@example.com")
    wrong = await client.post("/api/session", json={"login": "ola@example.com", "password": "x" * 12})
    unknown = await client.post("/api/session", json={"login": "nobody@example.com", "password": "x" * 12})
    assert wrong.status_code == unknown.status_code == 400
    assert wrong.json() == unknown.json() == {
        "code": "invalid_credentials", "message": "Wrong login or password", "field": None}
    assert (await client.get("/api/me")).status_code == 401


async def test_new_session_id_at_login_and_logout_ends_it(client, settings):
    await make_user(settings, "ola@example.com")
    first = (await log_in(client, "ola@example.com")).cookies["ebok_session"]
    second = (await log_in(client, "ola@example.com")).cookies["ebok_session"]
    assert first != second
    assert await Session.count() == 1  # logging in again replaced the old session
    r = await client.delete("/api/session")
    assert r.status_code == 204
    assert await Session.count() == 0
    client.cookies.set("ebok_session", second)
    assert (await client.get("/api/me")).status_code == 401


@pytest.mark.parametrize("role", ["resident", "inspector", "staff"])
async def test_remember_me_keeps_the_cookie_30_days(client, settings, role):
    """The login form offers it to everybody (it cannot know the role): it means the same for all."""
    await make_user(settings, "ola@example.com", role=role)
    r = await log_in(client, "ola@example.com", remember=True)
    assert f"Max-Age={30 * 86400}" in r.headers["set-cookie"]
    session = await Session.select().first()
    assert session["remember"] is True
    assert session["expires_at"] - session["created_at"] > timedelta(days=29)


async def test_idle_session_expires(client, settings):
    await make_user(settings, "ola@example.com")
    await log_in(client, "ola@example.com")
    session = await Session.select().first()
    assert session["expires_at"] - session["created_at"] <= timedelta(minutes=31)
    await Session.update({Session.expires_at: session["created_at"] - timedelta(seconds=1)}).where(
        Session.id == session["id"])
    r = await client.get("/api/me")
    assert r.status_code == 401 and r.json()["code"] == "not_authenticated"


async def test_a_session_in_use_slides_its_expiry_forward(client, settings):
    await make_user(settings, "ola@example.com")
    await log_in(client, "ola@example.com")
    session = await Session.select().first()
    earlier = session["created_at"] - timedelta(minutes=20)  # last used 20 minutes ago: 10 left
    await Session.update({Session.last_seen_at: earlier, Session.expires_at: earlier + timedelta(minutes=30)}).where(
        Session.id == session["id"])
    assert (await client.get("/api/me")).status_code == 200
    renewed = await Session.select().where(Session.id == session["id"]).first()
    assert renewed["last_seen_at"] >= session["created_at"]
    assert renewed["expires_at"] - renewed["last_seen_at"] == timedelta(minutes=30)
    assert (await client.get("/api/me")).status_code == 200  # and the renewed row reads back


async def test_session_cookie_is_stored_hashed(client, settings):
    await make_user(settings, "ola@example.com")
    value = (await log_in(client, "ola@example.com")).cookies["ebok_session"]
    ids = [s["id"] for s in await Session.select(Session.id)]
    assert value not in ids and len(ids[0]) == 64


async def test_csrf_is_required_on_unsafe_methods(client, settings):
    await make_user(settings, "ola@example.com")
    token = client.headers.pop("X-CSRFToken")
    r = await client.post("/api/session", json={"login": "ola@example.com", "password": PASSWORD})
    assert r.status_code == 403 and r.json()["code"] == "csrf"
    r = await client.post("/api/session", json={"login": "ola@example.com", "password": PASSWORD},
                          headers={"X-CSRFToken": token[:-2] + "zz"})
    assert r.status_code == 403
    r = await client.post("/api/session", json={"login": "ola@example.com", "password": PASSWORD},
                          headers={"X-CSRFToken": token})
    assert r.status_code == 200



async def test_csrf_cookie_is_set_once_and_a_cookie_alone_is_no_token(client, settings):
    # a GET without the cookie gets one; a GET with it passes untouched (core/security.py csrf_middleware)
    token = client.cookies["csrftoken"]
    r = await client.get("/api/config")
    assert r.status_code == 200 and "csrftoken" not in r.headers.get("set-cookie", "")
    client.cookies.clear()
    r = await client.get("/api/config")
    assert r.status_code == 200 and r.cookies["csrftoken"] and r.cookies["csrftoken"] != token
    # a cookie the page could have planted, without the signature the server made: still refused
    await make_user(settings, "ola@example.com")
    client.cookies.set("csrftoken", "x" * 128)
    r = await client.post("/api/session", json={"login": "ola@example.com", "password": PASSWORD},
                          headers={"X-CSRFToken": "x" * 128})
    assert r.status_code == 403 and r.json()["code"] == "csrf"

WRONG = "wrong-password"


async def _try(client, login: str, password: str = WRONG):
    return await client.post("/api/session", json={"login": login, "password": password})


async def _wait_passes(seconds: float) -> None:
    """As if `seconds` had passed since the last evaluated attempt (no test waits for the clock)."""
    await LoginThrottle.update({LoginThrottle.last_at: LoginThrottle.last_at - timedelta(seconds=seconds)}, force=True)


async def test_per_person_throttle_waits_increasing_delays_and_reveals_no_existence(client, settings):
    await make_user(settings, "ola@example.com")
    for login in ("ola@example.com", "ghost@example.com"):
        for _ in range(10):
            assert (await _try(client, login)).status_code == 400
        r = await _try(client, login, PASSWORD)  # not evaluated: the turn has not come
        assert r.status_code == 429 and r.json()["code"] == "too_many_attempts"
        assert r.headers["retry-after"] == "5" and r.json()["retry_after"] == 5
        await _wait_passes(5)
        assert (await _try(client, login)).status_code == 400  # evaluated, wrong again
        r = await _try(client, login, PASSWORD)
        assert r.status_code == 429 and r.headers["retry-after"] == "10"  # the delay doubles
        await _wait_passes(10)
        if login == "ola@example.com":  # the right password works once the delay is over: no hard lock
            assert (await _try(client, login, PASSWORD)).status_code == 200
            for _ in range(10):  # and the count starts again
                assert (await _try(client, login)).status_code == 400
        else:
            assert (await _try(client, login, PASSWORD)).status_code == 400


async def test_one_ip_full_of_failures_does_not_lock_out_the_others_behind_it(client, settings):
    """A block of flats behind one carrier-grade NAT: other people's failures from the same
    address neither block a correct login nor count against it."""
    await make_user(settings, "ola@example.com")
    for i in range(3):
        for _ in range(10):
            assert (await _try(client, f"neighbour{i}@example.com")).status_code == 400
    assert (await _try(client, "ola@example.com", PASSWORD)).status_code == 200
    # an address with far more failures than a household makes (a guessing attack) waits too
    for i in range(3, 10):
        for _ in range(10):
            await _try(client, f"neighbour{i}@example.com")
    assert (await LoginThrottle.select(LoginThrottle.failures).where(LoginThrottle.key == "ip:127.0.0.1").first()
            )["failures"] == settings.login_max_failures_per_ip
    r = await _try(client, "ola@example.com", PASSWORD)
    assert r.status_code == 429 and r.headers["retry-after"] == "5"
    await _wait_passes(5)
    assert (await _try(client, "ola@example.com", PASSWORD)).status_code == 200


async def test_one_counter_per_person_by_email_or_customer_number(client, settings):
    customer = await make_customer(number="100123")
    await make_user(settings, "ola@example.com", customer_id=customer["id"])
    for login in ["ola@example.com", "100123"] * 5:
        assert (await _try(client, login)).status_code == 400
    for login in ("100123", "OLA@example.com"):
        r = await _try(client, login, PASSWORD)
        assert r.status_code == 429 and r.headers["retry-after"] == "5"


async def test_concurrent_attempts_are_counted_atomically(client, settings):
    await make_user(settings, "ola@example.com")
    answers = await asyncio.gather(*(_try(client, "ola@example.com") for _ in range(40)))
    codes = sorted(r.status_code for r in answers)
    assert codes.count(400) == settings.login_max_failures and codes.count(429) == 40 - settings.login_max_failures


async def test_staff_creates_resident_who_activates_from_the_emailed_link(client, settings, smtp_server):
    customer = await make_customer(number="100777", email="marta@example.com")
    await make_user(settings, "biuro@example.com", role="staff")
    await log_in(client, "biuro@example.com")
    r = await client.get("/api/staff/customers", params={"q": "100777"})
    assert [c["number"] for c in r.json()] == ["100777"] and r.json()[0]["consent_contact_at"] is None
    r = await client.post("/api/staff/residents", json={
        "customer_id": customer["id"], "email": "Marta@example.com", "name": "Marta Wiśniewska", "consent": True})
    assert r.status_code == 201 and r.json()["active"] is False
    r = await client.post("/api/staff/residents", json={
        "customer_id": customer["id"], "email": "marta@example.com", "name": "M", "consent": True})
    assert r.status_code == 409 and r.json()["code"] in ("email_taken", "customer_has_account")
    r = await client.post("/api/staff/residents", json={  # another address for a customer with an account
        "customer_id": customer["id"], "email": "marta.druga@example.com", "name": "M", "consent": True})
    assert r.status_code == 409 and r.json()["code"] == "customer_has_account"
    # the search now shows the customer's (not yet active) account
    [found] = (await client.get("/api/staff/customers", params={"q": "100777"})).json()
    assert found["accounts"] == [{"id": found["accounts"][0]["id"], "email": "marta@example.com", "active": False}]
    [mail] = await smtp_server.wait_for("marta@example.com")
    assert "Aktywacja" in mail["Subject"]
    body = mail.get_body(preferencelist=("plain",)).get_content()
    assert "hasło" in body.lower() and PASSWORD not in body
    assert "(ważny 72 godziny, jednorazowy)" in body  # not "72 godzin"
    link = link_from(mail)
    assert link.startswith("http://127.0.0.1:8000/aktywacja?token=")
    token = link.split("token=")[1]
    assert len(token) >= 22  # 128 bits, url-safe base64
    stored = await OneTimeToken.select().first()
    assert stored["id"] != token and stored["expires_at"] - stored["created_at"] == timedelta(hours=72)

    await client.delete("/api/session")
    r = await client.post("/api/account/token", json={"token": token})
    assert r.json() == {"purpose": "activation", "email": "marta@example.com"}
    assert (await client.post("/api/session", json={"login": "marta@example.com", "password": PASSWORD})
            ).status_code == 400  # not active yet
    r = await client.post("/api/account/activate", json={"token": token, "password": "short"})
    assert r.status_code == 400 and r.json()["code"] == "password_too_short" and r.json()["field"] == "password"
    r = await client.post("/api/account/activate", json={"token": token, "password": PASSWORD})
    assert r.status_code == 200 and r.json()["customers"][0]["number"] == "100777"
    assert (await client.get("/api/me")).json()["email"] == "marta@example.com"
    r = await client.post("/api/account/activate", json={"token": token, "password": PASSWORD})
    assert r.status_code == 400 and r.json()["code"] == "token_invalid"  # single use


async def test_staff_and_inspector_activation_mails_speak_to_employees(client, settings, smtp_server):
    await make_user(settings, "biuro@example.com", role="staff")
    await log_in(client, "biuro@example.com")
    for email, role, word in (("ink@example.com", "inspector", "inkasenta"),
                              ("prac@example.com", "staff", "pracownika biura")):
        r = await client.post("/api/staff/users", json={"email": email, "name": "Nowy", "role": role})
        assert r.status_code == 201, r.text
        [mail] = await smtp_server.wait_for(email)
        body = mail.get_body(preferencelist=("plain",)).get_content()
        assert f"konto {word}" in body and "zgod" not in body and "Pani/Pana" not in body
        assert "/aktywacja?token=" in link_from(mail)


async def test_resident_account_needs_consent(client, settings):
    customer = await make_customer()
    await make_user(settings, "biuro@example.com", role="staff")
    await log_in(client, "biuro@example.com")
    r = await client.post("/api/staff/residents", json={
        "customer_id": customer["id"], "email": "x@example.com", "name": "X", "consent": False})
    assert r.status_code == 400 and r.json()["code"] == "consent_required"


async def test_staff_endpoints_are_hidden_from_residents(client, settings):
    await make_user(settings, "ola@example.com")
    await log_in(client, "ola@example.com")
    assert (await client.get("/api/staff/customers")).status_code == 404
    r = await client.post("/api/staff/users", json={"email": "e@example.com", "name": "E", "role": "staff"})
    assert r.status_code == 404
    assert await User.count() == 1


async def test_expired_activation_link(client, settings):
    await client.post("/api/staff/users", json={})  # not logged in: 401, nothing created
    from backend.accounts import services

    user_id = await services.create_user(settings, "late@example.com", "Late", "inspector")
    token = await services.issue_token(settings, user_id, "activation")
    await OneTimeToken.update({OneTimeToken.expires_at: services.now() - timedelta(seconds=1)}, force=True)
    r = await client.post("/api/account/activate", json={"token": token, "password": PASSWORD})
    assert r.status_code == 400 and r.json()["code"] == "token_invalid"


async def test_password_reset_by_email(client, settings, smtp_server):
    await make_user(settings, "reset@example.com")
    other = (await log_in(client, "reset@example.com")).cookies["ebok_session"]
    r = await client.post("/api/account/password-reset", json={"email": "reset@example.com"})
    unknown = await client.post("/api/account/password-reset", json={"email": "nobody@example.com"})
    assert r.status_code == unknown.status_code == 202 and r.json() == unknown.json()
    [mail] = await smtp_server.wait_for("reset@example.com")
    token = link_from(mail).split("token=")[1]
    assert "/reset-hasla?token=" in link_from(mail)
    assert "(ważny 60 minut, jednorazowy)" in mail.get_body(preferencelist=("plain",)).get_content()
    stored = await OneTimeToken.select().where(OneTimeToken.purpose == "reset").first()
    assert stored["expires_at"] - stored["created_at"] == timedelta(minutes=60)
    new = "Zupelnie-Nowe-Haslo-7"
    r = await client.post("/api/account/password-reset/confirm", json={"token": token, "password": new})
    assert r.status_code == 200
    client.cookies.set("ebok_session", other)  # the session from before the reset is gone
    assert (await client.get("/api/me")).status_code == 401
    await client.delete("/api/session")
    assert (await client.post("/api/session", json={"login": "reset@example.com", "password": PASSWORD})
            ).status_code == 400
    await log_in(client, "reset@example.com", new)
    await asyncio.sleep(0.2)
    assert smtp_server.to("nobody@example.com") == []


async def test_a_resident_reading_ukrainian_gets_the_reset_mail_in_ukrainian(client, settings, smtp_server):
    await make_user(settings, "oksana@example.com")
    await log_in(client, "oksana@example.com")
    assert (await client.patch("/api/me", json={"language": "uk"})).json()["language"] == "uk"
    await client.delete("/api/session")
    r = await client.post("/api/account/password-reset", json={"email": "oksana@example.com"})
    assert r.status_code == 202
    [mail] = await smtp_server.wait_for("oksana@example.com")
    assert mail["Subject"] == f"Скидання пароля в e-BOK {settings.utility_name}"
    text = mail.get_body(preferencelist=("plain",)).get_content()
    assert text.startswith("Добрий день,") and "(дійсне 60 хвилин, одноразове)" in text
    assert "/reset-hasla?token=" in link_from(mail)


async def test_change_password_needs_current_and_ends_other_sessions(client, settings):
    await make_user(settings, "ola@example.com")
    old = (await log_in(client, "ola@example.com")).cookies["ebok_session"]
    r = await client.post("/api/account/password", json={"current_password": "nope-nope-nope",
                                                          "new_password": "Inne-Dobre-Haslo-9"})
    assert r.status_code == 400 and r.json()["field"] == "current_password"
    for bad, code in [("qwertyuiop", "password_too_common"), ("MojeWodociagi2026", "password_contains_utility_name"),
                      ("krótkie", "password_too_short")]:
        r = await client.post("/api/account/password", json={"current_password": PASSWORD, "new_password": bad})
        assert r.json()["code"] == code, bad
        assert r.json()["field"] == "new_password"
    r = await client.post("/api/account/password", json={"current_password": PASSWORD,
                                                          "new_password": "Inne-Dobre-Haslo-9"})
    assert r.status_code == 200
    assert r.cookies["ebok_session"] != old
    assert (await client.get("/api/me")).status_code == 200
    client.cookies.set("ebok_session", old)
    assert (await client.get("/api/me")).status_code == 401


async def test_language_is_remembered_per_user(client, settings):
    await make_user(settings, "ola@example.com")
    await log_in(client, "ola@example.com")
    r = await client.patch("/api/me", json={"language": "en"})
    assert r.json()["language"] == "en"
    assert (await client.patch("/api/me", json={"language": "de"})).status_code == 400
    await client.delete("/api/session")
    assert (await log_in(client, "ola@example.com")).json()["language"] == "en"


async def test_ukrainian_is_accepted_and_kept_on_the_account(client, settings):
    await make_user(settings, "ola@example.com")
    await log_in(client, "ola@example.com")
    r = await client.patch("/api/me", json={"language": "uk"})
    assert r.status_code == 200 and r.json()["language"] == "uk"
    assert (await client.get("/api/me")).json()["language"] == "uk"
    assert (await User.select(User.language).first())["language"] == "uk"
    await client.delete("/api/session")
    assert (await log_in(client, "ola@example.com")).json()["language"] == "uk"
    assert (await client.get("/api/config")).json()["languages"] == ["pl", "en", "uk"]


async def test_passwords_are_argon2id(client, settings):
    await make_user(settings, "ola@example.com")
    row = await User.select(User.password_hash).first()
    assert row["password_hash"].startswith("$argon2id$")


async def test_logins_sweep_expired_sessions_and_old_attempts(client, settings):
    await make_user(settings, "ola@example.com")
    await log_in(client, "ola@example.com")
    await Session.update({Session.expires_at: Session.created_at - timedelta(seconds=1)}, force=True)
    await client.post("/api/session", json={"login": "ola@example.com", "password": "wrong-password"})
    await LoginAttempt.update({LoginAttempt.at: LoginAttempt.at - timedelta(hours=2)}, force=True)
    await log_in(client, "ola@example.com")
    assert await Session.count() == 1  # only the new one
    assert await LoginAttempt.count() == 0


async def test_logging_out_on_the_device_alone_ends_the_session_at_the_next_request(client, settings):
    """Offline, the app can delete only the readable ebok_login cookie; without it the HttpOnly session
    logs nobody in, and the first request that reaches the server ends that session for good."""
    await make_user(settings, "ola@example.com")
    r = await log_in(client, "ola@example.com", remember=True)
    session, login = r.cookies["ebok_session"], r.cookies["ebok_login"]
    assert login and login not in session and session not in login
    assert f"Max-Age={30 * 86400}" in str(r.headers.get_list("set-cookie")[1])  # both cookies live as long
    assert (await client.get("/api/me")).status_code == 200
    client.cookies.delete("ebok_login")  # "Wyloguj" without signal
    r = await client.get("/api/config")  # the first request back online, whatever it is
    assert any(c.startswith("ebok_session=;") or 'ebok_session="";' in c for c in r.headers.get_list("set-cookie"))
    assert await Session.count() == 0
    client.cookies.set("ebok_session", session)
    client.cookies.set("ebok_login", login)  # even both cookies put back: the session is over
    assert (await client.get("/api/me")).status_code == 401
    # a login mark for another session does not open this one
    await log_in(client, "ola@example.com")
    client.cookies.set("ebok_login", login)
    assert (await client.get("/api/me")).status_code == 401


async def test_many_people_logging_in_at_once_behind_one_ip_all_get_in(client, settings):
    """After an outage alert a whole block of flats logs in at once through one NAT address, more
    people at the same moment than the IP's failure limit: none is refused (the IP's count takes
    failures only, and the person's takes one statement, so nobody loses a race)."""
    crowd = settings.login_max_failures_per_ip + 20
    for i in range(crowd):
        await make_user(settings, f"sasiad{i}@example.com")
    answers = await asyncio.gather(*(_try(client, f"sasiad{i}@example.com", PASSWORD) for i in range(crowd)))
    assert [r.status_code for r in answers] == [200] * crowd
    row = await LoginThrottle.select(LoginThrottle.failures).where(LoginThrottle.key == "ip:127.0.0.1").first()
    assert row is None or row["failures"] == 0


@pytest.mark.parametrize(("hours", "pl", "en", "uk"), [
    (1, "1 godzinę", "1 hour", "1 годину"), (2, "2 godziny", "2 hours", "2 години"),
    (5, "5 godzin", "5 hours", "5 годин"), (11, "11 godzin", "11 hours", "11 годин"),
    (12, "12 godzin", "12 hours", "12 годин"), (21, "21 godzin", "21 hours", "21 годину"),
    (22, "22 godziny", "22 hours", "22 години"), (72, "72 godziny", "72 hours", "72 години"),
    (112, "112 godzin", "112 hours", "112 годин"), (124, "124 godziny", "124 hours", "124 години")])
def test_mail_counts_take_the_plural_form_of_their_number(hours, pl, en, uk):
    params = {"utility": "W", "email": "a@b.pl", "link": "L", "phone": "1"}
    assert f"(ważny {pl}, jednorazowy)" in mail_text("activation", "pl", hours=hours, **params)[1]
    assert f"(valid {en})" in mail_text("activation", "en", hours=hours, **params)[1]
    assert f"(дійсне {uk}, одноразове)" in mail_text("activation", "uk", hours=hours, **params)[1]
