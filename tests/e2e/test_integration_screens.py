"""Issue 14 in the browser: the office adds a webhook (the secret shown once), sees a failed
delivery with the receiver's answer and sends it again; a resident makes their own token for Home
Assistant, sees it once, and revokes it (then it opens nothing: 401)."""

from __future__ import annotations

import re
import time

import httpx
from playwright.sync_api import expect

from tests.e2e.conftest import RUN_DIR, assert_accessible, log_in
from tests.webhook_receiver import Receiver


def wait_for(check, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def resident_changes_a_consent(base: str) -> None:
    """Anna (demo resident) gives or withdraws her e-mail alerts: a consent.changed event."""
    with httpx.Client(base_url=base) as c:
        c.get("/api/config")
        c.headers["X-CSRFToken"] = c.cookies["csrftoken"]
        assert c.post("/api/session", json={"login": "anna.nowak@example.com", "password": "demo-ebok-2026"}).is_success
        c.headers["X-CSRFToken"] = c.cookies["csrftoken"]
        customer = c.get("/api/me").json()["customers"][0]["id"]
        given = next(k for k in c.get("/api/consents").json()[0]["consents"] if k["kind"] == "email_alerts")["given"]
        r = c.put(f"/api/consents/{customer}/email_alerts", json={"given": not given})
        assert r.is_success, r.text


def test_the_office_adds_a_webhook_sees_a_failed_delivery_and_sends_it_again(page, server):
    receiver = Receiver()
    receiver.answers.append(500)
    try:
        log_in(page, "biuro@example.com")
        page.goto("/biuro/integracja")
        expect(page.get_by_role("heading", name="Pobierz odczyty")).to_be_visible()
        page.get_by_label("Adres (URL) odbiorcy").fill(receiver.url)
        page.get_by_label("Opis (opcjonalnie)").fill("System rozliczeń")
        page.get_by_role("button", name="Dodaj adres").click()
        secret_box = page.get_by_test_id("webhook-secret")
        expect(secret_box).to_contain_text("whsec_", timeout=20_000)
        receiver.secret = re.search(r"whsec_\S+", secret_box.inner_text()).group(0)
        assert_accessible(page)
        page.get_by_role("button", name="Zapisałem sekret").click()
        expect(page.get_by_test_id("webhook-secret")).to_have_count(0)
        expect(page.get_by_test_id("webhook").filter(has_text=receiver.url)).to_be_visible()

        resident_changes_a_consent(server.url)
        wait_for(lambda: receiver.count() >= 1)
        page.get_by_role("button", name="Odśwież").click()
        card = page.get_by_test_id("delivery").filter(has_text="consent.changed").first
        expect(card).to_contain_text("HTTP 500", timeout=20_000)
        expect(card).to_contain_text("receiver says no")
        page.screenshot(path=str(RUN_DIR / "integration-390.png"), full_page=True, timeout=30_000)
        assert_accessible(page)
        card.get_by_role("button", name=re.compile("^Wyślij ponownie")).click()
        expect(page.get_by_role("status").filter(has_text="Zdarzenie wróciło do kolejki.")).to_be_visible()
        wait_for(lambda: receiver.count() >= 2)
        assert receiver.received[0].id == receiver.received[1].id  # the same event, the same webhook-id
        assert all(m.signature_valid for m in receiver.received)
        page.get_by_role("button", name="Odśwież").click()
        expect(card).to_contain_text("dostarczone", timeout=20_000)
        expect(card).to_contain_text("HTTP 200")
        page.set_viewport_size({"width": 1366, "height": 900})
        page.screenshot(path=str(RUN_DIR / "integration-1366.png"), full_page=True, timeout=30_000)
        # the office removes it again, leaving the shared server as it was
        page.on("dialog", lambda d: d.accept())
        page.get_by_role("button", name=f"Usuń adres: {receiver.url}").click()
        expect(page.get_by_test_id("webhook")).to_have_count(0, timeout=20_000)
    finally:
        receiver.stop()


def test_a_resident_makes_a_token_for_home_assistant_sees_it_once_and_revokes_it(page, server):
    log_in(page, "anna.nowak@example.com")
    page.goto("/konto")
    expect(page.get_by_role("heading", name="Dostęp dla aplikacji")).to_be_visible()
    page.get_by_label("Nazwa tokenu").fill("Home Assistant")
    page.get_by_role("button", name="Utwórz token").click()
    box = page.get_by_test_id("app-token")
    expect(box).to_contain_text("ebok_", timeout=20_000)
    token = re.search(r"ebok_\S+", box.inner_text()).group(0)
    assert_accessible(page)
    page.screenshot(path=str(RUN_DIR / "app-access-390.png"), full_page=True, timeout=30_000)
    auth = {"Authorization": f"Bearer {token}"}
    r = httpx.get(f"{server.url}/api/integration/own/readings", headers=auth)
    assert r.status_code == 200 and r.json()["meters"], r.text
    page.get_by_role("button", name="Skopiowałem token").click()
    expect(page.get_by_test_id("app-token")).to_have_count(0)
    page.reload()
    row = page.get_by_test_id("app-token-row").filter(has_text="Home Assistant")
    expect(row).to_contain_text("ostatnio użyty", timeout=20_000)
    assert token not in page.content()  # shown once, never again
    page.set_viewport_size({"width": 1366, "height": 900})
    page.screenshot(path=str(RUN_DIR / "app-access-1366.png"), full_page=True, timeout=30_000)
    page.on("dialog", lambda d: d.accept())
    row.get_by_role("button", name="Unieważnij: Home Assistant").click()
    expect(page.get_by_role("status").filter(has_text="Token unieważniony.")).to_be_visible(timeout=20_000)
    expect(page.get_by_test_id("app-token-row").filter(has_text="Home Assistant")).to_have_count(0)
    assert httpx.get(f"{server.url}/api/integration/own/readings", headers=auth).status_code == 401
