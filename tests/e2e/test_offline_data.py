"""A resident's main screens work offline from the first login: the dashboard, the meters and the
settlements are fetched once after login, so a screen never opened before shows its data (marked
as saved) instead of "Brak połączenia i brak zapisanych danych"."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.conftest import assert_accessible, log_in


def test_screens_never_opened_show_their_data_offline(page, context):
    log_in(page, "anna.nowak@example.com")
    expect(page.get_by_role("heading", level=1)).to_have_text("Pulpit")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()  # the worker now serves the app's files (the views load lazily)
    expect(page.get_by_role("heading", level=1)).to_have_text("Pulpit")
    page.wait_for_load_state("networkidle")  # nothing opened but the dashboard

    context.set_offline(True)
    menu = page.get_by_role("navigation", name="Menu główne")
    menu.get_by_role("link", name="Rozliczenia").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Rozliczenia")
    expect(page.get_by_test_id("stale-banner")).to_contain_text(re.compile(r"Brak połączenia — dane z "))
    expect(page.get_by_test_id("document-row").first).to_be_visible()
    expect(page.get_by_text("brak zapisanych danych")).to_have_count(0)
    assert_accessible(page)

    menu.get_by_role("link", name="Odczyty").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Odczyty")
    expect(page.locator("[data-testid^=meter-]").first).to_be_visible()
    expect(page.get_by_text("brak zapisanych danych")).to_have_count(0)
    context.set_offline(False)


def test_reopened_app_revalidates_its_saved_data_without_downloading_it(page, context):
    """The saved dashboard goes with its ETag: the server answers 304 when nothing changed, and the
    app shows the saved copy as current (no 'saved data' banner)."""
    log_in(page, "anna.nowak@example.com")
    expect(page.get_by_role("heading", level=1)).to_have_text("Pulpit")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()  # the worker now serves the app's files, also offline
    expect(page.get_by_role("heading", level=1)).to_have_text("Pulpit")
    page.wait_for_load_state("networkidle")
    first = page.locator("main").inner_text()

    context.set_offline(True)
    page.reload()
    expect(page.get_by_test_id("stale-banner")).to_be_visible()
    context.set_offline(False)
    with page.expect_response(lambda r: r.url.endswith("/api/dashboard"), timeout=20_000) as answer:
        page.reload()
    assert answer.value.status == 304
    assert answer.value.request.headers.get("if-none-match", "").startswith('W/"')
    expect(page.get_by_role("heading", level=1)).to_have_text("Pulpit")
    expect(page.get_by_test_id("stale-banner")).to_have_count(0)
    assert page.locator("main").inner_text() == first
