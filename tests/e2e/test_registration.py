"""Self-registration walked in Chromium: a demo customer without an account types the customer
number and one of the invoices the demo's billing runs issued (number and gross amount as printed
on it), receives the activation link at the test SMTP server, sets a password and uses the account."""

from __future__ import annotations

import asyncio
import re
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from playwright.sync_api import expect

from backend.billing.pdf import money
from tests.e2e.conftest import Server, assert_accessible, log_in
from tests.support import link_from

PASSWORD = "Czysta-Woda-Z-Kranu-7"

# The newest invoice of the last demo customer that has no e-BOK account: the paper in their hand.
INVOICE_SQL = """
SELECT c.number AS customer, d.number AS invoice, d.gross_grosze AS gross
FROM document d JOIN customer c ON c.id = d.customer
WHERE d.kind = 'invoice' AND c.id NOT IN (SELECT customer FROM user_customer)
ORDER BY c.number DESC, d.issue_date DESC LIMIT 1
"""


def query_one(server: Server, sql: str) -> dict[str, Any]:
    url = server.env["DATABASE_URL"]
    if url.startswith("sqlite:///"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
            conn.row_factory = sqlite3.Row
            return dict(conn.execute(sql).fetchone())

    async def fetch() -> dict[str, Any]:
        import asyncpg

        conn = await asyncpg.connect(url)
        try:
            return dict(await conn.fetchrow(sql))
        finally:
            await conn.close()

    with ThreadPoolExecutor(1) as pool:  # Playwright's sync API keeps a loop running in this thread
        return pool.submit(asyncio.run, fetch()).result()


def test_self_registration_sends_the_link_and_the_account_works(browser, server, smtp_server):
    paper = query_one(server, INVOICE_SQL)
    assert re.fullmatch(r"FV/\d{4}/\d{2}/\d{6}", paper["invoice"])
    printed = money(int(paper["gross"])).removesuffix(" zł")  # "68,55", as on the invoice
    email = f"samodzielnie.{paper['customer']}@example.com"
    ctx = browser.new_context(base_url=server.url, locale="pl-PL", viewport={"width": 390, "height": 844})
    try:
        page = ctx.new_page()
        page.goto("/logowanie")
        page.get_by_role("link", name="Załóż konto w e-BOK").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Rejestracja w e-BOK")
        expect(page.get_by_text("np. FV/2026/11/000223")).to_be_visible()  # what real numbers look like
        page.get_by_label("Numer klienta").fill(paper["customer"])
        page.get_by_label("Numer faktury").fill(paper["invoice"])
        page.get_by_label("Kwota brutto faktury (zł)").fill(printed)
        page.get_by_label("Imię i nazwisko").fill("Samodzielny Klient")
        page.get_by_label("E-mail", exact=True).fill(email)
        page.get_by_label(re.compile("^Zgadzam się")).check()
        page.get_by_role("button", name="Zarejestruj").click()
        expect(page.get_by_text(f"wysłaliśmy link aktywacyjny na adres {email}")).to_be_visible()

        [mail] = smtp_server.wait_for_sync(email)
        link = link_from(mail)
        assert link.startswith(server.url + "/aktywacja?token=")
        page.goto(link)
        expect(page.get_by_role("heading", level=1)).to_have_text("Aktywacja konta")
        expect(page.get_by_label("E-mail")).to_have_value(email)
        page.get_by_label("Nowe hasło").fill(PASSWORD)
        page.get_by_label("Powtórz hasło").fill(PASSWORD)
        page.get_by_role("button", name="Ustaw hasło").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Pulpit")
        expect(page.get_by_role("main")).to_contain_text(paper["customer"])
        assert_accessible(page)

        # the account is usable: log out, log in with the new password, see the invoice
        page.get_by_role("button", name="Wyloguj").click()
        expect(page).to_have_url(re.compile("/logowanie"))
        log_in(page, email, PASSWORD)
        page.get_by_role("navigation", name="Menu główne").get_by_role("link", name="Rozliczenia").click()
        expect(page.get_by_role("main")).to_contain_text(paper["invoice"])
    finally:
        ctx.close()
