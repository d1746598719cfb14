"""Security headers, the error format for bad input, and the PWA's files."""

from __future__ import annotations

import json
import re

import pytest

from tests.support import log_in, make_customer, make_user


async def test_security_headers_on_every_response(client):
    for path in ("/", "/api/config", "/static/app/main.js", "/sw.js", "/manifest.json", "/api/nope"):
        r = await client.get(path)
        csp = r.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
        assert "frame-ancestors 'none'" in csp
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["referrer-policy"] == "same-origin"


async def test_personal_data_is_not_cached(client, settings):
    await make_user(settings, "ola@example.com")
    await log_in(client, "ola@example.com")
    for path in ("/api/me", "/api/dashboard"):
        assert (await client.get(path)).headers["cache-control"] == "no-store"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b"{not json", None),
        (json.dumps({"login": "a", "password": "b", "admin": True}).encode(), "admin"),
        (json.dumps({"login": "a" * 300, "password": "b"}).encode(), "login"),
        (json.dumps({"login": 12, "password": "b"}).encode(), "login"),
        (json.dumps({"login": "a"}).encode(), "password"),
        (json.dumps([1, 2]).encode(), None),
    ],
)
async def test_bad_input_is_a_400_with_a_json_error(client, body, field):
    r = await client.post("/api/session", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 400
    error = r.json()
    assert error["code"] == "invalid_request" and error["message"]
    if field:
        assert error["field"] == field


async def test_huge_body_is_refused(client):
    r = await client.post("/api/session", content=b"x" * (2 * 1024 * 1024), headers={"content-type": "application/json"})
    assert r.status_code == 413 and r.json()["code"] == "too_large"


async def test_unknown_api_path_is_json_404_and_app_routes_load_the_shell(client):
    r = await client.get("/api/does-not-exist")
    assert r.status_code == 404 and r.json()["code"] == "not_found"
    for path in ("/", "/odczyty", "/aktywacja", "/konto"):
        r = await client.get(path)
        assert r.status_code == 200 and '<script type="module"' in r.text
    assert (await client.get("/static/missing.js")).status_code == 404


async def test_first_load_javascript_within_the_phone_budget(client):
    """docs/DESIGN.md: the first load (main.js and the modules index.html preloads, which a Node test
    keeps equal to main.js's static imports) is at most 50 KB of JavaScript as the server sends it."""
    html = (await client.get("/")).text
    urls = set(re.findall(r'<script type="module" src="([^"]+)"', html))
    urls |= set(re.findall(r'<link rel="modulepreload" href="([^"]+)"', html))
    sent = {}
    for url in sorted(urls):
        async with client.stream("GET", url, headers={"Accept-Encoding": "gzip"}) as r:
            assert r.status_code == 200, url
            sent[url] = sum([len(chunk) async for chunk in r.aiter_raw()])
    assert len(sent) > 20 and "/static/app/main.js" in sent
    assert sum(sent.values()) <= 50 * 1024, sorted(sent.items(), key=lambda kv: -kv[1])


async def test_manifest_and_service_worker(client):
    manifest = (await client.get("/manifest.json")).json()
    assert manifest["lang"] == "pl" and manifest["display"] == "standalone"
    assert manifest["start_url"] == "/" and manifest["scope"] == "/"
    sizes = {(i["sizes"], i.get("purpose", "any")) for i in manifest["icons"]}
    assert ("192x192", "any") in sizes and ("512x512", "any") in sizes and any(p == "maskable" for _, p in sizes)
    for icon in manifest["icons"]:
        r = await client.get(icon["src"])
        assert r.status_code == 200 and r.content.startswith(b"\x89PNG")
    r = await client.get("/sw.js")
    assert r.headers["content-type"].startswith("text/javascript")
    assert r.text.startswith("const EBOK_VERSION = ")
    shell = json.loads(r.text.split("const EBOK_SHELL = ", 1)[1].split(";\n", 1)[0])
    # the languages loaded on demand work offline too: the worker keeps their texts
    assert {"/static/app/i18n/en.js", "/static/app/i18n/uk.js"} <= set(shell)
    for url in shell:  # everything the worker precaches must exist, or install fails
        assert (await client.get(url)).status_code == 200, url


async def test_dashboard_shows_only_own_customers(client, settings):
    mine = await make_customer(number="300001")
    await make_customer(number="300002")
    await make_user(settings, "ola@example.com", customer_id=mine["id"])
    await log_in(client, "ola@example.com")
    data = (await client.get("/api/dashboard")).json()
    assert [c["number"] for c in data["customers"]] == ["300001"]
    [point] = data["customers"][0]["service_points"]
    assert [m["id"] for m in point["meters"]] == [mine["meter_id"]]
    assert data["balance"] == {"total_grosze": 0, "overdue_grosze": 0} and data["outages"] == []  # no invoices yet
    # each meter card tells whether its reading window is open: the same window as on Odczyty
    [meter] = (await client.get("/api/meters")).json()["meters"]
    assert data["windows"] == {mine["meter_id"]: meter["window"]}
    assert set(meter["window"]) == {"period_start", "period_end", "opens", "is_open", "wanted"}


async def test_dashboard_needs_login(client):
    r = await client.get("/api/dashboard")
    assert r.status_code == 401 and r.json()["code"] == "not_authenticated"


async def test_https_mode_tells_browsers_to_stay_on_https(client, settings):
    import httpx
    import msgspec

    from backend.app import create_app

    assert "strict-transport-security" not in (await client.get("/api/config")).headers  # plain-http localhost
    app = create_app(msgspec.structs.replace(settings, base_url="https://ebok.wodociagi-demo.pl"), manage_resources=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="https://ebok.wodociagi-demo.pl") as c:
        for path in ("/", "/api/config", "/api/nope", "/static/app/main.js"):
            assert (await c.get(path)).headers["strict-transport-security"] == "max-age=31536000"


async def test_text_answers_name_their_charset_once(client, settings):
    customer = await make_customer(number="300001")
    await make_user(settings, "ola@example.com", customer_id=customer["id"])
    await log_in(client, "ola@example.com")
    for path in ("/", "/odczyty", "/offline.html", "/sw.js", "/api/schema", "/static/app/main.js",
                 f"/api/meters/{customer['meter_id']}/readings.csv"):
        r = await client.get(path)
        assert r.status_code == 200, path
        assert r.headers["content-type"].count("charset") == 1, (path, r.headers["content-type"])


async def test_schema_page_loads_nothing_from_elsewhere_and_nothing_inline(client):
    import re

    page = await client.get("/api/schema")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    html = page.text
    assert "<style" not in html and not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)  # the CSP allows neither
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert len(assets) == 3
    for url in assets:
        assert url.startswith("/api/schema/"), url
        r = await client.get(url)
        assert r.status_code == 200 and len(r.content) > 100, url
    assert (await client.get("/api/schema/assets/nothing.js")).status_code == 404
    assert (await client.get("/api/schema/openapi.json")).json()["info"]["title"] == "e-BOK API"


async def test_the_openapi_schema_describes_the_errors_uploads_and_keys_as_they_are(client):
    schema = (await client.get("/api/schema/openapi.json")).json()
    error = schema["components"]["schemas"]["Error"]
    assert set(error["properties"]) == {"code", "message", "field"}
    for path, operations in schema["paths"].items():
        for method, op in operations.items():
            codes = set(op["responses"])
            assert {"400", "401", "404", "429"} <= codes, (method, path)
            for code, response in op["responses"].items():
                if code.startswith("4"):
                    assert response["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
    for path, file_field in (("/api/readings", "photo"), ("/api/contact/messages", "attachment")):
        op = schema["paths"][path]["post"]
        form = op["requestBody"]["content"]["multipart/form-data"]["schema"]
        assert file_field in form["properties"], path
        [key] = [p for p in op["parameters"] if p["name"] == "Idempotency-Key"]
        assert key["in"] == "header" and key["required"] and {"409", "422"} <= set(op["responses"])
    # and the answers are what it says
    r = await client.get("/api/me")
    assert r.status_code == 401 and set(r.json()) == {"code", "message", "field"}
    r = await client.post("/api/readings", data={"value": "1"}, headers={"Idempotency-Key": "nie-uuid"})
    assert r.status_code in (400, 401) and set(r.json()) == {"code", "message", "field"}


async def test_options_lists_the_methods_of_guarded_paths_too(client):
    # Litestar's OPTIONS answer carries no data; the controllers' login guards answered it with 401
    for path in ("/api/meters", "/api/readings", "/api/staff/review", "/api/inspector/routes"):
        r = await client.options(path)
        assert r.status_code == 204, (path, r.status_code)
        assert "OPTIONS" in r.headers["allow"]
    assert "POST" in (await client.options("/api/readings")).headers["allow"]
    assert "GET" in (await client.options("/api/meters")).headers["allow"]
    # a path served by two handlers lists both (Litestar 2 listed the first one registered)
    assert (await client.options("/api/session")).headers["allow"] == "DELETE, OPTIONS, POST"
    assert (await client.options("/api/me")).headers["allow"] == "GET, OPTIONS, PATCH"


async def test_accessibility_statement_is_html_with_the_required_sections(client, settings):
    r = await client.get("/deklaracja-dostepnosci")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    page = r.text
    assert '<html lang="pl">' in page and "<script" not in page
    # the statement template's sections (art. 10 of the act of 4 April 2019), by their ids
    for section in ("a11y-wstep", "a11y-podmiot", "a11y-url", "a11y-data-publikacja", "a11y-data-aktualizacja",
                    "a11y-status", "a11y-data-sporzadzenie", "a11y-kontakt", "a11y-osoba", "a11y-email",
                    "a11y-telefon", "a11y-procedura", "a11y-architektura", "a11y-jezyk-migowy", "a11y-aplikacje"):
        assert f'id="{section}"' in page, section
    # filled from settings
    assert settings.utility_name in page and settings.office_email in page and settings.utility_phone in page
    y, m, d = settings.a11y_published.split("-")
    assert f'datetime="{settings.a11y_published}">{d}.{m}.{y}</time>' in page
    assert "częściowo zgodny" in page and "Rzecznika Praw Obywatelskich" in page and "7 dni" in page
    assert r.headers["content-language"] == "pl" and 'href="/deklaracja-dostepnosci?lang=en"' in page


async def test_accessibility_statement_in_english_by_choice_or_by_the_browser(client, settings):
    r = await client.get("/deklaracja-dostepnosci?lang=en")
    page = r.text
    assert r.status_code == 200 and r.headers["content-language"] == "en"
    assert '<html lang="en">' in page and "<script" not in page
    assert ">Accessibility statement</h1>" in page and "partially compliant" in page and "7 days" in page
    for section in ("a11y-wstep", "a11y-podmiot", "a11y-url", "a11y-data-publikacja", "a11y-data-aktualizacja",
                    "a11y-status", "a11y-data-sporzadzenie", "a11y-kontakt", "a11y-osoba", "a11y-email",
                    "a11y-telefon", "a11y-procedura", "a11y-architektura", "a11y-jezyk-migowy", "a11y-aplikacje"):
        assert f'id="{section}"' in page, section
    assert settings.utility_name in page and settings.office_email in page and settings.utility_phone in page
    assert 'href="/deklaracja-dostepnosci?lang=pl" hreflang="pl" lang="pl"' in page  # the way back
    for accept, lang in (("en-GB,en;q=0.9", "en"), ("uk-UA,uk;q=0.9,en;q=0.8,pl;q=0.7", "uk"),
                         ("de,pl;q=0.9,en;q=0.8", "pl"), ("de-DE", "pl"), ("", "pl")):
        r = await client.get("/deklaracja-dostepnosci", headers={"accept-language": accept})
        assert r.headers["content-language"] == lang, accept
        assert f'<html lang="{lang}">' in r.text
    # ?lang= wins over the browser; an unknown one is ignored
    r = await client.get("/deklaracja-dostepnosci?lang=pl", headers={"accept-language": "en"})
    assert r.headers["content-language"] == "pl"
    r = await client.get("/deklaracja-dostepnosci?lang=xx", headers={"accept-language": "en"})
    assert r.headers["content-language"] == "en"
    # the service worker precaches both, so the statement reads offline
    sw = (await client.get("/sw.js")).text
    shell = json.loads(sw.split("const EBOK_SHELL = ", 1)[1].split(";\n", 1)[0])
    assert {f"/deklaracja-dostepnosci?lang={code}" for code in ("pl", "en", "uk")} <= set(shell)


async def test_accessibility_statement_in_ukrainian(client, settings):
    r = await client.get("/deklaracja-dostepnosci?lang=uk")
    page = r.text
    assert r.status_code == 200 and r.headers["content-language"] == "uk" and '<html lang="uk">' in page
    assert ">Декларація доступності</h1>" in page and "частково відповідає" in page and "7 днів" in page
    for section in ("a11y-wstep", "a11y-podmiot", "a11y-url", "a11y-data-publikacja", "a11y-data-aktualizacja",
                    "a11y-status", "a11y-data-sporzadzenie", "a11y-kontakt", "a11y-osoba", "a11y-email",
                    "a11y-telefon", "a11y-procedura", "a11y-architektura", "a11y-jezyk-migowy", "a11y-aplikacje"):
        assert f'id="{section}"' in page, section
    assert settings.utility_name in page and settings.office_email in page and settings.utility_phone in page
    assert "Координатор з питань доступності" in page  # the default contact name, translated
    for code, name in (("pl", "Wersja polska"), ("en", "English version")):  # the ways to the others
        assert f'href="/deklaracja-dostepnosci?lang={code}" hreflang="{code}" lang="{code}"' in page
        assert name in page
