"""Outages in the browser: the public Awarie page, the resident's view with alert settings, the
office creating and publishing an outage, and the service worker showing a pushed alert and
opening the outage page when it is tapped."""

from __future__ import annotations

import json
import re
import time

from playwright.sync_api import expect

from tests.e2e.conftest import assert_accessible, log_in


def outages(page) -> list[dict]:
    return page.evaluate("fetch('/api/outages').then(r => r.json())")["outages"]


def test_public_awarie_page_without_login(page):
    page.goto("/awarie")
    expect(page.get_by_role("heading", level=1)).to_have_text("Awarie")
    failure = page.locator("article", has_text="Awaria sieci wodociągowej")
    expect(failure).to_contain_text("ul. Lipowa 2–30 (parzyste)")
    expect(failure).to_contain_text("Beczkowóz")
    expect(page.get_by_text("Wymiana zasuwy")).to_be_visible()
    expect(page.get_by_role("link", name="Zaloguj się")).to_be_visible()
    expect(page.get_by_test_id("push-settings")).to_have_count(0)  # alerts need an account
    assert page.get_by_role("link", name="Kanał Atom z awariami").get_attribute("href") == "/api/outages.atom"
    assert_accessible(page)
    page.get_by_role("link", name="Awaria sieci wodociągowej").click()
    expect(page).to_have_url(re.compile(r"/awarie\?id=[0-9a-f-]{36}$"))
    expect(page.get_by_role("main").get_by_role("heading", level=2)).to_have_text("Awaria sieci wodociągowej")
    expect(page.get_by_text("Pękła rura pod jezdnią", exact=False)).to_be_visible()
    assert_accessible(page)


def test_resident_sees_own_addresses_first_and_sets_alerts(context, page):
    context.grant_permissions(["notifications"])
    log_in(page, "anna.nowak@example.com")
    expect(page.get_by_test_id("outage-" + outages(page)[0]["id"])).to_be_visible()  # the dashboard lists it
    page.get_by_role("navigation", name="Menu główne").get_by_role("link", name="Awarie").click()
    mine = page.locator("section", has=page.get_by_role("heading", name="Na Twoich adresach"))
    expect(mine.locator("article")).to_have_count(2)
    expect(mine).to_contain_text("Dotyczy: ul. Lipowa 12")
    expect(mine).to_contain_text("Dotyczy: ul. Zielona 5/3")
    settings = page.get_by_test_id("push-settings")
    expect(settings).to_contain_text("Przeglądarka zapyta o zgodę na powiadomienia dopiero po naciśnięciu przycisku")
    expect(settings).to_contain_text("Powiadomienia o awariach są wyłączone na tym urządzeniu.")
    assert page.evaluate("Notification.permission") == "granted"  # granted by the test, never asked on load
    expect(page.get_by_label("ul. Lipowa 12, Olecko")).to_be_checked()
    assert_accessible(page)

    # e-mail alerts: the toggle is stored on the server
    page.get_by_role("checkbox", name="Powiadomienia e-mail o awariach").check()
    expect(page.get_by_role("status").filter(has_text="Powiadomienia e-mail o awariach są włączone.")).to_have_count(1)
    assert page.evaluate("fetch('/api/alerts/email').then(r => r.json())")["enabled"] is True
    page.reload()
    expect(page.get_by_role("checkbox", name="Powiadomienia e-mail o awariach")).to_be_checked()
    page.get_by_role("checkbox", name="Powiadomienia e-mail o awariach").uncheck()
    expect(page.get_by_role("status").filter(has_text="Powiadomienia e-mail o awariach są wyłączone.")).to_have_count(1)

    # push: headless Chromium has no push service behind pushManager.subscribe(), so it either
    # subscribes (then the device is listed) or fails (then the page says so and offers e-mail)
    page.get_by_role("button", name="Włącz powiadomienia o awariach").click()
    done = page.get_by_text("Włączono powiadomienia o awariach na tym urządzeniu.").or_(
        page.get_by_text("Nie udało się włączyć powiadomień w tej przeglądarce."))
    expect(done).to_be_visible(timeout=20_000)
    if page.get_by_text("Włączono powiadomienia").is_visible():
        expect(page.get_by_test_id("push-device")).to_have_count(1)
        expect(page.get_by_test_id("push-device")).to_contain_text("to urządzenie")
        page.get_by_role("button", name="Wyłącz powiadomienia na tym urządzeniu").click()
        expect(page.get_by_test_id("push-device")).to_have_count(0)
    else:
        expect(page.get_by_text("Żadne urządzenie nie ma włączonych powiadomień.")).to_be_visible()
    assert_accessible(page)


def _registration_id(page, cdp, origin: str) -> str:
    found: dict[str, str] = {}

    def on_update(event):
        for reg in event["registrations"]:
            if reg["scopeURL"].startswith(origin) and not reg["isDeleted"]:
                found["id"] = reg["registrationId"]

    cdp.on("ServiceWorker.workerRegistrationUpdated", on_update)
    cdp.send("ServiceWorker.enable")
    deadline = time.monotonic() + 10
    while "id" not in found and time.monotonic() < deadline:
        page.wait_for_timeout(100)  # lets Playwright dispatch the CDP events
    assert "id" in found, "no service worker registration"
    return found["id"]


NOTIFICATIONS = """() => navigator.serviceWorker.ready.then(r => r.getNotifications()).then(ns => ns.map(n =>
  ({title: n.title, body: n.body, tag: n.tag, data: n.data})))"""


def notifications_when(page, ready, timeout: float = 10) -> list[dict]:
    """The registration's notifications once `ready(list)` holds (wait_for_function cannot wait
    for a promise's value, so poll here)."""
    deadline = time.monotonic() + timeout
    while True:
        shown = page.evaluate(NOTIFICATIONS)
        if ready(shown) or time.monotonic() > deadline:
            return shown
        page.wait_for_timeout(100)


def test_service_worker_shows_the_alert_and_a_tap_opens_the_outage(context, page, server):
    context.grant_permissions(["notifications"])
    page.goto("/awarie")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    failure = next(o for o in outages(page) if o["kind"] == "failure")
    cdp = context.new_cdp_session(page)
    registration = _registration_id(page, cdp, server.url)
    tag = f"outage-{failure['id']}"

    def deliver(payload: dict) -> None:
        cdp.send("ServiceWorker.deliverPushMessage", {"origin": server.url, "registrationId": registration,
                                                       "data": json.dumps(payload)})

    first = {"type": "outage", "id": failure["id"], "seq": 1, "reason": "published", "kind": "failure",
             "title": "Awaria: ul. Lipowa 2–30 (parzyste)",
             "body": "Awaria sieci wodociągowej\nPrzewidywane zakończenie: 21.11.2026 18:00.", "tag": tag,
             "url": f"/awarie?id={failure['id']}"}
    deliver(first)
    [shown] = notifications_when(page, lambda ns: len(ns) == 1)
    assert shown["title"] == first["title"] and shown["body"] == first["body"] and shown["tag"] == tag
    assert shown["data"]["url"] == first["url"]

    # the all-clear carries the same tag: it replaces the alert instead of adding a second one
    deliver({**first, "seq": 2, "reason": "closed", "title": "Zakończono — Awaria: ul. Lipowa",
             "body": "Dostawa wody przywrócona."})
    [closed] = notifications_when(page, lambda ns: len(ns) == 1 and ns[0]["title"].startswith("Zakończono"))
    assert closed["title"].startswith("Zakończono") and closed["tag"] == tag
    deliver({"type": "something-else"})  # not an alert: nothing shown
    page.wait_for_timeout(300)
    assert len(page.evaluate(NOTIFICATIONS)) == 1

    # a tap: the worker's notificationclick handler, with the page on another view
    page.goto("/")
    [worker] = context.service_workers
    worker.evaluate("""async () => {
      const [n] = await self.registration.getNotifications();
      const event = new NotificationEvent('notificationclick', { notification: n });
      let done;
      // a synthetic event may not call waitUntil; keep the promise to await it here instead
      Object.defineProperty(event, 'waitUntil', { value: (p) => { done = p; } });
      self.dispatchEvent(event);
      await done;
    }""")
    expect(page).to_have_url(re.compile(rf"/awarie\?id={failure['id']}$"))
    expect(page.get_by_role("main").get_by_role("heading", level=2)).to_have_text("Awaria sieci wodociągowej")
    assert notifications_when(page, lambda ns: ns == []) == []  # the tapped notification is closed


def test_a_notice_shows_its_content_only_while_its_account_is_logged_in(context, page, server):
    """A notice about the resident's own data (a rejected reading with the office's note) on a phone
    the resident then logs out of, or hands on: the lock screen shows only that there is something."""
    context.grant_permissions(["notifications"])
    log_in(page, "anna.nowak@example.com")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    anna = page.evaluate("fetch('/api/me').then(r => r.json()).then(me => me.id)")
    cdp = context.new_cdp_session(page)
    registration = _registration_id(page, cdp, server.url)
    locked = {"title": "e-BOK: nowe powiadomienie", "body": "Zaloguj się w e-BOK, aby je przeczytać."}

    def deliver(tag: str) -> list[dict]:
        cdp.send("ServiceWorker.deliverPushMessage", {"origin": server.url, "registrationId": registration,
                                                       "data": json.dumps({
            "type": "notice", "kind": "reading_rejected", "title": "Odczyt nie został przyjęty",
            "body": "Odczyt 40,000 m³ nie został przyjęty. Uwagi biura: Na zdjęciu jest 50,2 m³.",
            "tag": tag, "url": "/odczyty", "lang": "pl", "owner": anna, "locked": locked})})
        return [n for n in notifications_when(page, lambda ns: any(n["tag"] == tag for n in ns), timeout=20)
                if n["tag"] == tag]

    [shown] = deliver("notice-1")  # logged in here: the content
    assert shown["title"] == "Odczyt nie został przyjęty" and "50,2 m³" in shown["body"]
    page.get_by_role("button", name="Wyloguj").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Logowanie")
    [hidden] = deliver("notice-2")  # logged out: nothing of it on the lock screen
    assert (hidden["title"], hidden["body"]) == (locked["title"], locked["body"])
    log_in(page, "inkasent@example.com")  # another person's account on the same phone
    [other] = deliver("notice-3")
    assert (other["title"], other["body"]) == (locked["title"], locked["body"])
    page.get_by_role("button", name="Wyloguj").click()
    log_in(page, "anna.nowak@example.com")  # back: hers show again
    [again] = deliver("notice-4")
    assert again["title"] == "Odczyt nie został przyjęty"


def test_office_creates_previews_and_publishes_an_outage(context, page, browser, server):
    page.on("dialog", lambda d: d.accept())
    log_in(page, "biuro@example.com")
    page.get_by_role("navigation", name="Menu główne").get_by_role("link", name="Komunikaty").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Biuro — awarie i komunikaty")
    expect(page.get_by_test_id("staff-outage")).to_have_count(2)  # the demo's
    page.get_by_role("button", name="Nowa awaria lub komunikat").click()
    page.get_by_label("Rodzaj").select_option("quality")
    page.get_by_label("Tytuł").fill("Przegotuj wodę przed spożyciem")
    page.get_by_label("Opis").fill("Wykryto bakterie z grupy coli. Wodę do picia trzeba przegotować.")
    page.get_by_label("Punkt poboru wody zastępczej").fill("Woda butelkowana w Urzędzie Miejskim")
    page.get_by_label("Miejscowość").select_option("Olecko")
    page.get_by_label("Ulica", exact=True).select_option("ul. Lipowa")
    page.get_by_label("Numery").select_option("odd")
    # one building on another street, chosen by its address (the form asks for no registry ids)
    expect(page.get_by_text(re.compile("identyfikator", re.I))).to_have_count(0)
    page.get_by_label("Ulica adresu").select_option("ul. Zielona")
    address = page.get_by_label("Adres", exact=True)
    expect(address.locator("option")).not_to_have_count(1)
    first = address.locator("option").nth(1)
    picked = first.inner_text().split(" (klient")[0]
    address.select_option(first.get_attribute("value"))
    page.get_by_role("button", name="Dodaj adres").click()
    expect(page.get_by_test_id("chosen-points")).to_contain_text(picked)
    page.get_by_role("button", name="Policz odbiorców").click()
    expect(page.get_by_test_id("area-preview")).to_contain_text(re.compile(r"punkty poboru: \d+"))
    preview = page.get_by_test_id("area-preview").inner_text()
    assert "urządzenia: 0" in preview  # nobody has subscribed in the demo
    assert_accessible(page)
    page.get_by_role("button", name="Zapisz szkic").click()
    expect(page.get_by_text("Zapisano.")).to_be_visible()
    row = page.get_by_test_id("staff-outage").filter(has_text="Przegotuj wodę przed spożyciem")
    expect(row).to_contain_text("Ostrzeżenie o jakości wody · szkic")
    expect(row).to_contain_text("ul. Lipowa (nieparzyste)")
    expect(row).to_contain_text("+ 1")  # and the single address
    # before publishing, the office sees how many SMS (and parts, as the gateway counts them) it sends
    expect(row.get_by_test_id("sms-count")).to_contain_text(
        re.compile(r"SMS przy następnym powiadomieniu: \d+ \(razem części: \d+; .* UCS-2"), timeout=20_000)
    expect(row.get_by_test_id("sms-count")).to_contain_text(re.compile(r"wysłano części SMS: \d+ z limitu 10000"))

    anonymous = browser.new_context(base_url=server.url, locale="pl-PL")
    public = anonymous.new_page()
    public.goto("/awarie")
    expect(public.get_by_text("Awaria sieci wodociągowej")).to_be_visible()
    expect(public.get_by_text("Przegotuj wodę przed spożyciem")).to_have_count(0)  # a draft is not public

    row.get_by_role("button", name="Opublikuj i powiadom").click()
    expect(page.get_by_text("Opublikowano. Powiadomienia są wysyłane.")).to_be_visible()
    expect(row).to_contain_text("opublikowana")
    expect(row).to_contain_text("Powiadomienia push: wysłane 0")
    assert_accessible(page)
    public.reload()
    card = public.locator("article", has_text="Przegotuj wodę przed spożyciem")
    expect(card).to_contain_text("Ostrzeżenie o jakości wody")
    expect(card).to_contain_text("Woda butelkowana w Urzędzie Miejskim")
    feed = public.evaluate("fetch('/api/outages.atom').then(r => r.text())")
    assert "Przegotuj wodę przed spożyciem" in feed

    row.get_by_role("button", name="Zakończ (awaria usunięta)").click()
    expect(page.get_by_text("Zakończono. Mieszkańcy dostaną powiadomienie.")).to_be_visible()
    expect(row).to_contain_text("zakończona")
    public.reload()
    expect(public.get_by_text("Awaria sieci wodociągowej")).to_be_visible()
    expect(public.get_by_text("Przegotuj wodę przed spożyciem")).to_have_count(0)
    anonymous.close()
