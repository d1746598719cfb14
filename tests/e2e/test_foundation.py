"""Journeys of the foundation, walked in Chromium on a phone-sized screen: activation from the
e-mailed link, login and logout, a wrong password, installability, offline reload, language."""

from __future__ import annotations

import os
import re
from pathlib import Path

from playwright.sync_api import expect

from tests.e2e.conftest import DEMO_PASSWORD, PHONE, assert_accessible, log_in
from tests.support import RUN_DIR, link_from

SHOTS = Path(os.environ.get("EBOK_SCREENSHOTS") or RUN_DIR)  # kept after the run when set

NEW_PASSWORD = "Szum-Wody-Nad-Rzeka-42"


def test_contact_block_before_login(page):
    page.goto("/")
    expect(page).to_have_url(re.compile("/logowanie"))
    contact = page.get_by_test_id("contact-block")
    expect(contact).to_contain_text("87 523 00 26")
    expect(contact).to_contain_text("694 971 390")
    expect(contact.get_by_role("link", name=re.compile("694 971 390"))).to_have_attribute("href", re.compile("^tel:"))
    assert_accessible(page)


def test_wrong_password_then_login_dashboard_and_logout(page):
    log_in(page, "anna.nowak@example.com", "to-nie-jest-haslo", succeed=False)
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Nieprawidłowy login lub hasło.")
    expect(page.get_by_label("Hasło", exact=True)).to_have_attribute("aria-invalid", "true")
    assert_accessible(page)

    page.get_by_label("Hasło", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Zaloguj się").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Pulpit")
    main = page.get_by_role("main")
    expect(main).to_contain_text("100001")
    expect(main).to_contain_text("ul. Lipowa 12")
    expect(main).to_contain_text("ul. Zielona 5")
    expect(main).to_contain_text("Podlicznik")
    expect(main).to_contain_text("m³")
    expect(page.get_by_test_id("balance")).to_contain_text("Do zapłaty")  # the demo leaves her invoices open
    assert_accessible(page)

    for name in ("Odczyty", "Rozliczenia", "Awarie", "Konto"):
        page.get_by_role("navigation", name="Menu główne").get_by_role("link", name=name).click()
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        expect(page.get_by_test_id("contact-block")).to_be_visible()
        assert_accessible(page)

    page.get_by_role("button", name="Wyloguj").click()
    expect(page).to_have_url(re.compile("/logowanie"))
    expect(page.get_by_text("Wylogowano.")).to_be_visible()
    page.goto("/")
    expect(page).to_have_url(re.compile("/logowanie"))


def test_login_with_customer_number(page):
    log_in(page, "100001")
    expect(page.get_by_role("heading", level=1)).to_have_text("Pulpit")
    expect(page.get_by_role("main")).to_contain_text("Anna Nowak")


def test_staff_creates_account_and_resident_activates_from_email(page, context, browser, server, smtp_server):
    log_in(page, "biuro@example.com")
    # the office lands on its own screen, with its own tabs (no empty resident pages)
    expect(page).to_have_url(re.compile(r"/biuro$"))
    nav = page.get_by_role("navigation", name="Menu główne")
    expect(nav.get_by_role("link")).to_have_text(["Biuro", "Kontrola odczytów", "Komunikaty", "Fakturowanie", "Konto"])
    page.get_by_role("link", name="e-BOK — strona główna").click()  # the logo leads home: for the office, Biuro
    expect(page).to_have_url(re.compile(r"/biuro$"))
    nav.get_by_role("link", name="Biuro").click()
    page.get_by_label("Szukaj klienta").fill("100002")
    page.get_by_role("button", name="Szukaj", exact=True).click()
    page.get_by_role("button", name="Utwórz konto w e-BOK").first.click()
    email = "mieszkaniec.100002@example.com"
    page.get_by_label("Adres e-mail klienta").fill(email)
    page.get_by_label("Imię i nazwisko klienta").fill("Nowy Mieszkaniec")
    page.get_by_role("button", name="Wyślij link aktywacyjny").click()
    consent = page.get_by_label("Klient złożył pisemną zgodę na przetwarzanie danych kontaktowych")
    expect(consent).to_have_attribute("aria-invalid", "true")  # no account without written consent
    expect(page.get_by_text("zgod").first).to_be_visible()
    page.get_by_label("Klient złożył pisemną zgodę na przetwarzanie danych kontaktowych").check()
    page.get_by_role("button", name="Wyślij link aktywacyjny").click()
    expect(page.get_by_text(f"Wysłano link aktywacyjny na {email}.")).to_be_visible()
    card = page.locator(".customer-card").filter(has_text="100002 —")
    expect(card).to_contain_text(f"{email} (czeka na aktywację)")
    expect(card).to_contain_text("Klient ma już konto w e-BOK")
    expect(card.get_by_role("button", name="Utwórz konto w e-BOK")).to_have_count(0)  # no second account
    assert_accessible(page)

    [mail] = smtp_server.wait_for_sync(email)
    link = link_from(mail)
    assert link.startswith(server.url + "/aktywacja?token=")

    resident = browser.new_context(base_url=server.url, locale="pl-PL", viewport={"width": 390, "height": 844})
    try:
        p = resident.new_page()
        p.goto(link)
        expect(p.get_by_role("heading", level=1)).to_have_text("Aktywacja konta")
        expect(p.get_by_label("E-mail")).to_have_value(email)
        assert "token=" not in p.url
        assert_accessible(p)
        p.get_by_label("Nowe hasło").fill("krótkie")
        p.get_by_label("Powtórz hasło").fill("krótkie")
        p.get_by_role("button", name="Ustaw hasło").click()
        expect(p.get_by_text("Hasło musi mieć co najmniej 10 znaków.").first).to_be_visible()
        p.get_by_label("Nowe hasło").fill(NEW_PASSWORD)
        p.get_by_label("Powtórz hasło").fill(NEW_PASSWORD)
        p.get_by_role("button", name="Ustaw hasło").click()
        expect(p.get_by_role("heading", level=1)).to_have_text("Pulpit")
        expect(p.get_by_role("main")).to_contain_text("100002")
        # the link works once
        p.goto(link)
        expect(p.get_by_text("Ten link jest nieprawidłowy, został już użyty lub wygasł.")).to_be_visible()
    finally:
        resident.close()


def test_installable_pwa_and_offline_reload_shows_cached_dashboard(page, context):
    log_in(page, "anna.nowak@example.com")
    expect(page.get_by_role("heading", level=1)).to_have_text("Pulpit")
    manifest = page.evaluate("fetch('/manifest.json').then(r => r.json())")
    assert manifest["display"] == "standalone" and manifest["lang"] == "pl"
    assert page.locator("link[rel=manifest]").get_attribute("href") == "/manifest.json"
    scope = page.evaluate("navigator.serviceWorker.ready.then(r => r.scope)")
    assert scope == page.url.split("/", 3)[0] + "//" + page.url.split("/", 3)[2] + "/"
    page.reload()  # now the worker controls the page
    assert page.evaluate("navigator.serviceWorker.controller !== null")
    expect(page.get_by_test_id("meter-" + _first_serial(page))).to_be_visible()

    context.set_offline(True)
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text("Pulpit")
    stale = page.get_by_test_id("stale-banner")
    expect(stale).to_contain_text(re.compile(r"Brak połączenia — dane z \d{2}\.\d{2}\.\d{4}, \d{2}:\d{2}"))
    expect(page.get_by_role("main")).to_contain_text("ul. Lipowa 12")
    expect(page.get_by_test_id("contact-block")).to_contain_text("694 971 390")
    assert_accessible(page)

    page.goto("/odczyty")  # another route of the shell, offline
    expect(page.get_by_role("heading", level=1)).to_have_text("Odczyty")
    context.set_offline(False)


def _first_serial(page) -> str:
    testid = page.locator("[data-testid^=meter-]").first.get_attribute("data-testid")
    return testid.removeprefix("meter-")


def test_language_is_remembered_per_user(browser, server):
    ctx = browser.new_context(base_url=server.url, locale="pl-PL")
    try:
        page = ctx.new_page()
        log_in(page, "inkasent@example.com")
        expect(page.get_by_role("heading", level=1)).to_have_text("Moja trasa")  # an inspector's home
        with page.expect_response(lambda r: r.url.endswith("/api/me") and r.request.method == "PATCH") as saved:
            page.get_by_role("button", name="EN", exact=True).click()
        assert saved.value.ok
        expect(page.get_by_role("heading", level=1)).to_have_text("My route")
        assert page.evaluate("document.documentElement.lang") == "en"
        page.reload()  # the English texts load on demand: the first paint after a reload is English already
        expect(page.get_by_role("heading", level=1)).to_have_text("My route")
        expect(page.get_by_role("button", name="Log out")).to_be_visible()
        assert_accessible(page)
        page.get_by_role("button", name="Log out").click()
        page.evaluate("localStorage.clear()")
    finally:
        ctx.close()
    ctx = browser.new_context(base_url=server.url, locale="pl-PL")  # another device
    try:
        page = ctx.new_page()
        log_in(page, "inkasent@example.com")
        expect(page.get_by_role("heading", level=1)).to_have_text("My route")
        # the choice is saved on the account: wait for it, or the next test meets an English inspector
        with page.expect_response(lambda r: r.url.endswith("/api/me") and r.request.method == "PATCH") as saved:
            page.get_by_role("button", name="PL", exact=True).click()
        assert saved.value.ok
        expect(page.get_by_role("heading", level=1)).to_have_text("Moja trasa")
    finally:
        ctx.close()


def _language_saved(page):
    return page.expect_response(lambda r: r.url.endswith("/api/me") and r.request.method == "PATCH")


def _anna_in_polish_again(browser, server) -> None:
    """Puts the demo resident's account back to Polish straight through the API (the journey below
    does it through the account screen; this is for a run that failed half-way)."""
    ctx = browser.new_context(base_url=server.url, locale="pl-PL")
    try:
        page = ctx.new_page()
        page.goto("/logowanie")
        status = page.evaluate("""async ([login, password]) => {
            const headers = () => ({ 'Content-Type': 'application/json',
                                     'X-CSRFToken': (document.cookie.match(/csrftoken=([^;]+)/) || [])[1] || '' });
            await fetch('/api/config');
            await fetch('/api/session', { method: 'POST', headers: headers(), body: JSON.stringify({ login, password }) });
            const body = JSON.stringify({ language: 'pl' });
            return (await fetch('/api/me', { method: 'PATCH', headers: headers(), body })).status;
        }""", ["anna.nowak@example.com", DEMO_PASSWORD])
        assert status == 200
    finally:
        ctx.close()


def test_ukrainian_chosen_on_the_login_page_stays_with_the_account(browser, server):
    """Українська is offered on the login page in its own words; picked there, it becomes the
    account's language at login, and another device shows the account in Ukrainian after logging in."""
    restored = False
    ctx = browser.new_context(base_url=server.url, locale="pl-PL", timezone_id="Europe/Warsaw", **PHONE)
    ctx.set_default_timeout(20_000)
    try:
        page = ctx.new_page()
        page.goto("/logowanie")
        choice = page.get_by_role("main").get_by_role("group", name="Język / Language / Мова")
        expect(choice.get_by_role("button", name="Polski")).to_have_attribute("aria-pressed", "true")
        expect(choice.get_by_role("button", name="English")).to_have_attribute("lang", "en")
        ukrainian = page.get_by_role("main").get_by_role("button", name="Українська")
        expect(ukrainian).to_have_attribute("lang", "uk")
        ukrainian.click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Вхід")
        expect(ukrainian).to_have_attribute("aria-pressed", "true")
        assert page.evaluate("document.documentElement.lang") == "uk"
        assert_accessible(page)

        page.get_by_label("Електронна пошта або номер клієнта").fill("anna.nowak@example.com")
        page.get_by_label("Пароль", exact=True).fill(DEMO_PASSWORD)
        with _language_saved(page) as saved:  # the choice made before logging in goes to the account
            page.get_by_role("button", name="Увійти").click()
        assert saved.value.ok and saved.value.json()["language"] == "uk"
        expect(page.get_by_role("heading", level=1)).to_have_text("Головна")
        nav = page.get_by_role("navigation", name="Головне меню")
        for name in ("Головна", "Показання", "Рахунки", "Аварії", "Профіль"):
            expect(nav.get_by_role("link", name=name)).to_be_visible()
        expect(page.get_by_test_id("balance")).to_contain_text("До сплати")
        expect(page.get_by_role("main")).to_contain_text("Головний водомір")
        assert page.evaluate("document.documentElement.lang") == "uk"
        assert_accessible(page)
        page.screenshot(path=str(SHOTS / "dashboard-uk-390.png"), full_page=True)
        page.set_viewport_size({"width": 1366, "height": 900})
        expect(page.get_by_role("heading", level=1)).to_have_text("Головна")
        assert_accessible(page)
        page.screenshot(path=str(SHOTS / "dashboard-uk-1366.png"), full_page=True)

        # offline, the worker has the Ukrainian texts too: the shell's and a lazy view's
        page.evaluate("navigator.serviceWorker.ready.then(() => true)")
        page.reload()  # now the worker controls the page
        expect(page.get_by_role("heading", level=1)).to_have_text("Головна")
        ctx.set_offline(True)
        page.reload()
        expect(page.get_by_role("heading", level=1)).to_have_text("Головна")
        expect(page.get_by_test_id("stale-banner")).to_contain_text("Немає з’єднання — дані від")
        page.get_by_role("navigation", name="Головне меню").get_by_role("link", name="Показання").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Показання")
        expect(page.get_by_role("main")).to_contain_text("Передати показання")
        ctx.set_offline(False)

        page.get_by_role("button", name="Вийти").click()
        expect(page).to_have_url(re.compile("/logowanie"))
        expect(page.get_by_text("Ви вийшли з системи.")).to_be_visible()
        page.evaluate("localStorage.clear()")
    finally:
        ctx.close()
    ctx = browser.new_context(base_url=server.url, locale="pl-PL", timezone_id="Europe/Warsaw", **PHONE)
    ctx.set_default_timeout(20_000)
    try:
        page = ctx.new_page()  # another device: Polish until the account says otherwise
        log_in(page, "anna.nowak@example.com")
        expect(page.get_by_role("heading", level=1)).to_have_text("Головна")
        page.get_by_role("navigation", name="Головне меню").get_by_role("link", name="Профіль").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Профіль")
        languages = page.get_by_role("group", name="Мова застосунку")
        expect(languages.get_by_role("radio", name="Українська")).to_be_checked()
        expect(languages.get_by_text("Українська")).to_have_attribute("lang", "uk")
        assert_accessible(page)
        # back to Polish, and wait for the account to have it, or the next test meets a Ukrainian Anna
        with _language_saved(page) as saved:
            languages.get_by_role("radio", name="Polski").check()
        assert saved.value.ok and saved.value.json()["language"] == "pl"
        restored = True
        expect(page.get_by_role("heading", level=1)).to_have_text("Konto")
        assert page.evaluate("document.documentElement.lang") == "pl"
    finally:
        ctx.close()
        if not restored:
            _anna_in_polish_again(browser, server)


def test_a_new_release_is_offered_and_applied(browser, smtp_server):
    """A deploy changes the service worker; the open app says so and updates when asked."""
    from tests.e2e.conftest import Server

    server = Server(smtp_server, name="release")
    server.start("demo", "--customers", "3")
    ctx = browser.new_context(base_url=server.url, locale="pl-PL")
    try:
        page = ctx.new_page()
        page.goto("/logowanie")
        page.evaluate("navigator.serviceWorker.ready.then(() => true)")
        page.reload()
        first = page.evaluate("caches.keys()")
        expect(page.get_by_test_id("update-banner")).to_have_count(0)

        server.stop_process()
        server.env["EBOK_RELEASE"] = "2026.11.2"
        server.start("serve")
        page.reload()  # the browser checks /sw.js on navigation and installs the new worker
        banner = page.get_by_test_id("update-banner")
        expect(banner).to_contain_text("Dostępna jest nowa wersja aplikacji.", timeout=20_000)
        assert_accessible(page)
        with page.expect_navigation():
            banner.get_by_role("button", name="Odśwież").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Logowanie")
        page.wait_for_function("() => navigator.serviceWorker.controller !== null")
        after = page.evaluate("caches.keys()")
        assert [c for c in after if c.startswith("ebok-shell-")] != [c for c in first if c.startswith("ebok-shell-")]
        expect(page.get_by_test_id("update-banner")).to_have_count(0)
    finally:
        ctx.close()
        server.stop()
