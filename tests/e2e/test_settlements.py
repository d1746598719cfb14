"""Rozliczenia in the browser: the resident sees the balance and documents, opens an invoice and
its PDF, pays a document through the sandbox gateway, comes back and sees the balance drop; the
office runs billing; another customer's documents stay invisible."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import expect

from tests.e2e.conftest import assert_accessible, log_in


def grosze(text: str) -> int:
    digits = re.sub(r"[^\d,-]", "", text)
    whole, _, cents = digits.partition(",")
    return int(whole or 0) * 100 + int(cents or 0)


def balance(page) -> int:
    return grosze(page.get_by_test_id("balance").locator(".balance-amount").inner_text())


def test_resident_pays_a_document_with_the_sandbox_gateway(page, context):
    log_in(page, "anna.nowak@example.com")
    page.get_by_role("navigation", name="Menu główne").get_by_role("link", name="Rozliczenia").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Rozliczenia")
    expect(page.get_by_test_id("document-row").first).to_be_visible()
    expect(page.get_by_test_id("account").first).to_contain_text("1090 1014 7770 0000 0010 0001")
    before = balance(page)
    assert before > 0
    assert_accessible(page)

    # an invoice with its lines, readings and PDF
    page.get_by_role("link", name=re.compile(r"^Szczegóły dokumentu FV")).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Faktura FV/")
    expect(page.get_by_test_id("lines")).to_contain_text("Dostawa wody")
    expect(page.get_by_test_id("billed-meters")).to_be_visible()
    assert_accessible(page)
    pdf_url = page.get_by_test_id("pdf-link").get_attribute("href")
    pdf = context.request.get(pdf_url)
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf" and pdf.body()[:5] == b"%PDF-"

    # pay an open document: transfer details, the QR code, then online
    page.get_by_role("link", name="← Wróć do rozliczeń").click()
    pay = page.get_by_role("link", name=re.compile(r"^Zapłać FV")).first
    number = pay.get_attribute("aria-label").removeprefix("Zapłać ")
    pay.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Płatność")
    expect(page.get_by_test_id("transfer")).to_contain_text(number)
    qr = page.get_by_test_id("qr")
    expect(qr).to_be_visible()
    # polled from Python: wait_for_function evaluates a string in the page, which the strict CSP forbids
    for _ in range(50):
        if qr.evaluate("img => img.complete && img.naturalWidth") > 0:
            break
        page.wait_for_timeout(100)
    assert qr.evaluate("img => img.naturalWidth") > 0
    assert_accessible(page)
    page.get_by_role("button", name=re.compile(r"^Zapłać online")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Bramka płatności (testowa)")
    paid = grosze(page.get_by_test_id("gateway-amount").inner_text())
    assert_accessible(page)
    page.get_by_role("button", name="Zapłać", exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Rozliczenia")
    expect(page.get_by_test_id("payment-status")).to_contain_text("Płatność przyjęta")
    expect(page.get_by_test_id("balance").locator(".balance-amount")).not_to_have_text(re.compile(r"^$"))
    for _ in range(100):  # the list reloads once the payment shows as paid
        if balance(page) == before - paid:
            break
        page.wait_for_timeout(100)
    assert balance(page) == before - paid
    row = page.get_by_test_id("document-row").filter(has_text=number)
    expect(row).to_contain_text("zapłacono")


def test_other_customers_documents_are_invisible(page):
    log_in(page, "anna.nowak@example.com")
    page.goto("/rozliczenia")
    status = page.evaluate(f"fetch('/api/settlements/documents/{uuid.uuid4()}/pdf').then(r => r.status)")
    assert status == 404
    page.goto(f"/rozliczenia/dokument?id={uuid.uuid4()}")
    expect(page.get_by_role("alert")).to_contain_text("Nie znaleziono")


def test_office_runs_billing_and_sees_the_unmatched_queue(page):
    log_in(page, "biuro@example.com")
    page.get_by_role("link", name="Fakturowanie").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Biuro — fakturowanie")
    page.get_by_role("button", name="Wystaw faktury").click()
    expect(page.get_by_role("status").filter(has_text="wystawiono faktur: 0")).to_be_visible()
    expect(page.get_by_text("Brak wpłat do wyjaśnienia.")).to_be_visible()
    assert_accessible(page)


def test_office_imports_a_bank_statement_once(page, tmp_path):
    """The upload goes through the app's API client: the server's error and result are shown."""
    unreadable = tmp_path / "notatka.csv"
    unreadable.write_text("to nie jest wyciąg\n", encoding="utf-8")
    statement = tmp_path / "wyciag.csv"  # a bank fee only: no credit, so nobody's balance moves
    statement.write_text(f"Data księgowania;Kwota;Tytuł;Identyfikator\n2026-11-05;-7,50;Opłata;{uuid.uuid4()}\n",
                         encoding="utf-8")
    log_in(page, "biuro@example.com")
    page.get_by_role("link", name="Fakturowanie").click()
    card = page.get_by_role("region", name="Import wyciągu bankowego")
    card.get_by_label("Plik wyciągu (CSV lub MT940)").set_input_files(str(unreadable))
    card.get_by_role("button", name="Importuj").click()
    expect(card.get_by_role("alert")).to_have_text("Nie udało się odczytać pliku wyciągu.")
    card.get_by_label("Plik wyciągu (CSV lub MT940)").set_input_files(str(statement))
    card.get_by_role("button", name="Importuj").click()
    result = "Wyciąg wyciag.csv: wpłat 0, dopasowanych 0, niedopasowanych 0, powtórzonych 0."
    expect(card.get_by_text(result)).to_be_visible()
    expect(card.get_by_role("alert")).to_have_count(0)
    card.get_by_role("button", name="Importuj").click()
    expect(card.get_by_text("Ten plik był już zaimportowany — niczego nie dodano.")).to_be_visible()
    assert_accessible(page)


def test_office_adds_a_tariff_with_errors_tied_to_their_fields(page):
    log_in(page, "biuro@example.com")
    page.get_by_role("navigation", name="Menu główne").get_by_role("link", name="Fakturowanie").click()
    tariffs = page.get_by_test_id("tariffs")
    expect(tariffs.locator("tbody tr")).to_have_count(1)
    expect(tariffs).to_contain_text("Taryfa 2024–2027")
    page.get_by_label("Nazwa taryfy").fill("Taryfa 2027–2028")
    page.get_by_label("Obowiązuje od dnia").fill("2027-01-01")
    water = page.get_by_label("Cena wody netto (zł za m³), np. 3,61")
    water.fill("3,615")
    page.get_by_label("Cena odprowadzania ścieków netto (zł za m³), np. 5,87").fill("5,87")
    page.get_by_label("Opłata abonamentowa netto (zł za wodomierz i miesiąc), np. 4,05").fill("4,05")
    page.get_by_role("button", name="Dodaj taryfę").click()
    expect(water).to_have_attribute("aria-invalid", "true")
    expect(water).to_be_focused()
    expect(page.get_by_text("Podaj cenę w złotych, najwyżej z dwoma miejscami po przecinku")).to_be_visible()
    water.fill("3,61")
    # a day the demo's invoices already cover: the server refuses, on the date field, with the first free day
    start = page.get_by_label("Obowiązuje od dnia")
    start.fill("2025-06-01")
    page.get_by_role("button", name="Dodaj taryfę").click()
    expect(start).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_text(re.compile("Za ten dzień wystawiono już faktury. Nowa taryfa może obowiązywać "
                                       r"najwcześniej od \d"))).to_be_visible()
    expect(tariffs.locator("tbody tr")).to_have_count(1)  # nothing half-saved
    start.fill("2027-01-01")
    page.get_by_role("button", name="Dodaj taryfę").click()
    expect(page.get_by_role("status").filter(has_text="Dodano taryfę „Taryfa 2027–2028”")).to_be_visible()
    rows = tariffs.locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("Taryfa 2027–2028")
    expect(rows.first).to_contain_text("3,61")
    expect(rows.nth(1)).to_contain_text("2026")  # the old tariff now ends on 31 December 2026
    assert_accessible(page)
    # a mistake is taken back: only the new tariff (no invoice uses it yet) offers removal
    expect(page.get_by_role("button", name="Usuń taryfę „Taryfa 2024–2027”")).to_have_count(0)
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Usuń taryfę „Taryfa 2027–2028”").click()
    expect(page.get_by_role("status").filter(has_text="Usunięto taryfę „Taryfa 2027–2028”")).to_be_visible()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("od ")  # in force again until further notice


def test_reminder_asks_for_what_its_invoices_and_fee_leave(page, context):
    """Anna's reminder lists her overdue invoices; its page, its transfer data and its PDF ask for
    the same sum: what is left on them plus the reminder's fee."""
    import io

    from pypdf import PdfReader

    log_in(page, "anna.nowak@example.com")
    page.goto("/rozliczenia")
    rows = page.get_by_test_id("document-row").filter(has_text="Upomnienie")
    expect(rows).to_have_count(1)  # one reminder, however many of her invoices it lists
    rows.get_by_role("link", name=re.compile(r"^Szczegóły dokumentu UP")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Upomnienie UP/")
    reminded = page.get_by_test_id("reminded").locator("li")
    expect(reminded.first).to_be_visible()
    lefts = [grosze(t.rsplit("pozostało", 1)[1]) for t in reminded.all_inner_texts()]
    fee = grosze(page.get_by_test_id("lines").locator("li").first.locator("dd").last.inner_text())
    left = page.get_by_test_id("document-left")
    expect(left).to_contain_text("Do zapłaty razem z zaległymi fakturami")
    total = grosze(left.inner_text())
    assert total == sum(lefts) + fee and fee == 1000
    assert_accessible(page)

    pdf = PdfReader(io.BytesIO(context.request.get(page.get_by_test_id("pdf-link").get_attribute("href")).body()))
    text = " ".join(" ".join(p.extract_text() for p in pdf.pages).replace("\u00a0", " ").split())
    amount = f"{total // 100:,}".replace(",", " ") + f",{total % 100:02d} zł"
    assert f"Do zapłaty: {amount}" in text

    page.get_by_role("link", name=re.compile(r"^Zapłać UP")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Płatność")
    amount_row = page.get_by_test_id("transfer").locator(".copy-row").filter(has_text="Kwota")
    assert grosze(amount_row.locator(".copy-value").inner_text()) == total
