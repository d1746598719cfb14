"""One phone, several people: what one account queued or saw stays theirs after they log out —
a reading waiting in the outbox is sent only with its owner's session, and logging out without
signal logs out at once (and on the server as soon as it is reachable)."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e import test_readings
from tests.e2e.conftest import PHONE, assert_accessible, log_in
from tests.e2e.test_readings import WORKER_IN_CONTROL, give_reading, history, meters, next_value, one_days_use

meter_photo = test_readings.meter_photo  # the fixture


def test_a_queued_reading_waits_for_its_owner_not_for_the_next_login(browser, server, meter_photo):
    # no service worker: the page alone sends, and page.route plays the busy server
    ctx = browser.new_context(base_url=server.url, locale="pl-PL", service_workers="block", **PHONE)
    try:
        page = ctx.new_page()
        posts: list[tuple[str, int]] = []  # (who was logged in, answer) of every reading upload
        who = {"now": "anna"}
        page.on("requestfinished", lambda r: r.url.endswith("/api/readings") and r.method == "POST"
                and posts.append((who["now"], r.response().status)))
        log_in(page, "anna.nowak@example.com")
        page.goto("/odczyty")
        expect(page.get_by_role("heading", level=1)).to_have_text("Odczyty")
        meter = next(m for m in meters(page) if m["kind"] == "main")
        before = history(page, meter["id"])
        value = next_value(meter, one_days_use(page, meter["id"]))

        page.route("**/api/readings", lambda route: route.fulfill(status=503, body="busy"))
        give_reading(page, meter, value, meter_photo)
        expect(page.get_by_test_id("unsent-badge")).to_contain_text("1")
        messages = []
        page.once("dialog", lambda d: (messages.append(d.message), d.accept()))
        page.get_by_role("button", name="Wyloguj").click()
        expect(page).to_have_url(re.compile("/logowanie"))
        assert "gdy znów zalogujesz się na to konto" in messages[0]
        page.unroute("**/api/readings")  # the server is fine again
        # what the service worker's Background Sync runs (the owner read from IndexedDB): nobody is
        # logged in, so nothing is sent
        sync = "self.EbokOutbox.flush({ force: true })"
        assert page.evaluate(sync) == {"sent": 0, "failed": 0, "left": 0, "expired": False, "others": 1}

        who["now"] = "inspector"
        log_in(page, "inkasent@example.com")
        expect(page.get_by_test_id("outbox-others")).to_contain_text(
            "czekają niewysłane dane innego konta (1)")
        expect(page.get_by_test_id("outbox-others")).not_to_contain_text(value)  # nothing of hers is shown
        assert_accessible(page)
        page.evaluate("window.dispatchEvent(new Event('online'))")  # every trigger of the outbox
        assert page.evaluate(sync)["others"] == 1  # Background Sync under the inspector's session: kept
        page.wait_for_timeout(1500)
        assert [p for p in posts if p[0] == "inspector"] == []
        page.get_by_role("button", name="Wyloguj").click()
        expect(page).to_have_url(re.compile("/logowanie"))

        who["now"] = "anna"
        log_in(page, "anna.nowak@example.com")
        page.goto("/odczyty")
        expect(page.get_by_test_id("outbox-summary")).to_have_text("Wszystkie odczyty zostały wysłane.", timeout=20_000)
        after = history(page, meter["id"])
        assert len(after) == len(before) + 1
        assert (after[0]["source"], after[0]["status"]) == ("resident", "accepted")
        # only ever sent with her session (a resend after the page moved on is answered as a replay)
        assert {who for who, _ in posts} == {"anna"}
    finally:
        ctx.close()


def _session_cookies(ctx) -> dict[str, dict]:
    return {c["name"]: c for c in ctx.cookies() if c["name"] in ("ebok_session", "ebok_login")}


def test_logging_out_without_signal_logs_out_at_once_and_on_the_server_later(browser, server):
    ctx = browser.new_context(base_url=server.url, locale="pl-PL", **PHONE)
    try:
        page = ctx.new_page()
        log_in(page, "anna.nowak@example.com")
        expect(page.get_by_role("main")).to_contain_text("Anna Nowak")
        page.evaluate(WORKER_IN_CONTROL)  # the app is saved on the phone
        old = _session_cookies(ctx)
        assert set(old) == {"ebok_session", "ebok_login"}

        ctx.set_offline(True)
        page.get_by_role("button", name="Wyloguj").click()
        expect(page).to_have_url(re.compile("/logowanie"))
        assert "ebok_login" not in _session_cookies(ctx)  # this device is logged out now
        saved = page.evaluate("""new Promise((resolve) => { const open = indexedDB.open('ebok');
          open.onsuccess = () => { const all = open.result.transaction('cache').objectStore('cache').getAllKeys();
          all.onsuccess = () => resolve(all.result); }; })""")
        assert saved == [] or saved == ["/api/config"]  # no personal data left on the phone
        page.goto("/")  # reopened, still offline: the screens stay locked
        expect(page).to_have_url(re.compile("/logowanie"))
        expect(page.get_by_role("main")).not_to_contain_text("Anna Nowak")

        ctx.set_offline(False)
        page.goto("/")
        expect(page).to_have_url(re.compile("/logowanie"))
        assert page.evaluate("fetch('/api/me').then(r => r.status)") == 401
        # the server ended the session itself: even the old cookies put back open nothing
        ctx.add_cookies(list(old.values()))
        assert page.evaluate("fetch('/api/me').then(r => r.status)") == 401
    finally:
        ctx.close()
