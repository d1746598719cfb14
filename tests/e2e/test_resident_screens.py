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
