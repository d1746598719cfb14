"""External billing (issue 14, item 4; EBOK_BILLING=external): documents with their PDF and payments
from the billing system through the integration API and `ebok import`, what residents then see,
the payments feed of online payments, and e-BOK's own billing refusing; bad input changes nothing."""

from __future__ import annotations

import base64
import os
from pathlib import Path

import httpx
import msgspec
import pytest

from backend.billing.tables import Document, Payment
from backend.settings import Settings
from tests.api.test_integration import bearer, ebok, new_token
from tests.pdfs import eicar_pdf, real_pdf
from tests.support import log_in, make_customer, make_user

DOCS = Path(__file__).resolve().parents[2] / "docs"
PDF = real_pdf()


@pytest.fixture
def settings(smtp_server) -> Settings:
    base = Settings.from_env()
    return msgspec.structs.replace(base, smtp_url=f"smtp://127.0.0.1:{smtp_server.port}",
                                   base_url="http://127.0.0.1:8000", billing="external", external_pdf_max_bytes=50_000)


@pytest.fixture
async def machine(client):
    async with httpx.AsyncClient(transport=client._transport, base_url=str(client.base_url)) as c:
        yield c


@pytest.fixture
async def resident(client, settings):
    customer = await make_customer(number="700001")
    await make_user(settings, "ela@example.com", customer_id=customer["id"])
    await log_in(client, "ela@example.com")
    return customer


def doc(number: str = "FV/2026/11/001", customer: str = "700001", gross: int = 12345, **over) -> dict:
    return {"number": number, "kind": "invoice", "customer_number": customer, "issue_date": "2026-11-02",
            "due_date": "2026-11-16", "gross_grosze": gross, "net_grosze": gross - 914, "vat_grosze": 914,
            "period_start": "2026-10-01", "period_end": "2026-10-31",
            "pdf_base64": base64.b64encode(PDF).decode()} | over


async def send_docs(machine, token: str, *docs: dict) -> httpx.Response:
    return await machine.post("/api/integration/documents", json={"documents": list(docs)}, headers=bearer(token))


async def send_payments(machine, token: str, *payments: dict) -> httpx.Response:
    return await machine.post("/api/integration/payments", json={"payments": list(payments)}, headers=bearer(token))


def pay(external_id: str, amount: int, customer: str = "700001") -> dict:
    return {"external_id": external_id, "customer_number": customer, "amount_grosze": amount,
            "booked_on": "2026-11-10", "title": "FV/2026/11/001"}


async def test_a_resident_sees_the_billing_systems_invoice_its_pdf_and_balance(client, machine, resident):
    token = await new_token("erp", "documents:write", "payments:write")
    r = await send_docs(machine, token, doc())
    assert r.status_code == 200, r.text
    assert r.json() == {"added": ["FV/2026/11/001"], "unchanged": []}
    assert (await send_docs(machine, token, doc())).json() == {"added": [], "unchanged": ["FV/2026/11/001"]}

    s = (await client.get("/api/settlements")).json()
    [row] = s["documents"]
    assert row["number"] == "FV/2026/11/001" and row["remaining_grosze"] == 12345
    assert s["balance"]["total_grosze"] == 12345
    pdf = await client.get(f"/api/settlements/documents/{row['id']}/pdf")
    assert pdf.status_code == 200 and pdf.content == PDF and pdf.headers["content-type"] == "application/pdf"
    t = (await client.get("/api/settlements/transfer", params={"document_id": row["id"]})).json()
    assert t["amount_grosze"] == 12345 and t["title"] == "FV/2026/11/001" and t["qr_url"]

    # a bank payment booked by the billing system: sent twice, counted once
    assert (await send_payments(machine, token, pay("BANK-1", 5000))).json() == {"recorded": ["BANK-1"],
                                                                                  "duplicates": []}
    again = await send_payments(machine, token, pay("BANK-1", 5000), pay("BANK-1", 5000))
    assert again.json() == {"recorded": [], "duplicates": ["BANK-1", "BANK-1"]}
    assert await Payment.count() == 1
    s = (await client.get("/api/settlements")).json()
    assert s["balance"]["total_grosze"] == 7345 and s["documents"][0]["remaining_grosze"] == 7345

    # a correction lowering it, and a reminder that lists it
    cor = doc("FK/2026/11/001", gross=-345, net_grosze=None, vat_grosze=None, kind="correction",
              refers_to="FV/2026/11/001", reason="Zmiana odczytu")
    rem = doc("UP/2026/12/001", gross=1000, net_grosze=None, vat_grosze=None, kind="reminder",
              reminds=["FV/2026/11/001"], period_start=None, period_end=None)
    r = await send_docs(machine, token, cor, rem)
    assert r.status_code == 200, r.text
    s = (await client.get("/api/settlements")).json()
    assert s["balance"]["total_grosze"] == 7345 - 345 + 1000
    reminder = next(d for d in s["documents"] if d["kind"] == "reminder")
    detail = (await client.get(f"/api/settlements/documents/{reminder['id']}")).json()
    assert [x["number"] for x in detail["reminded"]] == ["FV/2026/11/001"] and detail["to_pay_grosze"] == 8000


async def test_an_online_payment_enters_the_payments_feed_once_and_sent_back_is_a_no_op(client, machine, resident,
                                                                                         settings):
    token = await new_token("erp", "documents:write", "payments:write")
    await send_docs(machine, token, doc())
    [row] = (await client.get("/api/settlements")).json()["documents"]
    started = (await client.post("/api/settlements/payments", json={"customer_id": resident["id"],
                                                                    "document_ids": [row["id"]]})).json()
    gateway_token = started["redirect_url"].split("token=")[1]
    assert (await client.post(f"/api/sandbox-gateway/{gateway_token}", json={"outcome": "paid"})).status_code == 200

    r = await machine.get("/api/integration/payments", headers=bearer(token))
    assert r.status_code == 200, r.text
    page = r.json()
    [entry] = page["payments"]
    assert entry["customer_number"] == "700001" and entry["amount_grosze"] == 12345
    assert entry["documents"] == ["FV/2026/11/001"] and entry["source"] == "gateway"
    nothing = (await machine.get("/api/integration/payments", params={"cursor": page["next_cursor"]},
                                 headers=bearer(token))).json()
    assert nothing == {"payments": [], "next_cursor": page["next_cursor"]}

    # the billing system books it and sends it back with the feed's id: no second payment
    back = await send_payments(machine, token, pay(entry["external_id"], 12345))
    assert back.json() == {"recorded": [], "duplicates": [entry["external_id"]]}
    assert await Payment.count() == 1
    assert (await client.get("/api/settlements")).json()["balance"]["total_grosze"] == 0

    # a tampered cursor, and one of the readings feed, are refused
    bad = page["next_cursor"][:-2] + ("AA" if not page["next_cursor"].endswith("AA") else "BB")
    r = await machine.get("/api/integration/payments", params={"cursor": bad}, headers=bearer(token))
    assert r.status_code == 400 and r.json()["code"] == "cursor_invalid"
    feed_token = await new_token("feed", "readings:read")
    readings_cursor = (await machine.get("/api/integration/readings", headers=bearer(feed_token))).json()["next_cursor"]
    r = await machine.get("/api/integration/payments", params={"cursor": readings_cursor}, headers=bearer(token))
    assert r.status_code == 400 and r.json()["code"] == "cursor_invalid"


async def test_bad_documents_get_stable_codes_and_nothing_is_written(machine, resident, tmp_path):
    token = await new_token("erp", "documents:write")
    store = Path(os.environ["EBOK_DATA_DIR"]) / "billing-documents"
    files_before = len(list(store.glob("*/*.pdf")))
    big = real_pdf(pages=600)
    assert len(big) > 50_000
    r = await send_docs(
        machine, token, doc("FV/1"), doc("FV/2", customer="999999"),
        doc("FV/3", pdf_base64=base64.b64encode(b"<html>not a pdf</html>").decode()),
        doc("FV/4", pdf_base64=base64.b64encode(eicar_pdf()).decode()),
        doc("FV/5", pdf_base64=base64.b64encode(big).decode()),
        doc("FK/6", kind="correction", gross=-100, net_grosze=None, vat_grosze=None, refers_to="FV/404"),
        doc("FV/1"), doc("FV/8", gross=0, net_grosze=None, vat_grosze=None))
    assert r.status_code == 422
    body = r.json()
    assert body["code"] == "documents_invalid"
    assert {(e["item"], e["code"]) for e in body["errors"]} == {
        (2, "customer_unknown"), (3, "pdf_invalid"), (4, "pdf_invalid"), (5, "pdf_too_large"),
        (6, "document_unknown"), (7, "number_duplicate"), (8, "value_invalid")}
    assert await Document.count() == 0  # FV/1 was fine, and not written either
    assert len(list(store.glob("*/*.pdf"))) == files_before  # no PDF of the refused batch stays either

    r = await send_docs(machine, token, doc("FV/9", pdf_base64="***"))
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "pdf_invalid"
    assert (await send_docs(machine, token, doc("FV/1"))).status_code == 200
    r = await send_docs(machine, token, doc("FV/1", gross=99999, net_grosze=None, vat_grosze=None))
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "document_conflict"


async def test_bad_payments_change_nothing(machine, resident):
    token = await new_token("erp", "payments:write")
    r = await send_payments(machine, token, pay("P-1", 100), pay("P-2", 100, customer="999999"), pay("P-3", 0))
    assert r.status_code == 422 and r.json()["code"] == "payments_invalid"
    assert {(e["item"], e["code"]) for e in r.json()["errors"]} == {(2, "customer_unknown"), (3, "value_invalid")}
    assert await Payment.count() == 0


async def test_each_endpoint_needs_its_scope(machine, resident):
    readings_only = await new_token("feed", "readings:read")
    for method, path, body in (("post", "/api/integration/documents", {"documents": [doc()]}),
                               ("post", "/api/integration/payments", {"payments": [pay("X", 1)]}),
                               ("get", "/api/integration/payments", None)):
        r = await machine.request(method, path, json=body, headers=bearer(readings_only))
        assert r.status_code == 403 and r.json()["code"] == "scope_missing", path
        r = await machine.request(method, path, json=body)
        assert r.status_code == 401 and r.json()["code"] == "token_invalid", path
    docs_only = await new_token("docs", "documents:write")
    r = await send_payments(machine, docs_only, pay("X", 1))
    assert r.status_code == 403


async def test_e_boks_own_billing_refuses_and_the_office_is_told(client, settings):
    await make_user(settings, "biuro@example.com", role="staff")
    await log_in(client, "biuro@example.com")
    assert (await client.get("/api/staff/billing/mode")).json() == {"billing": "external"}
    r = await client.post("/api/staff/billing/runs", json={"period": "2026-10"})
    assert r.status_code == 409 and r.json()["code"] == "billing_external"
    r = await client.post("/api/staff/billing/tariffs", json={"name": "T", "valid_from": "2027-01-01", "water": "3,61",
                                                             "sewage": "5,87", "fee": "4,05", "vat_pct": 8})
    assert r.status_code == 409 and r.json()["code"] == "billing_external"
    os.environ["EBOK_BILLING"] = "external"
    try:
        code, _, err = await ebok("bill", "--period", "2026-10", "--no-mail")
    finally:
        os.environ.pop("EBOK_BILLING")
    assert code != 0 and "EBOK_BILLING=external" in err


async def test_with_builtin_billing_documents_are_refused(machine, resident, settings):
    from backend.billing import services as billing
    from backend.core.errors import ApiError

    builtin = msgspec.structs.replace(settings, billing="builtin")
    with pytest.raises(ApiError) as caught:
        await billing.import_payments(builtin, [])
    assert caught.value.code == "billing_builtin"


async def test_the_command_line_imports_the_example_files(resident, tmp_path):
    await make_customer(number="700002")
    env = {"EBOK_BILLING": "external"}
    os.environ.update(env)
    try:
        code, out, err = await ebok("import", "documents", str(DOCS / "external-documents.csv"))
        assert code == 0, err + out
        assert "Imported 3 documents" in out
        code, out, err = await ebok("import", "documents", str(DOCS / "external-documents.csv"))
        assert code == 0 and "Imported 0 documents; 3 unchanged" in out
        code, out, err = await ebok("import", "payments", str(DOCS / "external-payments.csv"))
        assert code == 0 and "Imported 2 payments" in out, err + out
        code, out, err = await ebok("import", "payments", str(DOCS / "external-payments.csv"))
        assert code == 0 and "Imported 0 payments; 2 known already" in out
        bad = tmp_path / "bad.csv"
        bad.write_text("number;kind;customer_number;issue_date;due_date;gross;pdf\n"
                       "FV/X/1;invoice;700001;2026-11-02;2026-11-16;12,30;brak.pdf\n"
                       "FV/X/2;invoice;999999;2026-11-02;2026-11-16;12,30;" + str(DOCS / "external-invoice.pdf") + "\n",
                       encoding="utf-8")
        code, out, err = await ebok("import", "documents", str(bad))
        assert code != 0 and "line 2, column pdf" in out and "nothing was imported" in err
        (tmp_path / "brak.pdf").write_bytes(PDF)
        code, out, err = await ebok("import", "documents", str(bad))
        assert code != 0 and "line 3, column customer_number" in out and "(customer_unknown)" in out
    finally:
        for k in env:
            os.environ.pop(k)
    assert await Document.count() == 3
    assert await Payment.count() == 2


async def test_the_openapi_schema_documents_the_billing_endpoints_with_examples(machine):
    schema = (await machine.get("/api/schema/openapi.json")).json()
    for path, method in (("/api/integration/documents", "post"), ("/api/integration/payments", "post"),
                         ("/api/integration/payments", "get")):
        op = schema["paths"][path][method]
        assert op["security"] == [{"bearer": []}]
        assert op["responses"]["200"]["content"]["application/json"]["examples"], path
        if method == "post":
            assert op["requestBody"]["content"]["application/json"]["schema"]["examples"], path
            assert op["responses"]["422"]["content"]["application/json"]["examples"], path
