from playwright.sync_api import expect
from tests.e2e.conftest import PHONE, log_in
from tests.e2e.test_foundation import _anna_in_polish_again

def test_shots(browser, server):
    try:
        for name, vp in (("390", PHONE), ("1366", {"viewport": {"width": 1366, "height": 900}})):
            ctx = browser.new_context(base_url=server.url, locale="pl-PL", timezone_id="Europe/Warsaw", **vp)
            page = ctx.new_page()
            page.goto("/logowanie")
            page.get_by_role("main").get_by_role("button", name="Українська").click()
            expect(page.get_by_role("heading", level=1)).to_have_text("Вхід")
            page.get_by_label("Електронна пошта або номер клієнта").fill("anna.nowak@example.com")
            page.get_by_label("Пароль", exact=True).fill("demo-ebok-2026")
            with page.expect_response(lambda r: r.url.endswith("/api/me") and r.request.method == "PATCH"):
                page.get_by_role("button", name="Увійти").click()
            expect(page.get_by_role("heading", level=1)).to_have_text("Головна")
            for path, h in (("/konto", "Профіль"), ("/odczyty", "Показання"), ("/rozliczenia", "Рахунки"), ("/awarie", "Аварії")):
                page.goto(path)
                expect(page.get_by_role("heading", level=1)).to_have_text(h)
                page.wait_for_timeout(800)
                page.screenshot(path=f"/tmp/u1/shots/{path.strip('/')}-uk-{name}.png", full_page=True)
            ctx.close()
    finally:
        _anna_in_polish_again(browser, server)
