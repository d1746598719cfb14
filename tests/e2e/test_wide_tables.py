"""Issue 16, item 6: from 1024 px the resident's reading history and the office's lists (review
queue, outages, visits to plan and routes, customer search, inbox, documents) are tables with column and row
headers and a caption; on a 390 px phone the same screens keep their cards. axe on both, and a
screenshot of each at both widths (in the run folder)."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import expect

from tests.e2e.conftest import assert_accessible, log_in
from tests.pdfs import real_pdf
from tests.support import RUN_DIR

DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}


def _table(page, caption: str, *headers: str):
    """The table named by its caption, with these column headers."""
    table = page.get_by_role("table", name=caption)
    expect(table).to_be_visible(timeout=20_000)
    for header in headers:
        expect(table.get_by_role("columnheader", name=header, exact=True)).to_be_visible()
    return table


def _both_widths(page, name: str, wide_check, phone_check) -> None:
    page.set_viewport_size(DESKTOP)
    wide_check()
    # the table fits: the page does not scroll sideways
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth"), name
    assert_accessible(page)
    page.screenshot(path=RUN_DIR / f"{name}-1366.png", full_page=True)
    page.set_viewport_size(PHONE)
    phone_check()
    expect(page.get_by_role("table")).to_have_count(0)
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth"), name
    assert_accessible(page)
    page.screenshot(path=RUN_DIR / f"{name}-390.png", full_page=True)


def test_reading_history_is_a_table_on_a_wide_screen_and_cards_on_a_phone(page):
    log_in(page, "anna.nowak@example.com")
    meter = page.request.get("/api/meters").json()["meters"][0]
    count = len(page.request.get(f"/api/meters/{meter['id']}/readings").json()["readings"])
    page.goto(f"/odczyty/historia?licznik={meter['id']}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Historia odczytów")

    def wide():
        table = _table(page, f"Odczyty · Nr {meter['serial']}", "Data", "Stan licznika", "Zużycie", "Źródło",
                       "Status", "Uwagi", "Zdjęcie")
        expect(table.get_by_test_id("history-row")).to_have_count(count)
        expect(table.get_by_role("rowheader").first).to_have_text(re.compile(r"^\d\d\.\d\d\.\d{4}"))
        expect(page.locator("ul.history")).to_have_count(0)

    def phone():
        expect(page.locator("ul.history > li[data-testid=history-row]")).to_have_count(count)

    _both_widths(page, "history", wide, phone)


def test_the_office_lists_are_tables_on_a_wide_screen_and_cards_on_a_phone(page):
    log_in(page, "biuro@example.com")

    # the review queue (the demo leaves residents' readings in it): the row's button picks the item
    page.goto("/biuro/odczyty")
    expect(page.get_by_role("heading", level=1)).to_have_text("Kontrola odczytów")

    def review_wide():
        table = _table(page, "Odczyty do sprawdzenia", "Klient", "Wodomierz", "Wpisana wartość", "Powody")
        rows = table.get_by_role("rowheader")
        expect(rows.first).to_be_visible()
        assert rows.count() >= 3
        second = rows.nth(1).get_by_role("button")
        second.click()
        expect(second).to_have_attribute("aria-current", "true")
        expect(page.get_by_test_id("review-detail")).to_contain_text(second.inner_text())

    def review_phone():
        expect(page.locator("ol.review-list button.review-pick").first).to_be_visible()

    _both_widths(page, "review", review_wide, review_phone)

    # outages and notices (the demo's failure and planned works)
    page.goto("/biuro/awarie")
    expect(page.get_by_role("heading", level=1)).to_have_text("Biuro — awarie i komunikaty")

    def outages_wide():
        table = _table(page, "Awarie i komunikaty", "Rodzaj", "Tytuł", "Obszar", "Kiedy", "Powiadomienia", "Działania")
        expect(table.get_by_test_id("staff-outage").first).to_be_visible()
        assert table.get_by_test_id("staff-outage").count() >= 2
        expect(table.get_by_role("rowheader", name="Awaria sieci wodociągowej")).to_be_visible()

    def outages_phone():
        expect(page.locator("ul.outages > li[data-testid=staff-outage]").first).to_be_visible()

    _both_widths(page, "staff-outages", outages_wide, outages_phone)

    # planning: the visit still to plan and today's route of the demo inspector
    page.goto("/biuro/trasy")
    expect(page.get_by_role("heading", level=1)).to_have_text("Trasy inkasentów")

    def routes_wide():
        visits = _table(page, "Wizyty do zaplanowania", "Adres", "Wodomierz", "Powody")
        expect(visits.get_by_role("checkbox").first).to_be_visible()
        group = page.get_by_role("group", name="Wybierz wizyty na trasę")
        expect(group.get_by_role("checkbox")).to_have_count(visits.get_by_role("checkbox").count())
        routes = _table(page, "Trasy", "Inkasent", "Dzień", "Postęp", "Wizyty")  # one inspector: no hand-over
        expect(routes.get_by_role("rowheader", name="Jan Inkasent").first).to_be_visible()

    def routes_phone():
        expect(page.get_by_role("group", name="Wybierz wizyty na trasę").get_by_role("checkbox").first).to_be_visible()
        expect(page.locator("ul.cards > li[data-testid=route]").first).to_be_visible()

    _both_widths(page, "routes", routes_wide, routes_phone)

    # the customer search's results
    page.goto("/biuro")
    page.get_by_label("Szukaj klienta").fill("Nowak")
    page.get_by_role("button", name="Szukaj", exact=True).click()
    expect(page.get_by_role("status").filter(has_text="Znalezieni klienci")).to_be_visible()

    def customers_wide():
        table = _table(page, "Klienci", "Klient", "Adres", "E-mail", "Telefon", "Konta w e-BOK", "Działania")
        expect(table.get_by_role("rowheader", name=re.compile("^100001 — Anna Nowak"))).to_be_visible()
        expect(table.get_by_role("link", name="100001 — Anna Nowak")).to_have_attribute("href", re.compile("/biuro/klient"))

    def customers_phone():
        expect(page.locator("ul.cards > li.customer-card").first).to_be_visible()

    _both_widths(page, "customers", customers_wide, customers_phone)


def _csrf(page) -> dict[str, str]:
    token = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    return {"X-CSRFToken": token, "Idempotency-Key": str(uuid.uuid4())}


def test_the_office_inbox_and_documents_are_tables_on_a_wide_screen_and_cards_on_a_phone(browser, server, page):
    # a resident's message for the inbox, a customer's document for the office's list
    resident = browser.new_context(base_url=server.url, locale="pl-PL")
    anna = resident.new_page()
    log_in(anna, "anna.nowak@example.com")
    customer = anna.request.get("/api/me").json()["customers"][0]
    r = anna.request.post("/api/contact/messages", headers=_csrf(anna), multipart={
        "customer_id": customer["id"], "category": "question", "subject": "Tabela na szerokim ekranie",
        "body": "Czy mogę dostać fakturę papierową?"})
    assert r.status == 201, r.text()
    resident.close()
    log_in(page, "biuro@example.com")
    r = page.request.post("/api/staff/documents", headers=_csrf(page), multipart={
        "customer_id": customer["id"], "title": "Umowa na szeroki ekran", "category": "contract",
        "file": {"name": "umowa.pdf", "mimeType": "application/pdf", "buffer": real_pdf()}})
    assert r.status == 201, r.text()

    # a deletion request from the demo's resident of 100006 (an account the demo made for its readings)
    [found] = page.request.get("/api/staff/customers?q=100006").json()
    other = browser.new_context(base_url=server.url, locale="pl-PL")
    leaving = other.new_page()
    log_in(leaving, found["accounts"][0]["email"])
    r = leaving.request.post("/api/my-data/deletion", headers=_csrf(leaving),
                             data={"password": "demo-ebok-2026", "reason": "Przeprowadzam się."})
    assert r.status == 201, r.text()
    other.close()

    page.goto("/biuro/dane")
    expect(page.get_by_role("heading", level=1)).to_have_text("Wnioski o usunięcie konta")

    def deletions_wide():
        table = _table(page, "Wnioski o usunięcie konta", "E-mail", "Klienci", "Złożono", "Powód", "Działania")
        row = table.get_by_role("row").filter(has_text="Przeprowadzam się.")
        expect(row.get_by_role("rowheader")).to_have_text(found["accounts"][0]["email"])
        expect(row.get_by_role("button", name="Usuń konto")).to_be_visible()

    def deletions_phone():
        expect(page.locator("ul.cards > li").filter(has_text="Przeprowadzam się.")).to_be_visible()

    _both_widths(page, "deletions", deletions_wide, deletions_phone)

    page.goto("/biuro/kontakt")
    expect(page.get_by_role("heading", level=1)).to_be_visible()

    def inbox_wide():
        table = _table(page, "Skrzynka", "Temat", "Klient", "Sprawa", "Status", "Ostatnia wiadomość")
        expect(table.get_by_role("rowheader").filter(has_text="Tabela na szerokim ekranie")).to_be_visible()

    def inbox_phone():
        expect(page.locator("ul.cards > li[data-testid=inbox-thread]").filter(
            has_text="Tabela na szerokim ekranie")).to_be_visible()

    _both_widths(page, "inbox", inbox_wide, inbox_phone)

    page.goto("/biuro/dokumenty")
    expect(page.get_by_role("heading", level=1)).to_have_text("Dokumenty klientów")

    def documents_wide():
        table = _table(page, "Ostatnio dodane", "Tytuł", "Klient", "Rodzaj", "Dodano", "Otwarcie przez klienta", "Działania")
        row = table.get_by_test_id("staff-document").filter(has_text="Umowa na szeroki ekran").first
        expect(row.get_by_role("rowheader")).to_have_text("Umowa na szeroki ekran")
        expect(row.get_by_test_id("first-opened")).to_have_text("Klient jeszcze nie otworzył")

    def documents_phone():
        expect(page.locator("ul.cards > li[data-testid=staff-document]").first).to_be_visible()

    _both_widths(page, "staff-documents", documents_wide, documents_phone)

    page.goto("/biuro/informacje")
    expect(page.get_by_role("heading", level=1)).to_have_text("Informacje publiczne")

    def information_wide():  # the demo's rules, price list and statement
        table = _table(page, "Opublikowane", "Tytuł", "Rodzaj", "Dodano", "Działania")
        expect(table.get_by_role("rowheader", name="Regulamin e-BOK")).to_be_visible()

    def information_phone():
        expect(page.locator("ul.cards > li").filter(has_text="Regulamin e-BOK")).to_be_visible()

    _both_widths(page, "staff-information", information_wide, information_phone)


def test_the_residents_documents_and_information_are_tables_on_a_wide_screen_and_cards_on_a_phone(browser, server, page):
    office = browser.new_context(base_url=server.url, locale="pl-PL")
    desk = office.new_page()
    log_in(desk, "biuro@example.com")
    log_in(page, "anna.nowak@example.com")
    customer = page.request.get("/api/me").json()["customers"][0]
    r = desk.request.post("/api/staff/documents", headers=_csrf(desk), multipart={
        "customer_id": customer["id"], "title": "Aneks na szeroki ekran", "category": "annex",
        "file": {"name": "aneks.pdf", "mimeType": "application/pdf", "buffer": real_pdf(2)}})
    assert r.status == 201, r.text()
    office.close()

    page.goto("/dokumenty")
    expect(page.get_by_role("heading", level=1)).to_have_text("Dokumenty")

    def documents_wide():
        table = _table(page, "Dokumenty", "Tytuł", "Rodzaj", "Klient", "Dodano", "Rozmiar")
        row = table.get_by_test_id("document").filter(has_text="Aneks na szeroki ekran")
        expect(row.get_by_role("rowheader")).to_contain_text("Aneks na szeroki ekran")
        expect(row.get_by_test_id("unread")).to_have_text("Nowy")
        expect(row.get_by_role("link", name="Pobierz PDF")).to_be_visible()

    def documents_phone():
        expect(page.locator("ul.cards > li[data-testid=document]").filter(has_text="Aneks na szeroki ekran")).to_be_visible()

    _both_widths(page, "documents", documents_wide, documents_phone)

    page.goto("/informacje")
    expect(page.get_by_role("heading", level=1)).to_have_text("Informacje")

    def information_wide():  # the demo's PDFs, a table per kind
        rules = _table(page, "Regulamin e-BOK", "Tytuł", "Dodano", "Rozmiar")
        expect(rules.get_by_role("rowheader", name=re.compile("^Regulamin e-BOK"))).to_be_visible()
        expect(_table(page, "Cenniki i taryfy", "Tytuł").get_by_test_id("public-document").first).to_be_visible()

    def information_phone():
        expect(page.locator("ul.cards > li[data-testid=public-document]").filter(has_text="Regulamin e-BOK")).to_be_visible()

    _both_widths(page, "information", information_wide, information_phone)
