"""Wnioski as residents and the office use them: a complaint filed without signal waits on the phone,
survives a reload, is sent once when the signal is back, the office answers and the resident reads
the answer; connection conditions are refused without a site plan, filed with one, extended by the
office with a reason and answered before the deadline, the confirmation PDF carrying the date.
Attachments are added with "Dodaj pliki" in two rounds, one removed, and exactly the rest arrive."""

from __future__ import annotations

import io
import re
from datetime import datetime, timedelta

from PIL import Image
from playwright.sync_api import expect

from tests.e2e.conftest import PHONE, assert_accessible, log_in
from tests.pdfs import real_pdf

STAFF = "biuro@example.com"
ANNA = "anna.nowak@example.com"
DESKTOP = {"viewport": {"width": 1366, "height": 900}}


def heading(page, text):
    expect(page.get_by_role("heading", level=1)).to_have_text(text)


def open_applications(page):
    page.goto("/konto")
    page.get_by_role("link", name=re.compile("^Wnioski")).click()
    heading(page, "Wnioski")


CONFIRMATION = "Potwierdzenie złożenia wniosku"


def confirmations(smtp_server) -> int:
    return len([m for m in smtp_server.to(ANNA) if CONFIRMATION in str(m["Subject"])])


def new_number(smtp_server, before: int) -> str:
    """The case number of the application just filed, from its confirmation e-mail."""
    mail = smtp_server.wait_for_sync(ANNA, count=before + 1, subject=CONFIRMATION, timeout=30)[before]
    return re.search(r"WN/\d{4}/\d{5}", mail["Subject"]).group(0)


def add_files(page, *paths):
    """A round of "Dodaj pliki": the button clicked, the files picked in the chooser it opens."""
    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name="Dodaj pliki", exact=True).click()
    assert chooser.value.is_multiple()
    chooser.value.set_files([str(p) for p in paths])


def photo_file(path):
    buf = io.BytesIO()
    Image.radial_gradient("L").resize((1200, 900)).convert("RGB").save(buf, "JPEG", quality=90)
    path.write_bytes(buf.getvalue())
    return path


def pdf_file(path):
    path.write_bytes(real_pdf())
    return path


def attachment_links(staff):
    """The links of the attachments that arrived, under the application's "Załączniki" heading."""
    heading = staff.get_by_role("heading", name="Załączniki", exact=True)
    return heading.locator("xpath=following-sibling::ul[1]").get_by_role("link")


def staff_opens(browser, server, number_text):
    ctx = browser.new_context(base_url=server.url, locale="pl-PL", **DESKTOP)
    staff = ctx.new_page()
    log_in(staff, STAFF)
    staff.goto("/biuro")
    staff.get_by_role("link", name="Wnioski klientów").click()
    heading(staff, "Wnioski klientów")
    return ctx, staff


def test_a_complaint_filed_offline_is_sent_once_and_answered(browser, server, smtp_server, tmp_path):
    ctx = browser.new_context(base_url=server.url, locale="pl-PL", **PHONE)
    page = ctx.new_page()
    log_in(page, ANNA)
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    open_applications(page)
    assert_accessible(page)
    before = confirmations(smtp_server)
    ctx.set_offline(True)
    page.get_by_label("Rodzaj wniosku").select_option("complaint")
    expect(page.get_by_test_id("kind-hint")).to_contain_text("14 dni")
    page.get_by_label("Czego dotyczy reklamacja").select_option("reading")
    page.get_by_label("Numer faktury lub wodomierza (nieobowiązkowy)").fill("WD-PIWNICA")
    page.get_by_label("Opis").fill("Odczyt szacunkowy z listopada jest dwa razy wyższy niż moje zużycie.")
    field = page.get_by_role("group", name="Załączniki (nieobowiązkowe)")
    expect(field).to_contain_text("najwyżej 5, każdy do 10 MB")  # the server's limits
    add_files(page, pdf_file(tmp_path / "faktura-11.pdf"), pdf_file(tmp_path / "zbedny.pdf"))
    add_files(page, tmp_path / "zbedny.pdf", photo_file(tmp_path / "licznik.jpg"))  # zbedny.pdf again: once
    chosen = page.get_by_test_id("chosen-file")
    expect(chosen).to_have_count(3)
    expect(chosen.nth(2)).to_contain_text(re.compile(r"licznik\.jpg\s*\d+\s?KB · zdjęcie JPEG"))
    expect(chosen.nth(0)).to_contain_text("· PDF")
    expect(page.get_by_test_id("attachments-said")).to_have_text("Dodano: licznik.jpg.")
    page.get_by_role("button", name="Usuń plik zbedny.pdf").click()
    expect(chosen).to_have_count(2)
    expect(page.get_by_role("button", name="Usuń plik licznik.jpg")).to_be_focused()  # the next file's
    expect(page.get_by_test_id("attachments-said")).to_have_text("Usunięto: zbedny.pdf.")
    expect(page.get_by_role("button", name="Zrób zdjęcie")).to_be_visible()  # a phone: the camera too
    assert_accessible(page)
    field.screenshot(path=str(tmp_path / "attachments-390.png"))  # a full-page one drops the touch emulation
    page.get_by_role("button", name="Złóż wniosek").click()
    expect(page.get_by_text("Brak połączenia. Wniosek czeka w telefonie")).to_be_visible()
    expect(page.get_by_test_id("application-outbox-item")).to_have_count(1)
    page.reload()  # offline: the shell from the service worker, the application from IndexedDB
    heading(page, "Wnioski")
    expect(page.get_by_test_id("application-outbox-summary")).to_have_text("1 niewysłany wniosek")
    ctx.set_offline(False)
    expect(page.get_by_test_id("application-outbox-item")).to_have_count(0, timeout=20_000)
    number = new_number(smtp_server, before)
    mine = page.get_by_test_id("application").filter(has_text=number)
    expect(mine).to_have_count(1, timeout=20_000)
    expect(mine).to_contain_text("Reklamacja faktury lub odczytu")
    expect(mine).to_contain_text("złożony")

    staff_ctx, staff = staff_opens(browser, server, number)
    rows = staff.get_by_test_id("queue-row").filter(has_text=number)
    expect(rows).to_have_count(1)  # sent once, though the phone tried while offline and after the reload
    expect(rows).to_contain_text("zostało 14 dni")
    assert_accessible(staff)
    staff.screenshot(path=str(tmp_path / "queue-1366.png"), full_page=True)
    staff.get_by_role("link", name=number).click()
    expect(staff.get_by_text("Odczyt szacunkowy z listopada")).to_be_visible()
    expect(attachment_links(staff)).to_have_text(["faktura-11.pdf", "licznik.jpg"])  # the removed one not, each once
    staff.get_by_label("Treść odpowiedzi").fill("Sprawdziliśmy: odczyt był szacunkowy; wystawimy korektę.")
    staff.get_by_role("button", name="Wyślij odpowiedź").click()
    expect(staff.get_by_text("Odpowiedź zapisana")).to_be_visible()
    assert_accessible(staff)
    staff_ctx.close()
    smtp_server.wait_for_sync(ANNA, subject=f"Zmiana w sprawie wniosku {number}")

    page.reload()
    mine = page.get_by_test_id("application").filter(has_text=number)
    expect(mine.get_by_text("Nowe")).to_be_visible()
    mine.get_by_role("link").click()
    heading(page, "Wniosek")
    expect(page.get_by_test_id("answer")).to_contain_text("wystawimy korektę")
    assert_accessible(page)
    page.screenshot(path=str(tmp_path / "answer-390.png"), full_page=True)
    ctx.close()


def test_connection_conditions_need_a_site_plan_are_extended_and_answered(browser, server, smtp_server, tmp_path):
    plan = pdf_file(tmp_path / "szkic-sytuacyjny.pdf")
    ctx = browser.new_context(base_url=server.url, locale="pl-PL", **DESKTOP)
    page = ctx.new_page()
    log_in(page, ANNA)
    open_applications(page)
    page.get_by_label("Rodzaj wniosku").select_option("connection_conditions")
    page.get_by_label("Imię i nazwisko lub nazwa wnioskodawcy").fill("Anna Nowak")
    page.get_by_label("Adres lub siedziba wnioskodawcy").fill("ul. Zielona 5/3, 19-400 Olecko")
    page.get_by_label("Adres nieruchomości do przyłączenia").fill("ul. Polna 12, 19-400 Olecko")
    page.get_by_label("Rodzaj zabudowy").select_option("single_family")
    page.get_by_label("Przeznaczenie i sposób wykorzystywania nieruchomości").fill("Dom mieszkalny, 4 osoby.")
    page.get_by_label("Przyłączenie do sieci").select_option("water")
    expect(page.get_by_label("Rodzaj ścieków")).to_have_count(0)  # water only: no sewage questions
    page.get_by_label("Dobowe zapotrzebowanie na wodę (m³/dobę)").fill("dużo")
    page.get_by_label("Przeznaczenie wody").fill("bytowe")
    page.get_by_role("button", name="Złóż wniosek").click()
    expect(page.get_by_text("Podaj liczbę, np. 1,5.")).to_be_visible()
    expect(page.get_by_text("Dołącz plan zabudowy lub szkic sytuacyjny nieruchomości.")).to_be_visible()
    page.get_by_label("Dobowe zapotrzebowanie na wodę (m³/dobę)").fill("0,6")
    add = page.get_by_role("button", name="Dodaj pliki", exact=True)
    add_files(page, plan, pdf_file(tmp_path / "pomylka.pdf"))
    expect(page.get_by_text("Dołącz plan zabudowy lub szkic sytuacyjny nieruchomości.")).to_have_count(0)
    notes = tmp_path / "notatki.txt"
    notes.write_text("nie plik PDF")
    add_files(page, notes)  # refused on the spot, with the reason under the field
    refused = "Nie dodano pliku notatki.txt: załącznik musi być zdjęciem (JPEG, PNG, WebP) lub plikiem PDF."
    expect(page.locator(".attachments .field-error")).to_have_text(refused)
    expect(add).to_have_attribute("aria-invalid", "true")
    add_files(page, photo_file(tmp_path / "dzialka.jpg"), plan)  # the plan again: not twice
    expect(page.locator(".attachments .field-error")).to_have_count(0)
    expect(page.get_by_test_id("chosen-file")).to_have_count(3)
    expect(page.get_by_role("button", name="Zrób zdjęcie")).to_be_hidden()  # a mouse: the chooser is enough
    assert_accessible(page)
    page.screenshot(path=str(tmp_path / "attachments-1366.png"), full_page=True)
    page.get_by_role("button", name="Usuń plik dzialka.jpg").click()  # the last one: back to "Dodaj pliki"
    expect(add).to_be_focused()
    expect(page.get_by_test_id("chosen-file")).to_have_text([re.compile("^szkic-sytuacyjny.pdf"),
                                                             re.compile("^pomylka.pdf")])
    before = confirmations(smtp_server)
    page.get_by_role("button", name="Złóż wniosek").click()
    expect(page.get_by_text("Wniosek zapisany.")).to_be_visible(timeout=20_000)
    number = new_number(smtp_server, before)
    filed = page.get_by_test_id("application").filter(has_text=number)
    expect(filed).to_have_count(1, timeout=20_000)
    expect(filed).to_contain_text("Warunki przyłączenia do sieci")
    assert_accessible(page)
    page.screenshot(path=str(tmp_path / "applications-1366.png"), full_page=True)
    # 21 days for a single-family house, from the day after filing; the page shows the date it was filed
    filed_on = datetime.strptime(re.search(r"złożony (\d\d\.\d\d\.\d{4})", filed.inner_text()).group(1), "%d.%m.%Y")
    due = (filed_on.date() + timedelta(days=21))
    expect(filed).to_contain_text(f"odpowiedź do {due:%d.%m.%Y}")

    staff_ctx, staff = staff_opens(browser, server, number)
    staff.get_by_role("link", name=number).click()
    expect(staff.get_by_text("budynek mieszkalny jednorodzinny")).to_be_visible()
    expect(attachment_links(staff)).to_have_text(["szkic-sytuacyjny.pdf", "pomylka.pdf"])
    staff.get_by_label("Powód przedłużenia (zobaczy go klient)").fill("Potrzebna wizja lokalna na działce.")
    staff.get_by_role("button", name="Przedłuż termin raz").click()
    later = due + timedelta(days=21)
    expect(staff.get_by_text(f"Termin przedłużony do {later:%d.%m.%Y}.")).to_be_visible()
    expect(staff.get_by_role("button", name="Przedłuż termin raz")).to_have_count(0)  # once only
    staff.get_by_label("Treść odpowiedzi").fill("Warunki przyłączenia do odbioru w BOK; przyłącze od ul. Polnej.")
    staff.get_by_role("button", name="Wyślij odpowiedź").click()
    expect(staff.get_by_text("Odpowiedź zapisana")).to_be_visible()
    staff.get_by_role("button", name="Zakończ sprawę").click()
    expect(staff.get_by_text("Sprawa zakończona.")).to_be_visible()
    staff_ctx.close()

    page.reload()
    page.get_by_test_id("application").filter(has_text=number).get_by_role("link").click()
    heading(page, "Wniosek")
    expect(page.get_by_test_id("extension")).to_contain_text("Potrzebna wizja lokalna na działce.")
    expect(page.get_by_test_id("answer")).to_contain_text("przyłącze od ul. Polnej")
    with page.expect_download() as download:
        page.get_by_role("link", name="Pobierz potwierdzenie złożenia (PDF)").click()
    assert download.value.suggested_filename == f"potwierdzenie-{number.replace('/', '-')}.pdf"
    assert_accessible(page)
    ctx.close()
