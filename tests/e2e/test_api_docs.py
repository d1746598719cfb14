"""The API's documentation page renders in a browser under the app's own CSP, with nothing
fetched from elsewhere."""

from __future__ import annotations

from urllib.parse import urlparse

from playwright.sync_api import expect


def test_schema_page_renders_the_operations_under_the_csp(page, server):
    refused: list[str] = []
    elsewhere: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("request", lambda r: elsewhere.append(r.url) if urlparse(r.url).netloc != urlparse(server.url).netloc
            and not r.url.startswith(("data:", "blob:")) else None)
    page.goto("/api/schema", timeout=30_000)  # the schema of every endpoint is built on its first request
    docs = page.locator("#swagger-ui")
    expect(docs.get_by_role("heading", name="e-BOK API")).to_be_visible(timeout=20_000)
    expect(docs.get_by_text("/api/readings", exact=True).first).to_be_visible()
    expect(docs.get_by_text("/api/meters/{meter_id}/readings", exact=True).first).to_be_visible()
    docs.get_by_text("/api/meters/{meter_id}/readings", exact=True).first.click()  # opens the operation
    expect(docs.get_by_role("heading", name="Parameters")).to_be_visible()
    expect(docs.get_by_role("button", name="Try it out")).to_be_visible()
    assert refused == [] and elsewhere == [], (sorted({r[:90] for r in refused})[:20], elsewhere[:5])
