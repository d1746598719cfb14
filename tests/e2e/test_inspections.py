"""Office and field: staff review doubtful readings at the desk (keyboard), plan a route; the
inspector downloads it, works offline through three visits, and the results arrive once."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from playwright.sync_api import expect

from tests.e2e.conftest import PHONE, Server, assert_accessible, log_in
from tests.support import RUN_DIR

POST_READING = """async ([meterId, value, capturedAt]) => {
  const csrf = document.cookie.split('; ').find((c) => c.startsWith('csrftoken=')).split('=')[1];
  const form = new FormData();
  form.append('meter_id', meterId); form.append('value', value); form.append('captured_at', capturedAt);
  const r = await fetch('/api/readings', {method: 'POST', body: form,
    headers: {'X-CSRFToken': csrf, 'Idempotency-Key': crypto.randomUUID()}});
  return r.json();
}"""


def _meter_photo(path):
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.radial_gradient("L").resize((1200, 900)).convert("RGB").save(buf, "JPEG", quality=85)
    path.write_bytes(buf.getvalue())
    return path


def _photo_by_the_buttons(phone, photo):
    """The control photo through the same field as the resident's: Zrób zdjęcie / Wybierz z galerii
    over hidden inputs, a preview, Zrób ponownie focused; tapped (Enter on the button opened the
    chooser only in some headless runs, see the resident's photo test), the buttons are focusable."""
    camera = phone.get_by_role("button", name="Zrób zdjęcie")
    gallery = phone.get_by_role("button", name="Wybierz z galerii")
    expect(camera).to_be_visible()
    expect(gallery).to_be_visible()
    expect(phone.locator("input[type=file]:visible")).to_have_count(0)  # no bare "Choose File"
    assert phone.get_by_label("Zrób zdjęcie").get_attribute("capture") == "environment"
    gallery.focus()
    expect(gallery).to_be_focused()
    camera.focus()
    expect(camera).to_be_focused()
    with phone.expect_file_chooser(timeout=20_000) as chooser:
        camera.click()
    chooser.value.set_files(str(photo))
    expect(phone.get_by_role("img", name="Podgląd zdjęcia kontrolnego")).to_be_visible(timeout=20_000)
    expect(phone.get_by_role("button", name="Zrób ponownie")).to_be_focused()
    phone.screenshot(path=RUN_DIR / "visit-photo-390.png", full_page=True)
    assert_accessible(phone)
    phone.set_viewport_size({"width": 1366, "height": 900})
    phone.screenshot(path=RUN_DIR / "visit-photo-1366.png", full_page=True)
    assert_accessible(phone)
    phone.set_viewport_size(PHONE["viewport"])
    with phone.expect_file_chooser(timeout=20_000) as chooser:
        phone.get_by_role("button", name="Wybierz z galerii").click()
    assert chooser.value.element.get_attribute("capture") is None  # the gallery, not the camera
    chooser.value.set_files(str(photo))
    expect(phone.get_by_test_id("photo-preview")).to_be_visible()


def _m3(litres: int) -> str:
    return f"{litres // 1000},{litres % 1000:03d}"


def test_desk_review_route_and_offline_field_visits(browser, smtp_server):
    server = Server(smtp_server, name="inspect")
    server.start("demo", "--customers", "3")
    try:
        _walk(browser, server)
    finally:
        server.stop()


def _walk(browser, server):
    # Anna sends five readings lower than the last ones: all flagged for the office
    resident = browser.new_context(base_url=server.url, locale="pl-PL", **PHONE)
    page = resident.new_page()
    log_in(page, "anna.nowak@example.com")
    meters = page.evaluate("fetch('/api/meters').then(r => r.json())")["meters"]
    m1, m2 = [m for m in meters if m["kind"] == "main"]
    m3 = next(m for m in meters if m["kind"] == "sub")
    start = datetime.now(UTC) - timedelta(hours=5)
    plan = [(m1, "reject"), (m2, "accept"), (m1, "confirmed"), (m2, "corrected"), (m3, "no_access")]
    sent = []
    for i, (meter, _) in enumerate(plan):
        value = _m3(meter["last_reading"]["value_litres"] - 1000 - i)
        body = page.evaluate(POST_READING, [meter["id"], value, (start + timedelta(minutes=i)).isoformat()])
        assert body["status"] == "flagged", body
        sent.append(body)

    # the desk: reject with a note, accept with the keyboard, send three to an inspector
    staff = browser.new_context(base_url=server.url, locale="pl-PL", viewport={"width": 1280, "height": 900})
    desk = staff.new_page()
    log_in(desk, "biuro@example.com")
    desk.get_by_role("navigation", name="Menu główne").get_by_role("link", name="Kontrola odczytów").click()
    detail = desk.get_by_test_id("review-detail")
    expect(detail).to_contain_text(_m3(sent[0]["value_litres"]))
    expect(detail.get_by_role("img", name="Zdjęcie wodomierza przesłane przez klienta")).to_have_count(0)
    assert_accessible(desk)
    detail.get_by_role("button", name="Odrzuć").click()
    expect(desk.get_by_role("alert")).to_contain_text("Podaj powód odrzucenia")
    desk.get_by_label("Uwaga dla klienta (przy odrzuceniu wymagana)").fill("Na zdjęciu licznika jest inna wartość.")
    detail.get_by_role("button", name="Odrzuć").click()
    expect(desk.get_by_text("Odczyt odrzucony; klient zobaczy uwagę.")).to_be_visible()
    expect(detail).to_contain_text(_m3(sent[1]["value_litres"]))
    desk.locator("body").press("a")
    expect(desk.get_by_text("Odczyt przyjęty.")).to_be_visible()
    for i in (2, 3, 4):
        expect(detail).to_contain_text(_m3(sent[i]["value_litres"]))
        desk.locator("body").press("w")
        expect(detail.get_by_text("Wizyta zaplanowana")).to_be_visible()
        desk.locator("body").press("j")

    # the demo's own route for today (readings the office sent out at the load) stays beside this one
    demo_visits = sum(len(r["visits"]) for r in desk.evaluate("fetch('/api/staff/routes').then(r => r.json())"))
    assert demo_visits >= 1  # `ebok demo` plans today's route for the demo inspector
    total = demo_visits + 3
    desk.goto("/biuro/trasy")
    expect(desk.get_by_role("heading", level=1)).to_have_text("Trasy inkasentów")
    boxes = desk.get_by_role("group", name="Wybierz wizyty na trasę").get_by_role("checkbox")
    expect(boxes).to_have_count(3)
    for box in boxes.all():
        box.check()
    expect(desk.get_by_label("Inkasent", exact=True)).to_have_value(re.compile(".+"))
    assert_accessible(desk)
    desk.get_by_role("button", name="Utwórz trasę").click()
    expect(desk.get_by_text("Trasa utworzona.")).to_be_visible()
    ours = desk.get_by_test_id("route").filter(has_text=re.compile(r"wykonano \d z 3(?!\d)"))
    expect(ours).to_have_count(1)
    expect(ours).to_contain_text("wykonano 0 z 3")

    # the field: download, go offline, three visits, reload offline, back online
    field = browser.new_context(base_url=server.url, locale="pl-PL", **PHONE)
    phone = field.new_page()
    log_in(phone, "inkasent@example.com")
    phone.get_by_role("navigation", name="Menu główne").get_by_role("link", name="Moja trasa").click()
    expect(phone.get_by_test_id("visit")).to_have_count(total)
    phone.get_by_role("button", name="Pobierz na teren").click()
    expect(phone.get_by_text(re.compile(f"Trasa zapisana na urządzeniu \\({total} wizyt"))).to_be_visible()
    assert_accessible(phone)
    phone.evaluate("navigator.serviceWorker.ready.then(() => true)")
    phone.reload()
    expect(phone.get_by_test_id("visit")).to_have_count(total)

    field.set_offline(True)
    # "confirmed" a value lower than the last accepted one: the phone asks, the office decides;
    # the correction starts from the reading the office accepted (sent[1]), so it is plausible
    outcomes = {
        sent[2]["id"]: ("confirmed", sent[2]["value_litres"]),
        sent[3]["id"]: ("corrected", sent[1]["value_litres"] + 22),
        sent[4]["id"]: ("no_access", None),
    }
    visits = [v for v in _cached_route(phone) if v["resident_reading_id"] in outcomes]  # not the demo's
    assert len(visits) == 3
    photo = _meter_photo(RUN_DIR / "control-photo.jpg")
    for visit in visits:
        result, litres = outcomes[visit["resident_reading_id"]]
        phone.goto(f"/trasa/wizyta?id={visit['id']}")
        info = phone.get_by_test_id("visit-info")
        expect(info).to_contain_text(visit["serial"])
        expect(info.get_by_role("img", name="Zdjęcie przesłane przez klienta")).to_have_count(0)  # sent without photo
        if result == "corrected":
            _photo_by_the_buttons(phone, photo)  # offline: the photo is made small on the phone and queued
        if litres is not None:
            phone.get_by_label("Stan wodomierza na miejscu (m³)").fill(_m3(litres))
            expected = "Zgodny z odczytem klienta." if result == "confirmed" else re.compile(
                "Różnica względem odczytu klienta: \\+0,024")
            expect(phone.get_by_test_id("visit-diff")).to_have_text(expected)
        phone.get_by_label(re.compile({"confirmed": "^Potwierdzony", "corrected": "^Skorygowany",
                                       "no_access": "^Brak dostępu"}[result])).check()
        if result == "no_access":
            phone.get_by_label("Notatka (np. treść karty)").fill("Karta w skrzynce.")
        if result == "confirmed":
            expect(phone.get_by_test_id("visit-warnings")).to_contain_text("niższa niż ostatni odczyt")
            phone.get_by_role("button", name="Zapisz wynik").click()
            expect(phone.get_by_text("Zaznacz potwierdzenie albo popraw wartość.")).to_be_visible()
            assert_accessible(phone)
            phone.get_by_label(re.compile("^Potwierdzam, że taka wartość jest na liczniku")).check()
        else:
            expect(phone.get_by_test_id("visit-warnings")).to_have_count(0)
        assert_accessible(phone)
        phone.get_by_role("button", name="Zapisz wynik").click()
        expect(phone.get_by_role("heading", level=1)).to_have_text("Moja trasa", timeout=20_000)  # saved into the outbox

    # the same visit opened again while its result waits: the form edits that result, no second one
    no_access = next(v for v in visits if v["resident_reading_id"] == sent[4]["id"])
    expect(phone.get_by_text("zapisana, czeka na wysłanie")).to_have_count(3)
    phone.goto(f"/trasa/wizyta?id={no_access['id']}")
    expect(phone.get_by_test_id("visit-pending")).to_be_visible()
    expect(phone.get_by_label("Notatka (np. treść karty)")).to_have_value("Karta w skrzynce.")
    phone.get_by_label("Notatka (np. treść karty)").fill("Karta w skrzynce, prosimy o kontakt.")
    phone.get_by_role("button", name="Zapisz wynik").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Moja trasa", timeout=20_000)

    phone.reload()  # offline, the route and the three saved results are still there
    expect(phone.get_by_test_id("route-progress")).to_have_text(f"Wykonane: 3 z {total} · niewysłane: 3")
    expect(phone.get_by_text("zapisana, czeka na wysłanie")).to_have_count(3)
    outbox = phone.get_by_role("region", name="Wyniki wizyt do wysłania")
    expect(outbox.get_by_test_id("outbox-summary")).to_have_text(re.compile("^Do wysłania: 3\\."))
    expect(outbox.get_by_role("button", name="Wyślij teraz")).to_be_visible()
    field.set_offline(False)
    expect(phone.get_by_test_id("outbox-summary")).to_have_text("Wszystkie wyniki wizyt zostały wysłane.",
                                                                timeout=30_000)
    labels = outbox.get_by_test_id("outbox-item").locator(".outbox-value strong").all_inner_texts()
    assert sorted(labels) == ["Brak dostępu (zostawiono kartę)", "Potwierdzony",
                              "Skorygowany (moja wartość zastępuje odczyt klienta)"], labels
    phone.reload()
    expect(phone.get_by_test_id("route-progress")).to_have_text(f"Wykonane: 3 z {total} · niewysłane: 0")

    # the office sees the results; the resident sees the outcome on their readings
    desk.reload()
    expect(ours).to_contain_text("wykonano 3 z 3")
    queue = desk.evaluate("fetch('/api/staff/review').then(r => r.json())")
    in_queue = {q["reading_id"] for q in queue}
    assert sent[0]["id"] not in in_queue and sent[1]["id"] not in in_queue and sent[3]["id"] not in in_queue
    assert sent[4]["id"] in in_queue  # nobody could get in: still to be settled
    # the implausible confirmation settles nothing: both values wait for the office, the inspector's flagged
    assert sent[2]["id"] in in_queue
    m1_rows = desk.evaluate(f"fetch('/api/meters/{m1['id']}/readings').then(r => r.json())")["readings"]
    [checked] = [r for r in m1_rows if r["source"] == "inspector" and r["value_litres"] == sent[2]["value_litres"]]
    assert checked["status"] == "flagged" and checked["id"] in in_queue
    no_access_note = [v for r in desk.evaluate("fetch('/api/staff/routes').then(r => r.json())") for v in r["visits"]
                      if v["id"] == no_access["id"]][0]["note"]
    assert no_access_note == "Karta w skrzynce, prosimy o kontakt."  # the edited result, once

    page.goto(f"/odczyty/historia?licznik={m1['id']}")
    rows = page.get_by_test_id("history-row")
    rejected = rows.filter(has_text="Na zdjęciu licznika jest inna wartość.")
    expect(rejected).to_have_count(1)
    expect(rejected.get_by_test_id("rejected-why")).to_have_text(  # why, in the office's words
        "Odrzucony przez wodociągi, ponieważ: Na zdjęciu licznika jest inna wartość.")
    expect(rows.filter(has_text="zweryfikowany przez inkasenta")).to_have_count(0)
    assert_accessible(page)
    history = page.evaluate(f"fetch('/api/meters/{m2['id']}/readings').then(r => r.json())")["readings"]
    found = sent[1]["value_litres"] + 22
    inspector_rows = [r for r in history if r["source"] == "inspector" and r["value_litres"] == found]
    assert len(inspector_rows) == 1  # arrived exactly once
    assert inspector_rows[0]["has_photo"]  # with the control photo taken through the buttons
    corrected = next(r for r in history if r["id"] == sent[3]["id"])
    assert corrected["verification"] == "corrected" and corrected["status"] == "rejected"
    for ctx in (resident, staff, field):
        ctx.close()


def _cached_route(page) -> list[dict]:
    """The route as the app keeps it on the device (IndexedDB), offline."""
    data = page.evaluate("""new Promise((resolve) => {
      const q = indexedDB.open('ebok');
      q.onsuccess = () => q.result.transaction('cache').objectStore('cache').get('/api/inspector/routes')
        .onsuccess = (e) => resolve(e.target.result.data);
    })""")
    return [v for route in data for v in route["visits"]]


POST_JSON = """async ([url, body]) => {
  const csrf = document.cookie.split('; ').find((c) => c.startsWith('csrftoken=')).split('=')[1];
  const r = await fetch(url, {method: 'POST', body: JSON.stringify(body),
    headers: {'Content-Type': 'application/json', 'X-CSRFToken': csrf}});
  return r.json();
}"""


def test_the_phone_warns_about_high_use_and_the_daily_limit(browser, smtp_server):
    """A correction far above the meter's usual use: the visit form warns (high use, the configured
    daily limit) with what the route carries, asks for the tick, and the value waits in the review
    queue flagged."""
    from backend.core.clock import today_in_warsaw

    server = Server(smtp_server, name="visitcheck")
    server.start("demo", "--customers", "3")
    try:
        resident = browser.new_context(base_url=server.url, locale="pl-PL", **PHONE)
        page = resident.new_page()
        log_in(page, "anna.nowak@example.com")
        meter = next(m for m in page.evaluate("fetch('/api/meters').then(r => r.json())")["meters"] if m["kind"] == "main")
        sent = page.evaluate(POST_READING, [meter["id"], _m3(meter["last_reading"]["value_litres"] - 1000),
                                            datetime.now(UTC).isoformat()])
        assert sent["status"] == "flagged", sent

        desk = browser.new_context(base_url=server.url, locale="pl-PL").new_page()
        log_in(desk, "biuro@example.com")
        visit_ids = desk.evaluate(POST_JSON, ["/api/staff/visits", {"reading_ids": [sent["id"]]}])["visit_ids"]
        inspector = next(i for i in desk.evaluate("fetch('/api/staff/inspectors').then(r => r.json())")
                         if i["email"] == "inkasent@example.com")
        desk.evaluate(POST_JSON, ["/api/staff/routes", {"inspector_id": inspector["id"], "visit_ids": visit_ids,
                                                        "day": today_in_warsaw().isoformat()}])

        phone = browser.new_context(base_url=server.url, locale="pl-PL", **PHONE).new_page()
        log_in(phone, "inkasent@example.com")
        routes = phone.evaluate("fetch('/api/inspector/routes').then(r => r.json())")  # with the demo's own
        route = next(r for r in routes if any(v["id"] in visit_ids for v in r["visits"]))
        [visit] = route["visits"]
        total = sum(len(r["visits"]) for r in routes)
        last, avg, limit = visit["last_reading"], visit["avg_daily_litres"], route["max_daily_litres"]
        days = max((datetime.now(UTC) - datetime.fromisoformat(last["captured_at"])).total_seconds() / 86400, 1)
        assert avg and 3 * avg < limit, (avg, limit)  # the demo's history has an average below the limit
        high = last["value_litres"] + int(days * (3 * avg + limit) / 2)  # above 3 × usual, below the limit
        over = last["value_litres"] + int(days * limit * 2)

        phone.get_by_role("navigation", name="Menu główne").get_by_role("link", name="Moja trasa").click()
        phone.get_by_role("link", name=re.compile(re.escape(visit["address"]))).first.click()
        expect(phone.get_by_test_id("visit-info")).to_contain_text(visit["serial"])
        phone.get_by_label(re.compile("^Skorygowany")).check()
        value = phone.get_by_label("Stan wodomierza na miejscu (m³)")
        warnings = phone.get_by_test_id("visit-warnings")
        value.fill(_m3(last["value_litres"] + 10))
        expect(warnings).to_have_count(0)
        value.fill(_m3(over))
        expect(warnings).to_contain_text("Zużycie na dobę jest nierealnie wysokie.")
        value.fill(_m3(high))
        expect(warnings).to_contain_text("Zużycie jest ponad trzy razy większe niż zwykle.")
        expect(warnings).not_to_contain_text("nierealnie")
        expect(phone.get_by_test_id("visit-check-basis")).to_contain_text(
            f"Ostatni przyjęty odczyt: {_m3(last['value_litres'])}")
        phone.get_by_role("button", name="Zapisz wynik").click()
        expect(phone.get_by_text("Zaznacz potwierdzenie albo popraw wartość.")).to_be_visible()
        expect(phone.get_by_role("heading", level=1)).not_to_have_text("Moja trasa")  # nothing saved yet
        assert_accessible(phone)
        phone.get_by_label(re.compile("^Potwierdzam, że taka wartość jest na liczniku")).check()
        phone.get_by_role("button", name="Zapisz wynik").click()
        expect(phone.get_by_role("heading", level=1)).to_have_text("Moja trasa", timeout=20_000)  # saved into the outbox
        expect(phone.get_by_test_id("route-progress")).to_have_text(f"Wykonane: 1 z {total} · niewysłane: 0",
                                                                    timeout=30_000)

        queue = {q["reading_id"]: q for q in desk.evaluate("fetch('/api/staff/review').then(r => r.json())")}
        rows = desk.evaluate(f"fetch('/api/meters/{meter['id']}/readings').then(r => r.json())")["readings"]
        [checked] = [r for r in rows if r["source"] == "inspector" and r["value_litres"] == high]  # once
        assert checked["status"] == "flagged"
        reasons = queue[checked["id"]]["reasons"]  # with the office's own: no photo, disagrees with the resident
        assert "high_consumption" in reasons and "above_hard_limit" not in reasons, reasons
        assert sent["id"] in queue  # the resident's reading is not settled by an implausible value
    finally:
        server.stop()
