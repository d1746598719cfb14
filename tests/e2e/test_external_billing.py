"""External billing in the browser (issue 14, item 4): a utility whose billing system issues the
invoices (EBOK_BILLING=external). The billing system sends an invoice with its PDF through the
integration API; the resident sees it with its balance, opens the PDF, pays it online through the
sandbox gateway, and the payment comes back in the payments feed. The office's billing screen says
that e-BOK issues no invoices. Its own server: the shared one bills with the built-in engine."""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import Server, assert_accessible, log_in
from tests.e2e.test_settlements import balance, grosze
from tests.support import RUN_DIR

PDF = (Path(__file__).resolve().parents[2] / "docs" / "external-invoice.pdf").read_bytes()
NUMBER = "FV/2026/11/90001"
SHOTS = Path(os.environ.get("EBOK_SCREENSHOTS") or RUN_DIR)  # kept after the run when set


@pytest.fixture(scope="module")
def external_server(smtp_server) -> Iterator[Server]:
    srv = Server(smtp_server, name="e2e-external")
    srv.env["EBOK_BILLING"] = "external"
    srv.start("demo", "--customers", "5")
    yield srv
    srv.stop()


@pytest.fixture
def context(browser, external_server) -> Iterator:
    from tests.e2e.conftest import PHONE

    ctx = browser.new_context(base_url=external_server.url, locale="pl-PL", timezone_id="Europe/Warsaw", **PHONE)
    ctx.set_default_timeout(20_000)
    yield ctx
    ctx.close()


def token(server: Server, name: str, *scopes: str) -> str:
    out = subprocess.run([sys.executable, "-m", "backend.cli", "token", "create", "--name", name,
                          *[a for s in scopes for a in ("--scope", s)]], env=server.env, capture_output=True,
                         text=True, check=True, cwd=Path(__file__).parents[2])
    return out.stdout.strip().splitlines()[-1]


def call(server: Server, secret: str, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(server.url + path, method=method, data=json.dumps(body).encode() if body else None,
                                     headers={"Authorization": f"Bearer {secret}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=20) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_resident_sees_the_billing_systems_invoice_and_pays_it_online(page, context, external_server):
    erp = token(external_server, "erp", "documents:write", "payments:write")
    status, answer = call(external_server, erp, "POST", "/api/integration/documents", {"documents": [{
        "number": NUMBER, "kind": "invoice", "customer_number": "100001", "issue_date": "2026-11-02",
        "due_date": "2026-11-16", "gross_grosze": 12345, "net_grosze": 11431, "vat_grosze": 914,
        "period_start": "2026-10-01", "period_end": "2026-10-31", "pdf_base64": base64.b64encode(PDF).decode()}]})
    assert status == 200 and answer["added"] == [NUMBER], answer

    log_in(page, "anna.nowak@example.com")
    page.get_by_role("navigation", name="Menu główne").get_by_role("link", name="Rozliczenia").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Rozliczenia")
    row = page.get_by_test_id("document-row").filter(has_text=NUMBER)
    expect(row).to_be_visible(timeout=20_000)
    expect(page.get_by_test_id("document-row")).to_have_count(1)  # e-BOK issued none of its own
    assert balance(page) == 12345
    assert_accessible(page)

    page.get_by_role("link", name=f"Szczegóły dokumentu {NUMBER}").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Faktura {NUMBER}")
    expect(page.get_by_test_id("document-left")).to_contain_text("123,45")
    page.screenshot(path=str(SHOTS / "external-invoice-390.png"), full_page=True)
    assert_accessible(page)
    pdf = context.request.get(page.get_by_test_id("pdf-link").get_attribute("href"))
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf" and pdf.body() == PDF

    page.get_by_role("link", name=f"Zapłać {NUMBER}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Płatność")
    expect(page.get_by_test_id("transfer")).to_contain_text(NUMBER)
    expect(page.get_by_test_id("qr")).to_be_visible()
    page.get_by_role("button", name=re.compile(r"^Zapłać online")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Bramka płatności (testowa)", timeout=20_000)
    assert grosze(page.get_by_test_id("gateway-amount").inner_text()) == 12345
    page.get_by_role("button", name="Zapłać", exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Rozliczenia", timeout=20_000)
    expect(page.get_by_test_id("payment-status")).to_contain_text("Płatność przyjęta", timeout=20_000)
    expect(row).to_contain_text("zapłacono", timeout=20_000)
    assert balance(page) == 0
    assert_accessible(page)

    # the billing system learns of the payment from the feed, and booking it back is a no-op
    status, feed = call(external_server, erp, "GET", "/api/integration/payments")
    assert status == 200
    [paid] = [p for p in feed["payments"] if NUMBER in p["documents"]]
    assert paid["amount_grosze"] == 12345 and paid["customer_number"] == "100001"
    status, answer = call(external_server, erp, "POST", "/api/integration/payments", {"payments": [{
        "external_id": paid["external_id"], "customer_number": "100001", "amount_grosze": 12345,
        "booked_on": paid["booked_on"]}]})
    assert status == 200 and answer == {"recorded": [], "duplicates": [paid["external_id"]]}
    page.reload()
    expect(page.get_by_test_id("document-row").filter(has_text=NUMBER)).to_contain_text("zapłacono", timeout=20_000)
    assert balance(page) == 0


def test_the_office_is_told_that_the_billing_system_issues_the_invoices(page):
    log_in(page, "biuro@example.com")
    page.get_by_role("link", name="Fakturowanie").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Biuro — fakturowanie")
    notice = page.get_by_test_id("billing-external")
    expect(notice).to_contain_text("Faktury z systemu rozliczeniowego", timeout=20_000)
    expect(notice).to_contain_text("e-BOK nie wystawia własnych faktur")
    expect(page.get_by_role("button", name="Wystaw faktury")).to_have_count(0)
    expect(page.get_by_role("button", name="Dodaj taryfę")).to_have_count(0)
    assert_accessible(page)
    page.set_viewport_size({"width": 1366, "height": 900})
    expect(notice).to_be_visible()
    page.screenshot(path=str(SHOTS / "external-billing-office-1366.png"))
    assert_accessible(page)
