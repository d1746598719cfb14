"""Kartoteka in the browser (issue 13.3): the office uploads the billing system's file with two errors,
sees them on their lines, downloads all errors as CSV, uploads the corrected file, applies it and
watches it finish; meanwhile a second staff member is told who is importing. A 200 MB file is refused
before it is sent. Screenshots at 390 and 1366 px."""

from __future__ import annotations

import csv
import io
import os
import re
from pathlib import Path

from playwright.sync_api import expect

from tests.e2e.conftest import assert_accessible, log_in
from tests.support import RUN_DIR, link_from

HEADER = ("customer_number;name;email;phone;street;house_number;postcode;town;billing_period_months;point_code;"
          "point_street;point_house_number;point_apartment;point_postcode;point_town;meter_serial;meter_kind;"
          "meter_digits;installed_on;verification_due;initial_reading")
ROWS = [
    "880001;Kartotekowa Ewa;;;ul. Kolejowa;4;19-400;Olecko;1;K-8801;;;;;;KT88001;main;5;2024-03-01;2029-03-01;12,5",
    "880001;Kartotekowa Ewa;;;ul. Kolejowa;4;19-400;Olecko;1;K-8801;;;;;;KT88002;sub;5;2024-03-01;2029-03-01;0",
    "880002;Importowy Adam;;;ul. Sadowa;9;19-400;Olecko;2;K-8802;;;;;;KT88003;main;5;2023-05-10;2028-05-10;1 234,5",
]
BAD = [ROWS[0], ROWS[1].replace("19-400", "19400", 1), ROWS[2].replace("2023-05-10", "10.13.2023")]
NEW_PASSWORD = "Kartoteka-2026-hasło"
SHOTS = Path(os.environ.get("EBOK_SCREENSHOTS") or RUN_DIR)  # kept after the run when set


def table(rows: list[str]) -> dict:
    return {"name": "kartoteka.csv", "mimeType": "text/csv",
            "buffer": ("\ufeff" + "\r\n".join([HEADER, *rows]) + "\r\n").encode("utf-8")}


def second_staff_member(page, browser, server, smtp_server):
    """Biuro opens an office account for Piotr, who activates it in a browser of his own (wide screen)."""
    page.goto("/biuro")
    page.get_by_text("Nowe konto pracownika lub inkasenta").click()
    page.get_by_label("Adres e-mail pracownika").fill("piotr.kartoteka@example.com")
    page.get_by_label("Imię i nazwisko pracownika").fill("Piotr Wiśniewski")
    page.get_by_role("button", name="Utwórz konto pracownika").click()
    expect(page.get_by_text("Wysłano link aktywacyjny na piotr.kartoteka@example.com.")).to_be_visible()
    link = link_from(smtp_server.wait_for_sync("piotr.kartoteka@example.com")[-1])
    wide = browser.new_context(base_url=server.url, locale="pl-PL", timezone_id="Europe/Warsaw",
                               viewport={"width": 1366, "height": 900})
    wide.set_default_timeout(20_000)
    other = wide.new_page()
    other.goto(link)
    other.get_by_label("Nowe hasło").fill(NEW_PASSWORD)
    other.get_by_label("Powtórz hasło").fill(NEW_PASSWORD)
    other.get_by_role("button", name="Ustaw hasło").click()
    expect(other.get_by_role("button", name="Wyloguj")).to_be_visible(timeout=20_000)
    return wide, other


def test_office_imports_the_registry_while_a_colleague_is_told_who_imports(page, browser, server, smtp_server,
                                                                           tmp_path):
    log_in(page, "biuro@example.com")
    wide, other = second_staff_member(page, browser, server, smtp_server)
    try:
        page.goto("/biuro")
        page.get_by_role("link", name="Kartoteka (import z systemu rozliczeniowego)").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Kartoteka — import z systemu rozliczeniowego")

        # a file of 200 MB is refused in the browser, before it is sent
        huge = tmp_path / "kartoteka-cala.csv"
        with huge.open("wb") as f:
            f.truncate(200 * 1024 * 1024)
        page.get_by_label("Plik z kartoteką (CSV lub XLSX)").set_input_files(huge)
        page.get_by_role("button", name="Sprawdź plik").click()
        expect(page.get_by_role("alert")).to_have_text(
            "Plik ma 200 MB, a dozwolone jest najwyżej 150 MB. Podziel eksport lub usuń zbędne kolumny.")

        # the file with two errors: nothing changes, each error on its line, in Polish
        page.get_by_label("Plik z kartoteką (CSV lub XLSX)").set_input_files(table(BAD))
        page.get_by_role("button", name="Sprawdź plik").click()
        errors = page.get_by_test_id("import-errors")
        expect(errors.get_by_role("heading")).to_have_text("Błędy w pliku: 2", timeout=20_000)
        expect(errors).to_contain_text("Nic nie zostało zmienione.")
        expect(errors.locator("tr[data-line='3']")).to_contain_text("postcode")
        expect(errors.locator("tr[data-line='3']")).to_contain_text("„19400” nie jest kodem pocztowym NN-NNN")
        expect(errors.locator("tr[data-line='4']")).to_contain_text("installed_on")
        expect(errors.locator("tr[data-line='4']")).to_contain_text("„10.13.2023” nie jest datą RRRR-MM-DD ani DD.MM.RRRR")
        assert_accessible(page)
        page.screenshot(path=SHOTS / "kartoteka-errors-390.png", full_page=True)

        with page.expect_download() as download:
            errors.get_by_role("link", name="Pobierz wszystkie błędy (CSV)").click()
        rows = list(csv.reader(io.StringIO(download.value.path().read_text("utf-8-sig")), delimiter=";"))
        assert rows[0] == ["wiersz", "kolumna", "kod", "powód"]
        assert [r[:2] for r in rows[1:]] == [["3", "postcode"], ["4", "installed_on"]]
        assert download.value.suggested_filename == "kartoteka-bledy.csv"

        # meanwhile Piotr opens Kartoteka: he is told who is importing and since when, and cannot start one
        other.goto("/biuro/kartoteka")
        busy = other.get_by_test_id("import-busy")
        expect(busy).to_contain_text(re.compile(
            r"Import kartoteki prowadzi teraz Biuro Obsługi Klienta \(od \d{2}\.\d{2}\.\d{4},? \d{1,2}:\d{2}\)"))
        expect(other.get_by_role("button", name="Sprawdź plik")).to_have_count(0)
        assert_accessible(other)
        other.screenshot(path=SHOTS / "kartoteka-busy-1366.png", full_page=True)

        # the corrected file: the plan, then applied and watched to the end
        page.get_by_label("Plik z kartoteką (CSV lub XLSX)").set_input_files(table(ROWS))
        page.get_by_role("button", name="Sprawdź plik").click()
        expect(page.get_by_text("Plik jest poprawny. Sprawdź plan i zastosuj import.")).to_be_visible(timeout=20_000)
        plan = page.get_by_test_id("plan")
        expect(plan.get_by_role("row", name=re.compile("^Klienci"))).to_have_text(re.compile(r"Klienci\s*2\s*0\s*0"))
        expect(plan.get_by_role("row", name=re.compile("^Wodomierze"))).to_have_text(re.compile(r"Wodomierze\s*3\s*0\s*0"))
        assert_accessible(page)
        page.screenshot(path=SHOTS / "kartoteka-plan-390.png", full_page=True)
        page.get_by_role("button", name="Zastosuj import").click()
        expect(page.get_by_text(re.compile(r"Import zakończony: dodano 7, zmieniono 0, zakończono 0"))).to_be_visible(
            timeout=20_000)
        page.set_viewport_size({"width": 1366, "height": 900})
        assert_accessible(page)
        page.screenshot(path=SHOTS / "kartoteka-done-1366.png", full_page=True)

        # the lock is gone: Piotr may import now; the new customers are found by the office
        other.reload()
        expect(other.get_by_role("button", name="Sprawdź plik")).to_be_visible()
        expect(other.get_by_test_id("import-busy")).to_have_count(0)
        found = other.evaluate("fetch('/api/staff/customers?q=880002').then(r => r.json())")
        assert [c["number"] for c in found] == ["880002"]
    finally:
        wide.close()
