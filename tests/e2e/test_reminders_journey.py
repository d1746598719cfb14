"""Reading reminders and SMS in the browser (issue 15): the resident turns on SMS and reminders in
Konto → Powiadomienia (an invalid number refused on its field first), the office publishes an
outage and sees the SMS count before publishing, the local SMSAPI gateway receives the alert; the
reading window opens, the 8:00 reminder job runs, the resident's device gets the reminder push
and tapping it opens that meter's capture screen.

The server runs on the test clock (EBOK_TEST_CLOCK, backend/core/clock.py): the morning of the
day the demo resident's reading window opens, 7:45 Warsaw, moved to 8:00 when the job is due.
Outside services are local: the SMS gateway (tests/sms_gateway.py) and the push service
(tests/push_service.py). Headless Chromium has no push service behind pushManager.subscribe(), so
the page's PushManager hands out the local push service's subscription (the browser's side of
it, keys included); the push that service receives is delivered to the service worker through
CDP (ServiceWorker.deliverPushMessage), as a real push arrives."""

from __future__ import annotations

import json
import re
import time
from datetime import datetime, timedelta

import pytest
from playwright.sync_api import expect

from backend.core.clock import WARSAW, set_test_clock, today_in_warsaw
from backend.notices import rules
from tests.e2e.conftest import PHONE, Server, assert_accessible, log_in
from tests.e2e.test_outages import NOTIFICATIONS, _registration_id, notifications_when
from tests.push_service import PushService
from tests.sms_gateway import TOKEN, SmsGateway

ANNA = "anna.nowak@example.com"
MOBILE = "+48 512 345 678"
WINDOW_DAYS = 7
ANNA_PERIOD = 2  # months: the demo's Anna Nowak is billed every two months

# the browser's push service is the local one: PushManager gives out its subscription
PUSH_MANAGER = """(subscription) => {
  const made = () => ({
    endpoint: subscription.endpoint, expirationTime: null, options: { userVisibleOnly: true },
    toJSON: () => subscription, getKey: () => null,
    unsubscribe: async () => { localStorage.removeItem('test.push.subscribed'); return true; },
  });
  PushManager.prototype.subscribe = async function () {
    localStorage.setItem('test.push.subscribed', '1');
    return made();
  };
  PushManager.prototype.getSubscription = async function () {
    return localStorage.getItem('test.push.subscribed') ? made() : null;
  };
}"""


def opening_day() -> datetime:
    """8:00 Warsaw on the next day Anna's reading window opens."""
    day = today_in_warsaw() + timedelta(days=1)
    while not any(stage == "open" for stage, _ in rules.stages_on(day, ANNA_PERIOD, WINDOW_DAYS)):
        day += timedelta(days=1)
    return datetime(day.year, day.month, day.day, 8, 0, tzinfo=WARSAW)


def wait_for(what, ready, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        assert time.monotonic() < deadline, f"not within {timeout:.0f} s: {what}"
        time.sleep(0.2)


@pytest.fixture
def journey(browser, smtp_server):
    gateway, push = SmsGateway(), PushService()
    server = Server(smtp_server, name="reminders")
    eight = opening_day()
    clock = server.data_dir.parent / "reminders-clock"
    set_test_clock(clock, eight - timedelta(minutes=15))
    server.env.update({
        "EBOK_TEST_CLOCK": str(clock), "EBOK_READING_WINDOW_DAYS": str(WINDOW_DAYS),
        "EBOK_SMSAPI_TOKEN": TOKEN, "EBOK_SMSAPI_URL": gateway.url, "EBOK_SMS_SENDER": "Wodociagi",
        "EBOK_PUSH_TEST_HOSTS": "127.0.0.1",  # the local push service; never set in production
    })
    server.start("demo", "--customers", "3")
    try:
        yield server, gateway, push, clock, eight
    finally:
        server.stop()
        gateway.stop()
        push.stop()


def test_reminders_sms_and_the_push_that_opens_the_capture_screen(browser, journey):
    server, gateway, push, clock, eight = journey
    device = push.device("anna-phone")
    resident = browser.new_context(base_url=server.url, locale="pl-PL", timezone_id="Europe/Warsaw", **PHONE)
    resident.grant_permissions(["notifications"])
    resident.add_init_script(f"({PUSH_MANAGER})({json.dumps(device.to_json())})")
    page = resident.new_page()
    log_in(page, ANNA)

    # Konto: the mobile number for SMS; a wrong one is refused on its field
    page.get_by_role("navigation", name="Menu główne").get_by_role("link", name="Konto").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Konto")
    form = page.locator("form").filter(has=page.get_by_label("Ulica")).first
    phone = form.get_by_label("Telefon (nieobowiązkowy)")
    phone.fill("+48 512 345 67")
    form.get_by_role("button", name="Zapisz adres").click()
    expect(phone).to_have_attribute("aria-invalid", "true")
    expect(phone).to_have_accessible_description(re.compile("Wpisz polski numer: \\+48 i 9 cyfr."))
    expect(phone).to_be_focused()
    phone.fill(MOBILE)
    form.get_by_role("button", name="Zapisz adres").click()
    expect(form.get_by_text("Zapisano.")).to_be_visible()
    expect(phone).to_have_attribute("aria-invalid", "false")

    # Powiadomienia: reminders by SMS; outage alerts by SMS (the demo gave Anna that one already)
    prefs = page.locator("section", has=page.get_by_role("heading", name="Powiadomienia", exact=True))
    reminder = prefs.get_by_test_id("pref-reminder")
    outage_sms = prefs.get_by_test_id("pref-outage").get_by_role("checkbox", name="SMS")
    expect(outage_sms).to_be_checked()
    # click, not check(): the box shows the server's answer, so it turns on once the change is saved
    reminder.get_by_role("checkbox", name="SMS").click()
    expect(reminder.get_by_role("checkbox", name="SMS")).to_be_checked()
    expect(reminder.get_by_role("checkbox", name="SMS")).to_be_enabled()  # saved, no longer busy
    assert_accessible(page)

    # the office: an outage on Anna's street; the SMS count before publishing; the gateway gets it
    office = browser.new_context(base_url=server.url, locale="pl-PL", timezone_id="Europe/Warsaw",
                                 viewport={"width": 1366, "height": 900}).new_page()
    office.on("dialog", lambda d: d.accept())
    log_in(office, "biuro@example.com")
    office.get_by_role("navigation", name="Menu główne").get_by_role("link", name="Komunikaty").click()
    office.get_by_role("button", name="Nowa awaria lub komunikat").click()
    office.get_by_label("Rodzaj").select_option("failure")
    office.get_by_label("Tytuł").fill("Awaria wodociągu przy szkole")
    office.get_by_label("Opis").fill("Pękła rura na skrzyżowaniu. Woda wróci po naprawie.")
    office.get_by_label("Miejscowość").select_option("Olecko")
    office.get_by_label("Ulica", exact=True).select_option("ul. Lipowa")
    office.get_by_label("Numery").select_option("all")
    office.get_by_role("button", name="Zapisz szkic").click()
    expect(office.get_by_text("Zapisano.")).to_be_visible()
    row = office.get_by_test_id("staff-outage").filter(has_text="Awaria wodociągu przy szkole")
    count = row.get_by_test_id("sms-count")
    expect(count).to_contain_text(re.compile(r"SMS przy następnym powiadomieniu: [1-9]\d* \(razem części: [1-9]"),
                                  timeout=20_000)
    assert_accessible(office)
    row.get_by_role("button", name="Opublikuj i powiadom").click()
    expect(office.get_by_text("Opublikowano. Powiadomienia są wysyłane.")).to_be_visible()

    def to_anna():
        return [s for s in gateway.sent if s.to == "48512345678"]

    wait_for("the outage SMS at the gateway", lambda: any("Lipowa" in s.message for s in to_anna()))
    [alert] = to_anna()
    assert alert.sender == "Wodociagi" and alert.idx and "/api/sms/report?key=" in alert.notify_url
    expect(row).to_contain_text("opublikowana")

    # reminders by push too: this device subscribes (the click lets the browser ask)
    page.reload()
    reminder = page.get_by_test_id("pref-reminder")
    reminder.get_by_role("checkbox", name="Push").click()
    expect(reminder.get_by_role("checkbox", name="Push")).to_be_checked()
    expect(reminder.get_by_role("checkbox", name="Push")).to_be_enabled()
    expect(reminder.get_by_role("alert")).to_have_count(0)
    page.reload()  # stored on the server, not only on the screen
    expect(page.get_by_test_id("pref-reminder").get_by_role("checkbox", name="Push")).to_be_checked()
    expect(page.get_by_test_id("pref-reminder").get_by_role("checkbox", name="SMS")).to_be_checked()
    meters = page.evaluate("fetch('/api/meters').then(r => r.json())")["meters"]
    lipowa = next(m for m in meters if m["kind"] == "main" and m["address"].startswith("ul. Lipowa 12"))
    assert not push.received_by("anna-phone")  # nothing pushed before the window opens

    # 8:00 on the day the window opens: the daily job queues the reminders, the worker sends them
    set_test_clock(clock, eight + timedelta(seconds=5))
    wait_for("two reminder pushes (Anna's two service points)", lambda: len(push.received_by("anna-phone")) >= 2)
    assert push.errors == []
    pushed = [r.payload for r in push.received_by("anna-phone")]
    assert {p["type"] for p in pushed} == {"reminder"}
    wait_for("the reminder SMS", lambda: sum("odczyt" in s.message.lower() for s in to_anna()) >= 2)
    reminder_sms = [s for s in to_anna() if s.message != alert.message]
    assert any(f"licznik={lipowa['id']}" in s.message for s in reminder_sms), [s.message for s in reminder_sms]
    for_lipowa = next(p for p in pushed if p["url"] == f"/odczyty/nowy?licznik={lipowa['id']}")
    assert "ul. Lipowa 12" in for_lipowa["body"]

    # the push arrives at the phone's service worker as the push service would deliver it
    page.goto("/")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    cdp = resident.new_cdp_session(page)
    registration = _registration_id(page, cdp, server.url)
    cdp.send("ServiceWorker.deliverPushMessage", {"origin": server.url, "registrationId": registration,
                                                   "data": json.dumps(for_lipowa)})
    [shown] = notifications_when(page, lambda ns: len(ns) == 1)
    assert shown["title"] == for_lipowa["title"] and shown["body"] == for_lipowa["body"]
    assert shown["tag"] == for_lipowa["tag"]

    # a tap: the worker's notificationclick handler opens the capture screen of that meter
    [worker] = resident.service_workers
    worker.evaluate("""async () => {
      const [n] = await self.registration.getNotifications();
      const event = new NotificationEvent('notificationclick', { notification: n });
      let done;
      Object.defineProperty(event, 'waitUntil', { value: (p) => { done = p; } });
      self.dispatchEvent(event);
      await done;
    }""")
    expect(page).to_have_url(re.compile(rf"/odczyty/nowy\?licznik={lipowa['id']}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Podaj odczyt")
    expect(page.get_by_test_id("capture-meter")).to_contain_text(lipowa["serial"])
    expect(page.get_by_test_id("capture-meter")).to_contain_text("ul. Lipowa 12")
    assert notifications_when(page, lambda ns: ns == []) == []
    assert page.evaluate(NOTIFICATIONS) == []
    assert_accessible(page)
    office.context.close()
    resident.close()
