"""The core journey: a resident photographs the meter, types the value, and the reading reaches
the utility exactly once — online, offline across a closed page, with the server going away
mid-upload, and after the session expired."""

from __future__ import annotations

import io
import re
from datetime import datetime
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.e2e.conftest import PHONE, Server, assert_accessible, log_in


@pytest.fixture(scope="module")
def meter_photo(tmp_path_factory) -> Path:
    """A phone-like photo: 3000x2250 with detail, EXIF capture time and orientation."""
    img = Image.radial_gradient("L").resize((3000, 2250)).convert("RGB")
    exif = Image.Exif()
    exif[0x0112] = 1
    path = tmp_path_factory.mktemp("photos") / "wodomierz.jpg"
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=90, exif=exif)
    path.write_bytes(buf.getvalue())
    return path


# resolves once the service worker serves this page (then the whole app is available offline)
WORKER_IN_CONTROL = """new Promise((resolve) => navigator.serviceWorker.controller ? resolve(true)
  : navigator.serviceWorker.addEventListener('controllerchange', () => resolve(true)))"""


def meters(page) -> list[dict]:
    return page.evaluate("fetch('/api/meters').then(r => r.json())")["meters"]


def history(page, meter_id: str) -> list[dict]:
    return page.evaluate(f"fetch('/api/meters/{meter_id}/readings').then(r => r.json())")["readings"]


def m3(litres: int) -> str:
    return f"{litres // 1000},{litres % 1000:03d}"


def next_value(meter: dict, add: int) -> str:
    """Small steps: the tests share meters, and a big jump right after a reading is flagged."""
    return m3(meter["last_reading"]["value_litres"] + add)


def one_days_use(page, meter_id: str) -> int:
    """The meter's average use per day over its history (litres): a step that the plausibility
    rules accept whenever it is taken, as they count at least a day since the last reading and
    flag only three times the average. Computed from the meter's own readings, not the clock."""
    rows = sorted(history(page, meter_id), key=lambda r: r["captured_at"])
    first, last = rows[0], rows[-1]
    days = (datetime.fromisoformat(last["captured_at"]) - datetime.fromisoformat(first["captured_at"])).days
    return max(1, (last["value_litres"] - first["value_litres"]) // max(days, 1))


def give_reading(page, meter: dict, value: str, photo: Path | None) -> None:
    page.get_by_role("link", name=f"Podaj odczyt wodomierza nr {meter['serial']}").click()
    expect(page.get_by_test_id("capture-meter")).to_contain_text(meter["serial"])
    if photo:
        page.get_by_label("Zdjęcie wodomierza").set_input_files(str(photo))
        expect(page.get_by_test_id("photo-preview")).to_be_visible(timeout=20_000)  # the photo is downscaled
    page.get_by_label("Stan wodomierza (m³)").fill(value)
    page.get_by_role("button", name="Zapisz odczyt").click()
    # saved into the outbox with its photo, then the list: real work, a slow CI machine needs the margin
    expect(page.get_by_role("heading", level=1)).to_have_text("Odczyty", timeout=20_000)


def outbox_states(page) -> list[str]:
    return page.get_by_test_id("outbox-item").locator(".state-label").all_inner_texts()


def test_online_reading_with_photo_appears_in_history(page, meter_photo):
    log_in(page, "anna.nowak@example.com")
    page.get_by_role("navigation", name="Menu główne").get_by_role("link", name="Odczyty").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Odczyty")
    meter = next(m for m in meters(page) if m["kind"] == "main")
    before = len(history(page, meter["id"]))
    assert_accessible(page)

    page.get_by_role("link", name=f"Podaj odczyt wodomierza nr {meter['serial']}").click()
    assert page.get_by_label("Stan wodomierza (m³)").get_attribute("inputmode") == "decimal"
    # "Zrób zdjęcie" opens the camera, "Wybierz z galerii" the pictures: no bare "Choose File"
    assert page.get_by_label("Zrób zdjęcie").get_attribute("capture") == "environment"
    assert page.get_by_label("Zdjęcie wodomierza").get_attribute("capture") is None
    expect(page.get_by_role("button", name="Zrób zdjęcie")).to_be_visible()
    expect(page.get_by_role("button", name="Wybierz z galerii")).to_be_visible()
    # a value lower than the last one is warned about before anything is saved
    page.get_by_label("Stan wodomierza (m³)").fill(m3(meter["last_reading"]["value_litres"] - 1000))
    expect(page.get_by_role("alert")).to_contain_text("niższa niż ostatni odczyt")
    assert_accessible(page)
    page.get_by_role("link", name="← Wróć do odczytów").click()

    step = one_days_use(page, meter["id"])
    give_reading(page, meter, next_value(meter, step), meter_photo)
    expect(page.get_by_test_id("outbox-summary")).to_have_text("Wszystkie odczyty zostały wysłane.", timeout=20_000)
    assert outbox_states(page) == ["Wysłany"]
    rows = history(page, meter["id"])
    assert len(rows) == before + 1 and rows[0]["has_photo"] and rows[0]["status"] == "accepted"

    page.get_by_role("link", name=f"Historia odczytów wodomierza nr {meter['serial']}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Historia odczytów")
    first = page.get_by_test_id("history-row").first
    expect(first).to_contain_text(next_value(meter, step))
    thumb = first.get_by_role("img")
    expect(thumb).to_have_attribute("src", re.compile("/thumb$"))
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=thumb.element_handle())
    first.get_by_role("button", name="Powiększ zdjęcie").click()
    expect(first.get_by_role("img")).to_have_attribute("src", re.compile("/photo$"))
    expect(page.get_by_role("img", name=re.compile("^Średnie zużycie wody na dobę"))).to_be_visible()
    page.get_by_text("Pokaż jako tabelę").click()
    expect(page.get_by_role("table")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="Pobierz historię (CSV)").click()
    assert download.value.suggested_filename == f"odczyty-{meter['serial']}.csv"
    assert_accessible(page)


def test_offline_readings_survive_closing_the_app_and_arrive_once(context, meter_photo):
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    log_in(page, "anna.nowak@example.com")
    page.goto("/odczyty")
    expect(page.get_by_role("heading", level=1)).to_have_text("Odczyty")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()  # controlled by the worker from now on
    expect(page.get_by_role("heading", level=1)).to_have_text("Odczyty")
    two = [m for m in meters(page) if m["kind"] == "main"][:2]
    counts = {m["id"]: len(history(page, m["id"])) for m in two}

    context.set_offline(True)
    # the photo is made small in photo-worker.js, loaded with the first photo: the service worker keeps it
    assert page.evaluate("caches.match('/static/app/photo-worker.js').then((r) => Boolean(r))")
    for meter in two:
        try:
            give_reading(page, meter, next_value(meter, 20), meter_photo)
        except AssertionError:
            raise AssertionError(errors) from None
    expect(page.get_by_test_id("unsent-badge")).to_contain_text("2")
    assert outbox_states(page) == ["Czeka na wysłanie", "Czeka na wysłanie"]
    assert_accessible(page)
    # logging out with unsent readings asks first
    page.once("dialog", lambda d: (d.message.startswith("Niewysłane odczyty: 2.") or pytest.fail(d.message), d.dismiss()))
    page.get_by_role("button", name="Wyloguj").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Odczyty")
    page.close()

    page = context.new_page()  # the app is opened again, still without signal
    page.goto("/odczyty")
    expect(page.get_by_role("heading", level=1)).to_have_text("Odczyty")
    expect(page.get_by_test_id("outbox-item")).to_have_count(2)
    # the start-up flush may be trying (and failing, offline) as the list is read: wait it out
    expect(page.get_by_test_id("outbox-item").locator(".state-label")).to_have_text(
        ["Czeka na wysłanie", "Czeka na wysłanie"])
    expect(page.get_by_test_id("unsent-badge")).to_contain_text("2")

    context.set_offline(False)
    expect(page.get_by_test_id("outbox-summary")).to_have_text("Wszystkie odczyty zostały wysłane.", timeout=20_000)
    expect(page.get_by_test_id("unsent-badge")).to_have_count(0)
    for meter in two:
        rows = history(page, meter["id"])
        assert len(rows) == counts[meter["id"]] + 1, rows[:2]
        assert rows[0]["has_photo"]
    page.close()


def test_interrupted_uploads_are_resent_and_kept_once(browser, smtp_server, meter_photo):
    server = Server(smtp_server, name="interrupt")
    server.start("demo", "--customers", "3")
    ctx = browser.new_context(base_url=server.url, locale="pl-PL", **PHONE)
    try:
        page = ctx.new_page()
        log_in(page, "anna.nowak@example.com")
        page.goto("/odczyty")
        expect(page.get_by_role("heading", level=1)).to_have_text("Odczyty")
        meter = next(m for m in meters(page) if m["kind"] == "main")
        start = len(history(page, meter["id"]))

        # 1. the answer is lost after the server committed the reading
        answers = []

        def commit_then_drop(route):
            if answers:  # only the first upload loses its answer
                route.continue_()
                return
            answers.append(route.fetch().status)  # the server stores the reading...
            route.abort("connectionreset")  # ...but its answer never reaches the phone

        page.route("**/api/readings", commit_then_drop)
        give_reading(page, meter, next_value(meter, 10), meter_photo)
        # resent by itself (retry timer or Background Sync); the server answers with the first result
        expect(page.get_by_test_id("outbox-summary")).to_have_text("Wszystkie odczyty zostały wysłane.", timeout=30_000)
        page.unroute("**/api/readings")
        assert answers == [201]
        assert len(history(page, meter["id"])) == start + 1  # once

        # 2. the server goes away while the upload is on its way
        server.stop_process()
        give_reading(page, meter, next_value(meter, 30), meter_photo)
        expect(page.get_by_test_id("unsent-badge")).to_contain_text("1")
        server.start("serve")
        page.get_by_role("button", name="Wyślij teraz").click()
        expect(page.get_by_test_id("outbox-summary")).to_have_text("Wszystkie odczyty zostały wysłane.", timeout=20_000)
        rows = history(page, meter["id"])
        assert len(rows) == start + 2
        assert [r["value_litres"] for r in rows[:2]] == [
            meter["last_reading"]["value_litres"] + 30, meter["last_reading"]["value_litres"] + 10]
    finally:
        ctx.close()
        server.stop()


def test_session_expired_while_offline_then_login_sends_the_reading(browser, server, meter_photo):
    ctx = browser.new_context(base_url=server.url, locale="pl-PL", **PHONE)
    try:
        page = ctx.new_page()
        log_in(page, "anna.nowak@example.com")
        page.goto("/odczyty")
        expect(page.get_by_role("heading", level=1)).to_have_text("Odczyty")
        meter = next(m for m in meters(page) if m["kind"] == "sub")
        start = len(history(page, meter["id"]))
        page.evaluate(WORKER_IN_CONTROL)  # the app is saved on the phone
        ctx.set_offline(True)
        give_reading(page, meter, next_value(meter, 5), meter_photo)
        ctx.clear_cookies(name="ebok_session")  # the session ends while the phone is offline
        ctx.set_offline(False)
        expect(page).to_have_url(re.compile("/logowanie"), timeout=20_000)
        expect(page.get_by_text("Sesja wygasła. Zaloguj się ponownie.").first).to_be_visible()
        page.get_by_label("E-mail lub numer klienta").fill("anna.nowak@example.com")
        page.get_by_label("Hasło", exact=True).fill("demo-ebok-2026")
        page.get_by_role("button", name="Zaloguj się").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Odczyty")  # back where they were
        expect(page.get_by_test_id("outbox-summary")).to_have_text("Wszystkie odczyty zostały wysłane.", timeout=20_000)
        assert len(history(page, meter["id"])) == start + 1
    finally:
        ctx.close()


def test_invalid_file_is_refused_on_the_phone(page, tmp_path):
    fake = tmp_path / "wodomierz.jpg"
    fake.write_text("<html><script>alert(1)</script></html>")
    log_in(page, "anna.nowak@example.com")
    page.goto("/odczyty")
    meter = meters(page)[0]
    page.get_by_role("link", name=f"Podaj odczyt wodomierza nr {meter['serial']}").click()
    page.get_by_label("Zdjęcie wodomierza").set_input_files(str(fake))
    expect(page.get_by_text("To nie jest zdjęcie. Wybierz plik JPEG, PNG lub WebP.")).to_be_visible()
    expect(page.get_by_label("Zdjęcie wodomierza")).to_have_attribute("aria-invalid", "true")
    page.get_by_label("Stan wodomierza (m³)").fill("abc")
    page.get_by_role("button", name="Zapisz odczyt").click()
    expect(page.get_by_text("Wpisz liczbę, np. 123,456.")).to_be_visible()


def test_an_empty_photo_is_refused_on_the_phone_and_by_the_server(page, tmp_path):
    empty = tmp_path / "wodomierz.jpg"
    empty.write_bytes(b"")
    log_in(page, "anna.nowak@example.com")
    page.goto("/odczyty")
    meter = meters(page)[0]
    start = len(history(page, meter["id"]))
    page.get_by_role("link", name=f"Podaj odczyt wodomierza nr {meter['serial']}").click()
    page.get_by_label("Zdjęcie wodomierza").set_input_files(str(empty))
    expect(page.get_by_text("Plik zdjęcia jest pusty (0 bajtów). Zrób zdjęcie jeszcze raz.")).to_be_visible()
    expect(page.get_by_label("Zdjęcie wodomierza")).to_have_attribute("aria-invalid", "true")
    # a queued reading whose stored photo came out empty (a phone short of space): the server says
    # so and the outbox keeps it for the person, in Polish, instead of a reading without its photo
    page.goto("/odczyty")
    page.evaluate("""(meter) => import('/static/app/outbox.js').then((o) => o.addReading({
        meterId: meter.id, serial: meter.serial, address: meter.address, valueText: '1,0',
        capturedAt: new Date().toISOString(), comment: '', photo: new ArrayBuffer(0), photoType: 'image/jpeg',
      }).then(() => o.flush({ force: true })))""", meter)
    item = page.get_by_test_id("outbox-item").first
    expect(item.locator(".field-error")).to_have_text("Plik zdjęcia jest pusty (0 bajtów). Zrób zdjęcie jeszcze raz.",
                                                      timeout=20_000)
    assert len(history(page, meter["id"])) == start
    assert_accessible(page)


def test_two_submits_of_one_capture_form_save_one_reading(page, meter_photo):
    """Whatever fires submit twice before the app reacts (two click()s in one task), one form is one reading."""
    log_in(page, "anna.nowak@example.com")
    page.goto("/odczyty")
    meter = next(m for m in meters(page) if m["kind"] == "main")
    before = len(history(page, meter["id"]))
    page.get_by_role("link", name=f"Podaj odczyt wodomierza nr {meter['serial']}").click()
    page.get_by_label("Zdjęcie wodomierza").set_input_files(str(meter_photo))
    expect(page.get_by_test_id("photo-preview")).to_be_visible(timeout=20_000)
    page.get_by_label("Stan wodomierza (m³)").fill(next_value(meter, one_days_use(page, meter["id"])))
    page.get_by_role("button", name="Zapisz odczyt").evaluate("button => { button.click(); button.click(); }")
    expect(page.get_by_role("heading", level=1)).to_have_text("Odczyty", timeout=20_000)
    expect(page.get_by_test_id("outbox-summary")).to_have_text("Wszystkie odczyty zostały wysłane.", timeout=20_000)
    page.wait_for_timeout(500)  # a second upload, if any, would have been sent with the first
    assert len(history(page, meter["id"])) == before + 1


# Workers that fail the way real ones do, served in place of photo-worker.js: one that loads but
# never answers (a crash inside the browser, OffscreenCanvas failing silently), one whose script
# throws as it starts, one whose script is not there.
BROKEN_WORKERS = {
    "silent": (200, "self.onmessage = () => {};"),
    "throws": (200, "throw new Error('no canvas here');"),
    "missing": (404, "not found"),
}


@pytest.mark.parametrize("failure", sorted(BROKEN_WORKERS))
def test_a_broken_photo_worker_does_not_keep_the_reading_from_being_saved(browser, server, meter_photo, failure):
    """The reading, saved while its photo is still being made small, lands in the outbox with the
    photo downscaled on the page instead: after a silence of 10 s, or at once when the worker fails."""
    status, body = BROKEN_WORKERS[failure]
    # no service worker: it would answer for photo-worker.js from its cache, past the route
    ctx = browser.new_context(base_url=server.url, locale="pl-PL", timezone_id="Europe/Warsaw",
                              service_workers="block", **PHONE)
    ctx.set_default_timeout(20_000)
    served: list[str] = []

    def broken_worker(route):
        served.append(route.request.url)
        route.fulfill(status=status, body=body, content_type="text/javascript")

    ctx.route("**/photo-worker.js*", broken_worker)
    try:
        page = ctx.new_page()
        log_in(page, "anna.nowak@example.com")
        page.goto("/odczyty")
        expect(page.get_by_role("heading", level=1)).to_have_text("Odczyty")
        meter = next(m for m in meters(page) if m["kind"] == "main")
        value = next_value(meter, 5)
        # the upload fails for now: the reading stays in the outbox, where the test reads it
        ctx.route("**/api/readings", lambda route: route.abort("internetdisconnected"))
        page.get_by_role("link", name=f"Podaj odczyt wodomierza nr {meter['serial']}").click()
        page.get_by_label("Zdjęcie wodomierza").set_input_files(str(meter_photo))
        page.get_by_label("Stan wodomierza (m³)").fill(value)
        page.get_by_role("button", name="Zapisz odczyt").click()  # before the photo is ready
        expect(page.get_by_role("heading", level=1)).to_have_text("Odczyty", timeout=40_000)
        assert served, "the page did not ask for the worker"
        saved = page.evaluate("""new Promise((resolve) => {
          const q = indexedDB.open('ebok');
          q.onsuccess = () => {
            const tx = q.result.transaction(['outbox', 'outbox-blobs']);
            tx.objectStore('outbox').getAll().onsuccess = (e) => Promise.all(e.target.result.map((r) =>
              new Promise((done) => { tx.objectStore('outbox-blobs').get(r.id).onsuccess = (p) => {
                const photo = p.target.result ? p.target.result.parts.photo : null;
                done({ value: r.valueText, type: r.photoType, size: photo ? photo.byteLength : 0,
                  jpeg: photo ? new Uint8Array(photo, 0, 2).join(',') : '' });
              }; }))).then(resolve);
          };
        })""")
        assert [s["value"] for s in saved] == [value], saved
        photo = saved[0]
        # made small (the 3000x2250 original is ~in the hundreds of KB as a JPEG; 1600 px is less)
        assert photo["type"] == "image/jpeg" and photo["jpeg"] == "255,216"
        assert 0 < photo["size"] < meter_photo.stat().st_size, (photo, meter_photo.stat().st_size)
        ctx.unroute("**/api/readings")
        page.reload()  # the start-up flush sends it
        expect(page.get_by_test_id("outbox-summary")).to_have_text("Wszystkie odczyty zostały wysłane.",
                                                                    timeout=20_000)
        assert history(page, meter["id"])[0]["has_photo"]
    finally:
        ctx.close()
