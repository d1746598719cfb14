"""The office's customer screen (issue 13.4, 13.5): the office finds a customer, opens the screen,
corrects the phone, opens an e-BOK account and exchanges a meter; the resident, whose phone had
the old meter cached, then sees the new meter and submits a reading for it offline that reaches
the server exactly once. Screenshots at 390 and 1366 px."""

from __future__ import annotations

import os
import re
from pathlib import Path

from playwright.sync_api import expect

from tests.e2e.conftest import PHONE, assert_accessible, log_in
from tests.support import RUN_DIR, link_from

NUMBER = "100009"
EMAIL = "mieszkaniec.100009@example.com"
NEW_PASSWORD = "Zielona-Rzeka-2026"
NEW_SERIAL = "E2E-0009-NEW"
WIDE = {"viewport": {"width": 1366, "height": 900}}
WORKER_IN_CONTROL = """new Promise((resolve) => navigator.serviceWorker.controller ? resolve(true)
  : navigator.serviceWorker.addEventListener('controllerchange', () => resolve(true)))"""


def shot(page, name: str) -> None:
    """Kept in the run's folder, or EBOK_SCREENSHOTS when set (to look at them after the run)."""
    folder = Path(os.environ.get("EBOK_SCREENSHOTS", str(RUN_DIR)))
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"customer-screen-{name}.png"), full_page=True)


def test_office_corrects_and_exchanges_then_resident_reads_the_new_meter_offline(browser, server, smtp_server):
    office = browser.new_context(base_url=server.url, locale="pl-PL", timezone_id="Europe/Warsaw", **WIDE)
    resident = browser.new_context(base_url=server.url, locale="pl-PL", timezone_id="Europe/Warsaw", **PHONE)
    office.set_default_timeout(20_000)
    resident.set_default_timeout(20_000)
    try:
        staff = office.new_page()
        errors: list[str] = []
        staff.on("pageerror", lambda exc: errors.append(str(exc)))
        log_in(staff, "biuro@example.com")
        expect(staff).to_have_url(re.compile(r"/biuro$"))
        staff.get_by_label("Szukaj klienta").fill(NUMBER)
        staff.get_by_role("button", name="Szukaj", exact=True).click()
        staff.get_by_role("link", name=re.compile(f"^{NUMBER} — ")).click()
        expect(staff.get_by_role("heading", level=1)).to_contain_text(f"Klient nr {NUMBER}", timeout=20_000)
        expect(staff.get_by_test_id("cust-meter").first).to_be_visible()
        assert_accessible(staff)

        # the phone, corrected and audited
        staff.get_by_role("button", name="Popraw dane kontaktowe").click()
        staff.get_by_label("Telefon").fill("12ab")
        staff.get_by_role("button", name="Zapisz zmiany").click()
        expect(staff.get_by_text("Wpisz polski numer: +48 i 9 cyfr.").first).to_be_visible()
        staff.get_by_label("Telefon").fill("+48 600 700 800")
        staff.get_by_role("button", name="Zapisz zmiany").click()
        expect(staff.get_by_test_id("cust-phone")).to_have_text("+48 600 700 800", timeout=20_000)
        expect(staff.get_by_text("Zapisano dane kontaktowe.")).to_be_visible()

        # an e-BOK account: offered only while there is none
        staff.get_by_role("button", name="Utwórz konto w e-BOK").click()
        staff.get_by_label("Adres e-mail klienta").fill(EMAIL)
        staff.get_by_label("Imię i nazwisko klienta").fill("Mieszkaniec Dziewiąty")
        staff.get_by_label("Klient złożył pisemną zgodę na przetwarzanie danych kontaktowych").check()
        staff.get_by_role("button", name="Wyślij link aktywacyjny").click()
        expect(staff.get_by_text(f"Wysłano link aktywacyjny na {EMAIL}.")).to_be_visible(timeout=20_000)
        expect(staff.get_by_role("button", name="Utwórz konto w e-BOK")).to_have_count(0)

        # the resident activates the account and opens the readings: the old meter is cached on the phone
        link = link_from(smtp_server.wait_for_sync(EMAIL)[-1])
        phone = resident.new_page()
        phone.goto(link)
        phone.get_by_label("Nowe hasło").fill(NEW_PASSWORD)
        phone.get_by_label("Powtórz hasło").fill(NEW_PASSWORD)
        phone.get_by_role("button", name="Ustaw hasło").click()
        expect(phone.get_by_role("heading", level=1)).to_have_text("Pulpit", timeout=20_000)
        phone.goto("/odczyty")
        expect(phone.get_by_role("heading", level=1)).to_have_text("Odczyty")
        phone.evaluate(WORKER_IN_CONTROL)
        meters = phone.evaluate("fetch('/api/meters').then(r => r.json())")["meters"]
        old = next(m for m in meters if m["kind"] == "main")
        expect(phone.get_by_role("link", name=f"Podaj odczyt wodomierza nr {old['serial']}")).to_be_visible()

        # the office exchanges that meter
        staff.get_by_role("button", name=f"Wymień wodomierz {old['serial']}").click()
        last = old["last_reading"]["value_litres"] if old["last_reading"] else 0
        final = last + 1_250
        staff.get_by_label("Odczyt końcowy zdejmowanego wodomierza (m³)").fill(f"{final // 1000},{final % 1000:03d}")
        staff.get_by_label("Numer nowego wodomierza").fill(NEW_SERIAL)
        staff.get_by_label("Stan początkowy nowego wodomierza (m³)").fill("0,010")
        staff.get_by_role("button", name="Zapisz wymianę").click()
        expect(staff.get_by_text(f"Zapisano wymianę: zamontowano wodomierz {NEW_SERIAL}.")).to_be_visible(
            timeout=20_000)
        rows = staff.get_by_test_id("cust-meter")
        expect(rows.filter(has_text=NEW_SERIAL)).to_contain_text("zamontowany")
        expect(rows.filter(has_text=old["serial"])).to_contain_text("zdjęty")
        expect(staff.get_by_role("region", name="Historia zmian")).to_contain_text("Wymiana wodomierza")
        expect(staff.get_by_role("region", name="Historia zmian")).to_contain_text("Zmiana danych klienta")
        assert_accessible(staff)
        shot(staff, "1366")
        staff.set_viewport_size({"width": 390, "height": 844})
        shot(staff, "office-390")
        assert not errors, errors

        # the phone comes back to the readings: the cached list is replaced by the new meter
        phone.reload()
        new_link = phone.get_by_role("link", name=f"Podaj odczyt wodomierza nr {NEW_SERIAL}")
        expect(new_link).to_be_visible(timeout=20_000)
        expect(phone.get_by_role("link", name=f"Podaj odczyt wodomierza nr {old['serial']}")).to_have_count(0)
        new_id = next(m["id"] for m in phone.evaluate("fetch('/api/meters').then(r => r.json())")["meters"]
                      if m["serial"] == NEW_SERIAL)

        # offline: the app still shows the new meter, and the reading waits in the outbox
        resident.set_offline(True)
        phone.reload()
        expect(new_link).to_be_visible(timeout=20_000)
        new_link.click()
        expect(phone.get_by_test_id("capture-meter")).to_contain_text(NEW_SERIAL)
        phone.get_by_label("Stan wodomierza (m³)").fill("0,150")
        phone.get_by_role("button", name="Zapisz odczyt").click()
        expect(phone.get_by_role("heading", level=1)).to_have_text("Odczyty")
        expect(phone.get_by_test_id("unsent-badge")).to_contain_text("1")
        assert_accessible(phone)
        shot(phone, "resident-390")
        resident.set_offline(False)
        expect(phone.get_by_test_id("outbox-summary")).to_have_text("Wszystkie odczyty zostały wysłane.",
                                                                    timeout=20_000)
        phone.reload()  # another start-up flush finds nothing left to send
        expect(phone.get_by_role("heading", level=1)).to_have_text("Odczyty")
        history = phone.evaluate(f"fetch('/api/meters/{new_id}/readings').then(r => r.json())")["readings"]
        assert [r["value_litres"] for r in history] == [150], history  # exactly one reading on the server
    finally:
        office.close()
        resident.close()
