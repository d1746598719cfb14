"""The login page after a session ended: the notice says so as a warning (not a green "done"),
says what waits on this device to be sent, and "remember me" keeps an inspector logged in across a
browser restart as it does a resident; the page points to self-registration."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.conftest import DEMO_PASSWORD, PHONE, assert_accessible
from tests.e2e.test_readings import WORKER_IN_CONTROL, give_reading, meters, next_value
from tests.e2e.test_readings import meter_photo as meter_photo


def restarted(browser, server, context):
    """The same browser profile after a restart: cookies without an expiry (session cookies) are gone,
    the site's storage (IndexedDB with the outbox) stays."""
    state = context.storage_state(indexed_db=True)
    state["cookies"] = [c for c in state["cookies"] if c.get("expires", -1) > 0]
    return browser.new_context(base_url=server.url, locale="pl-PL", storage_state=state, **PHONE)


def test_session_end_is_a_warning_and_the_login_page_says_what_waits(browser, server, meter_photo):
    ctx = browser.new_context(base_url=server.url, locale="pl-PL", **PHONE)
    try:
        page = ctx.new_page()
        page.goto("/logowanie")
        expect(page.get_by_role("link", name="Zarejestruj się")).to_have_attribute("href", "/rejestracja")
        expect(page.get_by_test_id("login-waiting")).to_have_count(0)  # nothing waits yet
        page.get_by_label("E-mail lub numer klienta").fill("anna.nowak@example.com")
        page.get_by_label("Hasło", exact=True).fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Zaloguj się").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Pulpit")
        page.goto("/odczyty")
        expect(page.get_by_role("heading", level=1)).to_have_text("Odczyty")
        meter = next(m for m in meters(page) if m["kind"] == "sub")
        page.evaluate(WORKER_IN_CONTROL)
        ctx.set_offline(True)
        give_reading(page, meter, next_value(meter, 7), meter_photo)
        ctx.clear_cookies(name="ebok_session")  # the session ends while the phone is offline
        ctx.set_offline(False)
        expect(page).to_have_url(re.compile("/logowanie"), timeout=20_000)
        notice = page.get_by_test_id("notice")
        expect(notice).to_have_text("Sesja wygasła. Zaloguj się ponownie.")
        expect(notice).to_have_class(re.compile(r"\bbanner-warn\b"))
        expect(page.get_by_test_id("login-waiting")).to_have_text(
            "Na tym urządzeniu czekają na wysłanie — odczyty: 1. Zaloguj się, a wyślemy je od razu.")
        assert_accessible(page)
    finally:
        ctx.close()


def test_remember_me_keeps_an_inspector_logged_in_after_a_restart(browser, server):
    ctx = browser.new_context(base_url=server.url, locale="pl-PL", **PHONE)
    again = None
    try:
        page = ctx.new_page()
        page.goto("/logowanie")
        page.get_by_label("E-mail lub numer klienta").fill("inkasent@example.com")
        page.get_by_label("Hasło", exact=True).fill(DEMO_PASSWORD)
        page.get_by_label("Zapamiętaj mnie na tym urządzeniu (30 dni)").check()
        page.get_by_role("button", name="Zaloguj się").click()
        expect(page).to_have_url(re.compile("/trasa$"))
        again = restarted(browser, server, ctx)
        later = again.new_page()
        later.goto("/")
        expect(later).to_have_url(re.compile("/trasa$"))
        expect(later.get_by_role("heading", level=1)).to_have_text("Moja trasa")
    finally:
        if again:
            again.close()
        ctx.close()


def test_too_many_wrong_passwords_say_how_many_seconds_to_wait(page):
    """Past ten wrong passwords for one login the next attempt waits a few seconds (no lock for a
    quarter of an hour): the page says how many, in seconds, and keeps what was typed."""
    page.goto("/logowanie")
    page.get_by_label("E-mail lub numer klienta").fill("zapominalski@example.com")
    for _ in range(10):
        page.get_by_label("Hasło", exact=True).fill("to-nie-jest-haslo")
        page.get_by_role("button", name="Zaloguj się").click()
        expect(page.get_by_text("Nieprawidłowy login lub hasło.")).to_be_visible()
        # the next attempt must not start before this answer is on the page
        page.get_by_label("Hasło", exact=True).fill("")
    page.get_by_label("Hasło", exact=True).fill("moze-to-haslo")
    page.get_by_role("button", name="Zaloguj się").click()
    expect(page.get_by_text(re.compile(r"^Zbyt wiele nieudanych prób\. Spróbuj ponownie za [1-5] s\.$"))).to_be_visible()
    expect(page.get_by_label("E-mail lub numer klienta")).to_have_value("zapominalski@example.com")
    assert_accessible(page)
