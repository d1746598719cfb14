"""Browser journeys of the self-service tabs: Dokumenty, Informacje (public), Kontakt (also offline,
with the office's reply), Moje konto (address, consents, e-mail change), Moje dane, Rejestracja."""

from __future__ import annotations

import re
import zipfile

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import assert_accessible, log_in
from tests.pdfs import real_pdf
from tests.support import link_from

STAFF = "biuro@example.com"
ANNA = "anna.nowak@example.com"


@pytest.fixture(scope="module")
def pdf_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("pdf") / "aneks-2026.pdf"
    path.write_bytes(real_pdf())
    return path


def heading(page, text):
    expect(page.get_by_role("heading", level=1)).to_have_text(text)


def test_documents_tab(browser, server, pdf_file):
    staff_ctx = browser.new_context(base_url=server.url, locale="pl-PL")
    staff = staff_ctx.new_page()
    log_in(staff, STAFF)
    staff.goto("/biuro")
    staff.get_by_role("link", name="Dokumenty klientów").click()
    heading(staff, "Dokumenty klientów")
    staff.get_by_label("Szukaj klienta").fill("100001")
    staff.get_by_role("button", name="Szukaj").click()
    staff.get_by_label("Klient", exact=True).select_option(index=1)
    staff.get_by_label("Tytuł dokumentu").fill("Aneks do umowy 2026")
    staff.get_by_label("Rodzaj").select_option("annex")
    staff.get_by_label("Plik PDF").set_input_files(str(pdf_file))
    staff.get_by_role("button", name="Dodaj dokument").click()
    expect(staff.get_by_text("Dodano „Aneks do umowy 2026” dla klienta 100001.")).to_be_visible()
    card = staff.get_by_test_id("staff-document").filter(has_text="Aneks do umowy 2026").first
    expect(card.get_by_test_id("first-opened")).to_have_text("Klient jeszcze nie otworzył")
    assert_accessible(staff)

    page = browser.new_context(base_url=server.url, locale="pl-PL").new_page()
    log_in(page, ANNA)
    page.get_by_role("navigation", name="Menu główne").get_by_role("link", name="Konto").click()
    page.get_by_role("link", name="Dokumenty", exact=True).click()
    heading(page, "Dokumenty")
    doc = page.get_by_test_id("document").filter(has_text="Aneks do umowy 2026").first
    expect(doc.get_by_test_id("unread")).to_have_text("Nowy")
    assert_accessible(page)
    with page.expect_download() as download:
        doc.get_by_role("link", name="Pobierz PDF").click()
    assert download.value.suggested_filename == "aneks-2026.pdf"
    expect(doc.get_by_test_id("unread")).to_have_count(0, timeout=20_000)
    page.context.close()

    staff.reload()
    card = staff.get_by_test_id("staff-document").filter(has_text="Aneks do umowy 2026").first
    expect(card.get_by_test_id("first-opened")).to_contain_text("Pierwsze otwarcie przez klienta")
    staff_ctx.close()


def test_information_is_public(browser, server, pdf_file):
    ctx = browser.new_context(base_url=server.url, locale="pl-PL")
    staff = ctx.new_page()
    log_in(staff, STAFF)
    staff.goto("/biuro/informacje")
    heading(staff, "Informacje publiczne")
    staff.get_by_label("Tytuł dokumentu").fill("Taryfa na 2026 rok")
    staff.get_by_label("Rodzaj").select_option("price_list")
    staff.get_by_label("Plik PDF").set_input_files(str(pdf_file))
    staff.get_by_role("button", name="Opublikuj").click()
    expect(staff.get_by_text("Opublikowano „Taryfa na 2026 rok”.")).to_be_visible()
    assert_accessible(staff)
    ctx.close()

    visitor = browser.new_context(base_url=server.url, locale="pl-PL").new_page()
    visitor.goto("/logowanie")
    visitor.get_by_role("link", name="Informacje: cenniki, wzory umów, formularze").click()
    heading(visitor, "Informacje")
    expect(visitor.get_by_role("heading", name="Cenniki i taryfy")).to_be_visible()
    expect(visitor.get_by_test_id("public-document").filter(has_text="Taryfa na 2026 rok")).to_be_visible()
    assert_accessible(visitor)
    visitor.context.close()


def test_contact_offline_then_reply(browser, server, smtp_server, tmp_path):
    ctx = browser.new_context(base_url=server.url, locale="pl-PL")
    page = ctx.new_page()
    log_in(page, ANNA)
    page.goto("/kontakt")
    heading(page, "Kontakt z biurem")
    assert_accessible(page)
    ctx.set_offline(True)
    if page.get_by_label("Klient", exact=True).count():  # Anna has one customer: no choice to make
        page.get_by_label("Klient", exact=True).select_option(index=0)
    page.get_by_label("Sprawa").select_option("meter_problem")
    page.get_by_label("Temat").fill("Cieknie wodomierz w piwnicy")
    page.get_by_label("Treść wiadomości").fill("Od wczoraj kapie przy zaworze za wodomierzem.")
    for name in ("protokol.pdf", "inny.pdf"):
        (tmp_path / name).write_bytes(real_pdf())
    for files in (["protokol.pdf"], ["protokol.pdf", "inny.pdf"]):  # two rounds; the same file once
        with page.expect_file_chooser() as chooser:
            page.get_by_role("button", name="Dodaj pliki", exact=True).click()
        chooser.value.set_files([str(tmp_path / name) for name in files])
    expect(page.get_by_role("group", name="Załączniki (nieobowiązkowe)")).to_contain_text("najwyżej 3, każdy do 10 MB")
    expect(page.get_by_test_id("chosen-file")).to_have_count(2)
    page.get_by_role("button", name="Usuń plik inny.pdf").click()
    expect(page.get_by_role("button", name="Dodaj pliki", exact=True)).to_be_focused()
    expect(page.get_by_test_id("attachments-said")).to_have_text("Usunięto: inny.pdf.")
    assert_accessible(page)
    page.get_by_role("button", name="Wyślij wiadomość").click()
    expect(page.get_by_text("Brak połączenia: wiadomość czeka w telefonie")).to_be_visible()
    expect(page.get_by_test_id("contact-outbox-item")).to_have_count(1)
    expect(page.get_by_test_id("unsent-badge")).to_have_count(0)  # the readings badge counts readings only
    ctx.set_offline(False)
    expect(page.get_by_test_id("contact-outbox-item")).to_have_count(0, timeout=20_000)
    thread = page.get_by_test_id("thread").filter(has_text="Cieknie wodomierz w piwnicy")
    expect(thread).to_have_count(1, timeout=20_000)
    smtp_server.wait_for_sync("bok@wodociagi-demo.pl", subject="Cieknie wodomierz")
    before = len(smtp_server.to(ANNA))

    staff_ctx = browser.new_context(base_url=server.url, locale="pl-PL")
    staff = staff_ctx.new_page()
    log_in(staff, STAFF)
    staff.goto("/biuro")
    staff.get_by_role("link", name="Wiadomości od klientów").click()
    staff.get_by_role("link", name="Cieknie wodomierz w piwnicy").click()
    expect(staff.get_by_test_id("message").first.get_by_role("link")).to_have_text(["Plik PDF protokol.pdf"])  # once
    staff.get_by_label(re.compile("^Odpowiedź")).fill("Monter przyjdzie jutro między 8 a 10.")
    staff.get_by_role("button", name="Wyślij").click()
    expect(staff.get_by_text("Wysłano.")).to_be_visible()
    assert_accessible(staff)
    staff_ctx.close()
    told = smtp_server.wait_for_sync(ANNA, count=before + 1)
    assert "Monter" not in told[-1].get_body(preferencelist=("plain",)).get_content()  # personal: not in mail

    page.reload()
    thread = page.get_by_test_id("thread").filter(has_text="Cieknie wodomierz w piwnicy")
    expect(thread.get_by_text("Nowa odpowiedź")).to_be_visible()
    thread.get_by_role("link").click()
    heading(page, "Wiadomość")
    expect(page.get_by_test_id("message")).to_have_count(2)
    expect(page.get_by_test_id("message").nth(1)).to_contain_text("Monter przyjdzie jutro")
    assert_accessible(page)
    ctx.close()


def test_account_address_consents_and_email_change(browser, server, smtp_server):
    ctx = browser.new_context(base_url=server.url, locale="pl-PL")
    page = ctx.new_page()
    log_in(page, ANNA)
    page.goto("/konto")
    heading(page, "Konto")
    form = page.locator("form").filter(has=page.get_by_label("Ulica")).first
    form.get_by_label("Kod pocztowy").fill("19400")
    form.get_by_role("button", name="Zapisz adres").click()
    expect(form.get_by_text("Wpisz kod pocztowy w postaci 00-000.")).to_be_visible()
    form.get_by_label("Kod pocztowy").fill("19-400")
    form.get_by_label("Telefon (nieobowiązkowy)").fill("600 700 800")
    form.get_by_role("button", name="Zapisz adres").click()
    expect(form.get_by_text("Zapisano.")).to_be_visible()

    # Anna gave e-Faktura consent on paper (demo data): withdrawing is as easy as giving
    einvoice = page.get_by_test_id("consent-e_invoice").first
    expect(einvoice.get_by_text(re.compile("^Zgoda wyrażona"))).to_be_visible()
    einvoice.get_by_role("button", name="Wycofuję zgodę").click()
    expect(einvoice.get_by_text(re.compile("^Zgoda wycofana"))).to_be_visible()
    einvoice.get_by_role("button", name="Wyrażam zgodę").click()
    expect(einvoice.get_by_text(re.compile("^Zgoda wyrażona"))).to_be_visible()
    einvoice.get_by_text("Historia zgody").click()
    expect(einvoice.get_by_role("listitem")).to_have_count(3)
    assert_accessible(page)

    page.get_by_label("Nowy adres e-mail").fill("anna.nowa@example.com")
    page.get_by_label("Obecne hasło").first.fill("demo-ebok-2026")
    page.get_by_role("button", name="Wyślij link potwierdzający").click()
    expect(page.get_by_text("Czeka na potwierdzenie: anna.nowa@example.com")).to_be_visible()
    link = link_from(smtp_server.wait_for_sync("anna.nowa@example.com")[-1])
    page.goto(link)
    heading(page, "Potwierdzenie adresu e-mail")
    page.get_by_role("button", name="Potwierdzam nowy adres").click()
    expect(page.get_by_text("Adres e-mail został zmieniony na anna.nowa@example.com.")).to_be_visible()
    # back to the demo address, so the other journeys can log in as before
    def confirmations() -> list:
        return [m for m in smtp_server.to(ANNA) if m["Subject"].startswith("Potwierdź")]

    before = len(confirmations())
    page.get_by_label("Nowy adres e-mail").fill(ANNA)
    page.get_by_label("Obecne hasło").first.fill("demo-ebok-2026")
    page.get_by_role("button", name="Wyślij link potwierdzający").click()
    expect(page.get_by_text(f"Czeka na potwierdzenie: {ANNA}")).to_be_visible()
    for _ in range(150):
        if len(confirmations()) > before:
            break
        page.wait_for_timeout(100)
    page.goto(link_from(confirmations()[-1]))
    page.get_by_role("button", name="Potwierdzam nowy adres").click()
    expect(page.get_by_text(f"Adres e-mail został zmieniony na {ANNA}.")).to_be_visible()
    ctx.close()


def test_my_data_export_and_deletion_request(browser, server, tmp_path):
    ctx = browser.new_context(base_url=server.url, locale="pl-PL", accept_downloads=True)
    page = ctx.new_page()
    log_in(page, ANNA)
    page.goto("/konto")
    page.get_by_role("link", name="Moje dane (RODO)").click()
    heading(page, "Moje dane")
    expect(page.get_by_text("Dane rozliczeniowe (faktury, płatności, odczyty, umowa) pozostają")).to_be_visible()
    assert_accessible(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Pobierz archiwum ZIP").click()
    target = tmp_path / "dane.zip"
    download.value.save_as(target)
    names = zipfile.ZipFile(target).namelist()
    assert "dane.json" in names and "csv/reading.csv" in names
    page.get_by_label("Hasło (dla potwierdzenia)").fill("demo-ebok-2026")
    page.get_by_role("button", name="Wyślij wniosek o usunięcie konta").click()
    expect(page.get_by_test_id("deletion-pending")).to_be_visible()
    page.get_by_role("button", name="Wycofaj wniosek").click()
    expect(page.get_by_role("button", name="Wyślij wniosek o usunięcie konta")).to_be_visible()
    ctx.close()


def test_registration_page(page):
    page.goto("/logowanie")
    page.get_by_role("link", name="Załóż konto w e-BOK").click()
    heading(page, "Rejestracja w e-BOK")
    assert_accessible(page)
    page.get_by_role("button", name="Zarejestruj").click()
    expect(page.get_by_label("Numer klienta")).to_have_attribute("aria-invalid", "true")
    page.get_by_label("Numer klienta").fill("100001")
    page.get_by_label("Numer faktury").fill("FV/999/2020")
    page.get_by_label("Kwota brutto faktury (zł)").fill("12,34")
    page.get_by_label("Imię i nazwisko").fill("Ktoś Obcy")
    page.get_by_label("E-mail", exact=True).fill("obcy@example.com")
    page.get_by_label(re.compile("^Zgadzam się")).check()
    page.get_by_role("button", name="Zarejestruj").click()
    expect(page.get_by_text("Jeśli dane zgadzają się z naszymi, wysłaliśmy link aktywacyjny na adres obcy@example.com."))\
        .to_be_visible()
    assert_accessible(page)
