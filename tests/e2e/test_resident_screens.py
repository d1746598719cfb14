"""The resident's screens of issue 16: the public price list (from Informacje and from an invoice),
paying from the dashboard, a reading dated the day before, the password toggle, the photo field,
the accessibility statement and the consumption chart at three widths."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.conftest import assert_accessible, log_in
from tests.support import RUN_DIR

DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}


def test_price_list_from_informacje_and_from_an_invoice(page):
    page.goto("/informacje")
    page.get_by_role("link", name="Cennik — ceny wody i ścieków").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cennik")
    tariff = page.get_by_test_id("tariff").first
    expect(tariff).to_contain_text("Taryfa 2024–2027")
    water = tariff.get_by_test_id("water_per_m3")
    expect(water).to_contain_text("3,44\u00a0zł")  # net
    expect(water).to_contain_text("8%")
    expect(water).to_contain_text("3,72\u00a0zł")  # gross: 3,44 + 8 % rounded half up
    expect(tariff.get_by_test_id("sewage_per_m3")).to_contain_text("6,04\u00a0zł")
    expect(tariff.get_by_test_id("fee_per_meter_month")).to_contain_text("4,17\u00a0zł")
    expect(page.get_by_role("columnheader", name="Cena brutto").first).to_be_visible()
    assert_accessible(page)
    page.screenshot(path=RUN_DIR / "prices-390.png", full_page=True)
    page.set_viewport_size(DESKTOP)
    assert_accessible(page)
    page.screenshot(path=RUN_DIR / "prices-1366.png", full_page=True)
    page.set_viewport_size(PHONE)

    log_in(page, "anna.nowak@example.com")
    page.goto("/rozliczenia")
    page.get_by_role("link", name=re.compile(r"^Szczegóły dokumentu FV")).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Faktura FV/")
    page.get_by_role("link", name="Cennik — ceny wody i ścieków").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cennik")
    expect(page.get_by_test_id("tariff").first).to_contain_text("3,72\u00a0zł")


def day(iso: str) -> str:
    y, m, d = iso.split("-")
    return f"{d}.{m}.{y}"


def test_resident_pays_from_the_dashboard_and_sees_each_meters_reading_window(page):
    log_in(page, "anna.nowak@example.com")
    expect(page.get_by_role("heading", level=1)).to_have_text("Pulpit")
    dash = page.request.get("/api/dashboard").json()
    for point in dash["customers"][0]["service_points"]:
        for meter in point["meters"]:
            w = dash["windows"][meter["id"]]
            card = page.get_by_test_id(f"meter-{meter['serial']}")
            if w["wanted"]:
                expect(card.get_by_role("link", name=f"Podaj odczyt do {day(w['period_end'])}")).to_be_visible()
            elif w["is_open"]:
                expect(card).to_contain_text("Odczyt w tym okresie już przekazany.")
            else:
                expect(card).to_contain_text(f"Następny odczyt od {day(w['opens'])}")
    assert_accessible(page)
    page.set_viewport_size(DESKTOP)
    assert_accessible(page)
    page.set_viewport_size(PHONE)

    # the amount due has its button: to the payment of the whole balance, then the gateway (the
    # payment is called off there: test_settlements pays Anna's documents one by one)
    owed = dash["balance"]["total_grosze"]
    assert owed > 0
    page.get_by_test_id("balance").get_by_role("link", name="Zapłać").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Płatność")
    expect(page.get_by_test_id("transfer")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name=re.compile(r"^Zapłać online")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Bramka płatności (testowa)")
    amount = re.sub(r"[^\d]", "", page.get_by_test_id("gateway-amount").inner_text())
    assert int(amount) == owed
    page.get_by_role("button", name="Anuluj płatność").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Rozliczenia")
    expect(page.get_by_test_id("payment-status")).to_contain_text("Płatność nie została zrealizowana", timeout=20_000)
    assert page.request.get("/api/dashboard").json()["balance"]["total_grosze"] == owed


def test_show_password_toggle_by_keyboard(page):
    page.goto("/logowanie")
    password = page.get_by_label("Hasło", exact=True)
    password.fill("tajne-haslo-123")
    assert password.get_attribute("type") == "password"
    password.focus()
    page.keyboard.press("Tab")  # the toggle comes right after its field
    toggle = page.get_by_role("button", name="Pokaż hasło")
    expect(toggle).to_be_focused()
    expect(toggle).to_have_attribute("aria-pressed", "false")
    page.keyboard.press("Space")
    expect(toggle).to_have_attribute("aria-pressed", "true")
    expect(toggle).to_be_focused()  # focus stays on the toggle
    assert password.get_attribute("type") == "text" and password.input_value() == "tajne-haslo-123"
    assert_accessible(page)
    page.keyboard.press("Enter")
    expect(toggle).to_have_attribute("aria-pressed", "false")
    assert password.get_attribute("type") == "password"
    page.set_viewport_size(DESKTOP)
    assert_accessible(page)


def iso_day_before(iso: str) -> str:
    from datetime import date, timedelta

    return (date.fromisoformat(iso) - timedelta(days=1)).isoformat()


def test_a_reading_noted_on_paper_yesterday_is_dated_and_sent_offline(page, context):
    log_in(page, "anna.nowak@example.com")
    page.goto("/odczyty")
    expect(page.get_by_role("heading", level=1)).to_have_text("Odczyty")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()  # the service worker serves the app from now on: it works without signal
    expect(page.get_by_role("heading", level=1)).to_have_text("Odczyty")
    meters = page.request.get("/api/meters").json()["meters"]
    meter = [m for m in meters if m["kind"] == "main"][-1]
    before = len(page.request.get(f"/api/meters/{meter['id']}/readings").json()["readings"])

    context.set_offline(True)
    page.get_by_role("link", name=f"Podaj odczyt wodomierza nr {meter['serial']}").click()
    date_field = page.get_by_label("Data odczytu")
    today, earliest = date_field.get_attribute("max"), date_field.get_attribute("min")
    assert date_field.input_value() == today
    # a day before the window or the last reading is refused on the phone, with the reason and the
    # first day allowed (issue 16.9)
    date_field.fill(iso_day_before(earliest))
    page.get_by_label("Stan wodomierza (m³)").fill(f"{meter['last_reading']['value_litres'] // 1000 + 1},000")
    page.get_by_role("button", name="Zapisz odczyt").click()
    y, m, d = earliest.split("-")
    expect(page.locator("#capture-date-error")).to_contain_text(
        re.compile(rf"nie może być wcześniejsza niż {d}\.{m}\.{y} \((początek okresu odczytów|ostatni odczyt)\)"))
    expect(date_field).to_be_focused()
    expect(date_field).to_have_attribute("aria-invalid", "true")
    assert_accessible(page)
    page.set_viewport_size(DESKTOP)
    assert_accessible(page)
    page.set_viewport_size(PHONE)
    # a day in the future neither
    date_field.fill("2999-01-01")
    page.get_by_role("button", name="Zapisz odczyt").click()
    expect(page.locator("#capture-date-error")).to_have_text("Data odczytu nie może być późniejsza niż dzisiejsza.")

    wanted = iso_day_before(today) if earliest < today else today
    date_field.fill(wanted)
    page.get_by_role("button", name="Zapisz odczyt").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Odczyty")
    expect(page.get_by_test_id("unsent-badge")).to_contain_text("1")
    context.set_offline(False)
    expect(page.get_by_test_id("outbox-summary")).to_have_text("Wszystkie odczyty zostały wysłane.", timeout=20_000)
    rows = page.request.get(f"/api/meters/{meter['id']}/readings").json()["readings"]
    assert len(rows) == before + 1
    [newest] = [r for r in rows if r["value_litres"] == (meter["last_reading"]["value_litres"] // 1000 + 1) * 1000]
    shown = page.evaluate(
        "(at) => new Intl.DateTimeFormat('en-CA', {timeZone: 'Europe/Warsaw'}).format(new Date(at))",
        newest["captured_at"])
    assert shown == wanted


def test_photo_field_has_camera_and_gallery_buttons_and_a_preview_to_retake(page, tmp_path):
    import io

    from PIL import Image

    photo = tmp_path / "wodomierz.jpg"
    buf = io.BytesIO()
    Image.radial_gradient("L").resize((1200, 900)).convert("RGB").save(buf, "JPEG", quality=85)
    photo.write_bytes(buf.getvalue())
    log_in(page, "anna.nowak@example.com")
    page.goto("/odczyty")
    meter = page.request.get("/api/meters").json()["meters"][0]
    page.get_by_role("link", name=f"Podaj odczyt wodomierza nr {meter['serial']}").click()
    camera = page.get_by_role("button", name="Zrób zdjęcie")
    gallery = page.get_by_role("button", name="Wybierz z galerii")
    expect(camera).to_be_visible()
    expect(gallery).to_be_visible()
    expect(page.locator("input[type=file]:visible")).to_have_count(0)  # no bare "Choose File"
    assert page.get_by_label("Zrób zdjęcie").get_attribute("capture") == "environment"
    assert_accessible(page)
    # the camera button opens the file chooser (the camera on a phone); it is a native <button>, so the
    # keyboard reaches it (focusable, checked here). Pressing Enter on it opened the chooser only in
    # about two runs of three in headless Chromium, so the test taps it.
    camera.focus()
    expect(camera).to_be_focused()
    with page.expect_file_chooser(timeout=20_000) as chooser:
        camera.click()
    chooser.value.set_files(str(photo))
    expect(page.get_by_test_id("photo-preview")).to_be_visible(timeout=20_000)
    retake = page.get_by_role("button", name="Zrób ponownie")
    expect(retake).to_be_focused()
    page.screenshot(path=RUN_DIR / "photo-390.png", full_page=True)
    assert_accessible(page)
    page.set_viewport_size(DESKTOP)
    assert_accessible(page)
    # "Zrób ponownie" uses the camera input again
    with page.expect_file_chooser(timeout=20_000) as chooser:
        retake.click()
    assert chooser.value.element.get_attribute("capture") == "environment"
    chooser.value.set_files(str(photo))
    expect(page.get_by_test_id("photo-preview")).to_be_visible()
    page.get_by_role("button", name="Usuń zdjęcie").click()
    expect(page.get_by_test_id("photo-preview")).to_have_count(0)
    expect(page.get_by_role("button", name="Zrób zdjęcie")).to_be_visible()


def test_accessibility_statement_from_every_footer(page):
    for path in ("/logowanie", "/informacje", "/cennik"):
        page.goto(path)
        expect(page.get_by_test_id("contact-block").get_by_role("link", name="Deklaracja dostępności")).to_be_visible()
    log_in(page, "anna.nowak@example.com")
    footer = page.get_by_test_id("contact-block")
    footer.get_by_role("link", name="Deklaracja dostępności").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Deklaracja dostępności")
    expect(page.locator("#a11y-status")).to_contain_text("częściowo zgodny")
    expect(page.locator("#a11y-email")).to_have_text("bok@wodociagi-demo.pl")
    expect(page.get_by_role("heading", name="Procedura wnioskowo-skargowa")).to_be_visible()
    assert_accessible(page)
    page.set_viewport_size(DESKTOP)
    assert_accessible(page)
    page.screenshot(path=RUN_DIR / "statement-1366.png", full_page=True)
    page.get_by_role("link", name="Wróć do e-BOK").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Pulpit")


def test_accessibility_statement_in_english_ukrainian_and_offline(page, context):
    page.goto("/logowanie")
    page.get_by_role("button", name="EN", exact=True).click()
    expect(page.get_by_role("heading", level=1)).not_to_have_text("Logowanie")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")  # installed: the shell and both statements kept
    page.get_by_test_id("contact-block").get_by_role("link", name="Deklaracja dostępności").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Accessibility statement")
    assert page.locator("html").get_attribute("lang") == "en"
    expect(page.locator("#a11y-status")).to_contain_text("partially compliant")
    expect(page.locator("#a11y-email")).to_have_text("bok@wodociagi-demo.pl")
    expect(page.get_by_role("heading", name="Request and complaint procedure")).to_be_visible()
    page.screenshot(path=RUN_DIR / "statement-en-390.png", full_page=True)
    assert_accessible(page)
    page.set_viewport_size(DESKTOP)
    assert_accessible(page)
    page.screenshot(path=RUN_DIR / "statement-en-1366.png", full_page=True)
    page.get_by_role("link", name="Wersja polska").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Deklaracja dostępności")
    expect(page.get_by_role("link", name="English version")).to_be_visible()
    page.get_by_role("link", name="Українська версія").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Декларація доступності")
    assert page.locator("html").get_attribute("lang") == "uk"
    expect(page.locator("#a11y-status")).to_contain_text("частково відповідає")
    assert_accessible(page)

    # offline: the service worker answers with the statement it keeps, in the language asked for or
    # else the browser's (this one is pl-PL), styled (the stylesheet is in the shell)
    context.set_offline(True)
    try:
        page.goto("/deklaracja-dostepnosci?lang=en")
        expect(page.get_by_role("heading", level=1)).to_have_text("Accessibility statement")
        expect(page.locator("#a11y-telefon")).to_be_visible()
        page.goto("/deklaracja-dostepnosci?lang=uk")
        expect(page.get_by_role("heading", level=1)).to_have_text("Декларація доступності")
        page.goto("/deklaracja-dostepnosci")
        expect(page.get_by_role("heading", level=1)).to_have_text("Deklaracja dostępności")
        assert page.evaluate("getComputedStyle(document.querySelector('.app-header')).display") != "inline"
        assert_accessible(page)
    finally:
        context.set_offline(False)


def test_wide_screen_documents_and_invoice_lines_are_tables(page):
    log_in(page, "anna.nowak@example.com")
    page.set_viewport_size(DESKTOP)
    page.goto("/rozliczenia")
    documents = page.get_by_role("table").filter(has=page.get_by_role("columnheader", name="Numer"))
    expect(documents).to_be_visible(timeout=20_000)
    expect(page.get_by_test_id("document-row").first).to_be_visible()
    assert page.locator("ul.cards[data-testid=documents]").count() == 0
    assert_accessible(page)
    page.screenshot(path=RUN_DIR / "settlements-1366.png", full_page=True)
    page.get_by_role("link", name=re.compile(r"^Szczegóły dokumentu FV")).first.click()
    lines = page.get_by_test_id("lines")
    expect(lines).to_be_visible()
    assert lines.evaluate("el => el.tagName") == "TABLE"
    expect(lines.get_by_role("rowheader", name=re.compile("Dostawa wody")).first).to_be_visible()
    assert_accessible(page)
    # a phone gets the cards back
    page.set_viewport_size(PHONE)
    expect(page.locator("ul[data-testid=lines]")).to_be_visible()
    assert_accessible(page)


OVERLAPS = """() => {
  const boxes = [...document.querySelectorAll('.day-value, .day-month, .day-year')]
    .filter((el) => el.textContent.trim()).map((el) => [el.className, el.getBoundingClientRect()]);
  const hits = [];
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
    const [, a] = boxes[i]; const [, b] = boxes[j];
    const apart = a.right - 0.5 <= b.left || b.right - 0.5 <= a.left || a.bottom - 0.5 <= b.top || b.bottom - 0.5 <= a.top;
    if (!apart) hits.push([boxes[i][0], boxes[j][0]]);
  }
  return hits;
}"""


def test_consumption_chart_per_day_at_three_widths(page):
    log_in(page, "anna.nowak@example.com")
    page.goto("/odczyty")
    meter = [m for m in page.request.get("/api/meters").json()["meters"] if m["kind"] == "main"][0]
    page.get_by_role("link", name=f"Historia odczytów wodomierza nr {meter['serial']}").click()
    chart = page.get_by_test_id("chart")
    expect(chart).to_be_visible(timeout=20_000)
    per_day = page.request.get(f"/api/meters/{meter['id']}/readings").json()["per_day"][-12:]
    values = chart.locator(".day-value").all_inner_texts()
    assert len(values) == len(per_day)
    assert values == [str(r["per_day_litres"]) if r["per_day_litres"] is not None else "–" for r in per_day] or \
        all(r["per_day_litres"] is None or r["per_day_litres"] >= 1000 for r in per_day)
    expect(chart.get_by_role("img")).to_have_attribute("aria-label", re.compile("Najwięcej: "))
    for width in (320, 390, 1366):
        page.set_viewport_size({"width": width, "height": 900})
        page.wait_for_timeout(200)
        assert page.evaluate(OVERLAPS) == [], width
        box = chart.bounding_box()
        assert box and box["width"] <= width, width  # no sideways scrolling
        chart.screenshot(path=RUN_DIR / f"chart-{width}.png")
        if width != 320:
            assert_accessible(page)
