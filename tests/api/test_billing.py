"""Settlements over the API and the database: billing runs (idempotent, gap-free numbers, estimates,
garden sub-meters, corrections), balances, documents and PDFs (IDOR), transfer data and QR,
e-Faktura by e-mail, statements (CSV, MT940), unmatched payments, and the payment gateway."""

from __future__ import annotations

import asyncio
import io
import uuid
from datetime import UTC, date, datetime

import msgspec
import pytest
import zxingcpp
from PIL import Image
from pypdf import PdfReader

from backend.billing import nrb
from backend.billing.gateway.przelewy24 import notification_sign
from backend.billing.gateway.sandbox import MERCHANT_ID, POS_ID
from backend.billing.run import run_billing
from backend.billing.tables import Document, NumberSequence, OnlinePayment, Payment
from backend.billing.tariffs import add_tariff
from backend.core.outbox import Worker
from backend.customers.tables import Meter
from backend.readings.tables import Reading
from tests.support import log_in, make_customer, make_user


def utc(y, m, d, h=10):
    return datetime(y, m, d, h, tzinfo=UTC)


async def reading(meter_id, litres, when, source="resident", status="accepted"):
    r = Reading(meter=meter_id, value_litres=litres, captured_at=when, source=source, status=status)
    await Reading.insert(r)
    return str(r.id)


@pytest.fixture
async def billed(client, settings):
    """Ola (monthly, garden sub-meter) billed for September and October 2026; Piotr for October."""
    await add_tariff("Taryfa", date(2024, 1, 1), 344, 559, 386)
    ola = await make_customer(number="400001", email="ola@example.com")
    sub = uuid.uuid4()
    await Meter.insert(Meter(id=sub, service_point=ola["service_point_id"], serial="WD00000002", kind="sub",
                             installed_on=date(2024, 1, 1), verification_due=date(2029, 1, 1), digits=5))
    ola["sub_id"] = str(sub)
    await reading(ola["meter_id"], 100_000, utc(2026, 8, 28))
    await reading(str(sub), 5_000, utc(2026, 8, 28))
    await reading(ola["meter_id"], 110_000, utc(2026, 9, 28))
    await reading(str(sub), 7_000, utc(2026, 9, 28))
    await reading(ola["meter_id"], 125_000, utc(2026, 10, 29))
    await reading(str(sub), 7_500, utc(2026, 10, 29))
    piotr = await make_customer(number="400002", street="ul. Długa")
    await reading(piotr["meter_id"], 50_000, utc(2026, 9, 20))
    await reading(piotr["meter_id"], 53_000, utc(2026, 10, 20))
    await make_user(settings, "ola@example.com", customer_id=ola["id"])
    await make_user(settings, "piotr@example.com", customer_id=piotr["id"])
    s9 = await run_billing(settings, "2026-09", issue_date=date(2026, 10, 1), notify=False, reminders=False)
    s10 = await run_billing(settings, "2026-10", issue_date=date(2026, 11, 2), notify=False, reminders=False)
    assert (s9.invoices, s9.estimated, s10.invoices) == (2, 0, 2)  # Piotr's first reading opened his account
    return {"ola": ola, "piotr": piotr}


async def test_billing_run_issues_gap_free_numbers_and_nothing_twice(client, settings, billed):
    again = await run_billing(settings, "2026-10", issue_date=date(2026, 11, 3), notify=False)
    assert again.invoices == 0
    numbers = [r["number"] for r in await Document.select(Document.number).where(Document.kind == "invoice")
               .order_by(Document.number)]
    assert numbers == ["FV/2026/10/000001", "FV/2026/10/000002", "FV/2026/11/000001", "FV/2026/11/000002"]
    assert (await NumberSequence.select().where(NumberSequence.series == "FV/2026/11").first())["last"] == 2


async def test_reminder_once_for_an_overdue_invoice(client, settings, billed):
    from backend.billing.payments import issue_reminders

    assert await issue_reminders(settings, date(2026, 11, 2), "2026-10") == 2  # September's, due 15.10
    assert await issue_reminders(settings, date(2026, 11, 3), "2026-10") == 0
    await log_in(client, "ola@example.com")
    s = (await client.get("/api/settlements")).json()
    [rem] = [d for d in s["documents"] if d["kind"] == "reminder"]
    assert rem["number"] in ("UP/2026/11/000001", "UP/2026/11/000002")
    assert rem["gross_grosze"] == settings.reminder_fee_grosze
    detail = (await client.get(f"/api/settlements/documents/{rem['id']}")).json()
    september = next(d for d in s["documents"] if d["period_start"] == "2026-09-01")
    assert [i["number"] for i in detail["reminded"]] == [september["number"]] and detail["lines"][0]["vat_pct"] == -1


def pdf_text_and_qr(content: bytes) -> tuple[str, str | None]:
    """The text of a PDF's pages and the text of the QR code printed on it (None: no code)."""
    reader = PdfReader(io.BytesIO(content))
    text = "\n".join(p.extract_text() for p in reader.pages)
    codes = [c.text for p in reader.pages for img in p.images for c in zxingcpp.read_barcodes(img.image)]
    assert len(codes) <= 1
    return " ".join(text.replace("\u00a0", " ").split()), codes[0] if codes else None  # lines wrap anywhere


def zl(grosze: int) -> str:
    return f"{grosze // 100:,}".replace(",", " ") + f",{grosze % 100:02d} zł"


async def test_one_reminder_per_customer_and_pdfs_agree_with_the_ledger(client, settings, billed):
    """Ola's September and October invoices are both overdue when November is billed: one reminder
    lists both (one fee); after she pays September, every PDF says what the balances say."""
    nov = await run_billing(settings, "2026-11", issue_date=date(2026, 12, 5), notify=False)
    assert nov.reminders == 2  # Ola's and Piotr's: one each, whatever the number of their invoices
    again = await run_billing(settings, "2026-11", issue_date=date(2026, 12, 5), notify=False)
    assert again.reminders == 0
    await log_in(client, "ola@example.com")
    docs = (await client.get("/api/settlements")).json()["documents"]
    [rem] = [d for d in docs if d["kind"] == "reminder"]
    september, october = sorted((d for d in docs if d["kind"] == "invoice" and d["period_start"] < "2026-11"),
                                key=lambda d: d["period_start"])
    assert rem["gross_grosze"] == settings.reminder_fee_grosze

    staff = await make_user(settings, "staff@example.com", role="staff")
    assert staff
    await log_in(client, "staff@example.com")
    account = nrb.format_nrb(nrb.customer_account(settings, "400001"))
    paid = september["gross_grosze"]
    csv_text = ("Data księgowania;Kwota;Rachunek odbiorcy;Nadawca;Tytuł;Identyfikator\n"
                f"2026-12-06;{paid // 100},{paid % 100:02d};{account};Ola;{september['number']};TX9\n")
    r = await client.post("/api/staff/billing/statements", files={"file": ("w.csv", csv_text.encode(), "text/csv")})
    assert r.json()["matched"] == 1, r.text

    await log_in(client, "ola@example.com")
    ledger = {d["id"]: d for d in (await client.get("/api/settlements")).json()["documents"]}
    assert ledger[september["id"]]["remaining_grosze"] == 0
    left = ledger[october["id"]]["remaining_grosze"]
    assert left == october["gross_grosze"] > 0

    async def pdf(doc):
        r = await client.get(f"/api/settlements/documents/{doc['id']}/pdf")
        assert r.status_code == 200
        return pdf_text_and_qr(r.content)

    async def transfer(doc):
        return (await client.get(f"/api/settlements/transfer?document_id={doc['id']}")).json()

    # the paid invoice: what was paid, nothing to pay, no code and no word of one
    text, code = await pdf(september)
    assert f"Zapłacono: {zl(paid)}" in text and "Do zapłaty" not in text
    assert code is None and "QR" not in text and (await transfer(september))["amount_grosze"] == 0

    # the open invoice: its remaining amount, in words and in the code
    text, code = await pdf(october)
    assert f"Do zapłaty: {zl(left)}" in text and code is not None
    assert code.split("|")[3] == f"{left:06d}" and (await transfer(october))["amount_grosze"] == left

    # the reminder: both invoices as owed when it was issued and as left now; the sum it demands
    # (October's remainder and its fee) in words, in the code, in the transfer data and online
    text, code = await pdf(rem)
    fee = settings.reminder_fee_grosze
    owed = september["gross_grosze"] + october["gross_grosze"]
    assert september["number"] in text and october["number"] in text
    assert f"zaległości w kwocie {zl(owed)}" in text and f"kosztem upomnienia {zl(fee)}" in text
    assert f"Do zapłaty: {zl(left + fee)}" in text
    assert code is not None and code.split("|")[3] == f"{left + fee:06d}"
    t = await transfer(rem)
    assert t["amount_grosze"] == left + fee and t["title"] == rem["number"]
    detail = (await client.get(f"/api/settlements/documents/{rem['id']}")).json()
    assert [(i["number"], i["owed_grosze"], i["remaining_grosze"]) for i in detail["reminded"]] == [
        (september["number"], september["gross_grosze"], 0), (october["number"], october["gross_grosze"], left)]
    assert detail["to_pay_grosze"] == left + fee
    r = await client.post("/api/settlements/payments", json={"customer_id": billed["ola"]["id"],
                                                            "document_ids": [rem["id"]]})
    assert r.status_code == 201, r.text
    assert (await OnlinePayment.select().first())["amount_grosze"] == left + fee


async def test_invoice_lines_readings_and_garden(client, settings, billed):
    await log_in(client, "ola@example.com")
    s = (await client.get("/api/settlements")).json()
    assert [d["number"][:11] for d in s["documents"]] == ["FV/2026/11/", "FV/2026/10/"]  # newest first
    doc = (await client.get(f"/api/settlements/documents/{s['documents'][0]['id']}")).json()
    # October: 15 m³ water, garden 0,5 m³ -> 14,5 m³ sewage; fee for two meters
    assert [(x["kind"], x["quantity"], x["net_grosze"], x["gross_grosze"]) for x in doc["lines"]] == [
        ("water", 15_000, 5160, 5573), ("sewage", 14_500, 8106, 8754), ("fee", 2000, 772, 834)]
    assert doc["document"]["gross_grosze"] == 5573 + 8754 + 834
    assert sorted((m["kind"], m["previous_litres"], m["current_litres"], m["source"]) for m in doc["meters"]) == [
        ("main", 110_000, 125_000, "resident"), ("sub", 7_000, 7_500, "resident")]
    assert doc["document"]["due_date"] == "2026-11-16" and not doc["document"]["estimated"]


async def test_estimate_when_no_reading_then_corrected_by_the_next_real_one(client, settings, billed):
    piotr = billed["piotr"]
    nov = await run_billing(settings, "2026-11", issue_date=date(2026, 12, 1), notify=False)
    assert nov.estimated >= 1
    doc = await Document.select().where((Document.customer == piotr["id"]) & (Document.period == "2026-11")).first()
    assert doc["estimated"]
    await reading(piotr["meter_id"], 60_000, utc(2026, 12, 20))
    await run_billing(settings, "2026-12", issue_date=date(2027, 1, 2), notify=False)
    await log_in(client, "piotr@example.com")
    docs = (await client.get("/api/settlements")).json()["documents"]
    details = [(await client.get(f"/api/settlements/documents/{d['id']}")).json() for d in docs if d["kind"] == "invoice"]
    by_period = {d["document"]["period_end"][:7]: d for d in details}
    est, real = by_period["2026-11"]["meters"][0], by_period["2026-12"]["meters"][0]
    assert est["source"] == "estimate" and est["estimated"]
    assert real["previous_litres"] == est["current_litres"] and real["current_litres"] == 60_000
    assert est["consumption_litres"] + real["consumption_litres"] == 60_000 - 53_000


async def test_correction_when_a_reading_is_corrected(client, settings, billed):
    ola = billed["ola"]
    bad = await Reading.select().where((Reading.meter == ola["meter_id"]) & (Reading.value_litres == 125_000)).first()
    await Reading.update({Reading.status: "rejected"}).where(Reading.id == bad["id"])
    await reading(ola["meter_id"], 121_000, utc(2026, 10, 30))
    inv = await Document.select().where((Document.customer == ola["id"]) & (Document.period == "2026-10")).first()
    staff = await make_user(settings, "staff@example.com", role="staff")
    assert staff
    await log_in(client, "staff@example.com")
    r = await client.post(f"/api/staff/billing/documents/{inv['id']}/correct")
    assert r.status_code == 201, r.text
    cor = r.json()
    assert cor["document"]["kind"] == "correction" and cor["document"]["number"] == "KOR/" + date.today().strftime(
        "%Y/%m") + "/000001" and cor["refers_to"] == inv["number"]
    # 4 m³ less water and sewage
    assert [(x["kind"], x["quantity"], x["net_grosze"]) for x in cor["lines"]] == [
        ("water", -4000, -1376), ("sewage", -4000, -2236)]
    again = await client.post(f"/api/staff/billing/documents/{inv['id']}/correct")
    assert again.status_code == 409 and again.json()["code"] == "nothing_to_correct"


async def test_idor_documents_pdfs_transfer_and_payments(client, settings, billed):
    piotr_doc = await Document.select().where(Document.customer == billed["piotr"]["id"]).first()
    await log_in(client, "ola@example.com")
    for url in (f"/api/settlements/documents/{piotr_doc['id']}", f"/api/settlements/documents/{piotr_doc['id']}/pdf",
                f"/api/settlements/transfer?document_id={piotr_doc['id']}",
                f"/api/settlements/transfer/qr.svg?customer_id={billed['piotr']['id']}",
                f"/api/settlements/documents/{uuid.uuid4()}", "/api/settlements/documents/not-a-uuid/pdf"):
        r = await client.get(url)
        assert r.status_code == 404 and r.json()["code"] == "not_found", url
    r = await client.post("/api/settlements/payments", json={"customer_id": billed["piotr"]["id"]})
    assert r.status_code == 404
    r = await client.post("/api/settlements/payments", json={"customer_id": billed["ola"]["id"],
                                                            "document_ids": [str(piotr_doc["id"])]})
    assert r.status_code == 404
    assert all(d["customer_number"] == "400001" for d in (await client.get("/api/settlements")).json()["documents"])


async def test_pdf_has_polish_text_and_the_qr_code(client, settings, billed):
    await log_in(client, "ola@example.com")
    doc = (await client.get("/api/settlements")).json()["documents"][0]
    r = await client.get(f"/api/settlements/documents/{doc['id']}/pdf")
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    text = PdfReader(io.BytesIO(r.content)).pages[0].extract_text()
    t = (await client.get(f"/api/settlements/transfer?document_id={doc['id']}")).json()
    for expected in (f"Faktura VAT nr {doc['number']}", "Odprowadzanie ścieków", "Wodociągi Demo",
                     "Opłata abonamentowa", "Dostawa wody", t["account_display"], "Do zapłaty"):
        assert expected in text, expected
    assert t["account"] == nrb.customer_account(settings, "400001") and t["amount_grosze"] == doc["remaining_grosze"]
    assert t["qr_payload"] == (f"{settings.utility_nip}|PL|{t['account']}|{doc['remaining_grosze']:06d}|"
                               f"Wodociągi Demo|{doc['number']}|||")
    svg = await client.get(t["qr_url"])
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")


async def test_balance_on_dashboard_and_settlements(client, settings, billed):
    await log_in(client, "ola@example.com")
    s = (await client.get("/api/settlements")).json()
    total = sum(d["gross_grosze"] for d in s["documents"])
    assert s["balance"]["total_grosze"] == total and s["balance"]["overdue_grosze"] == total  # both past due now
    assert all(d["overdue"] for d in s["documents"])
    dash = (await client.get("/api/dashboard")).json()
    assert dash["balance"] == s["balance"]


async def test_statements_csv_and_mt940_matched_once(client, settings, billed):
    ola_acc, piotr_acc = nrb.customer_account(settings, "400001"), nrb.customer_account(settings, "400002")
    csv_text = ("Data księgowania;Kwota;Rachunek odbiorcy;Nadawca;Tytuł;Identyfikator\n"
                f"2026-11-05;50,00;{nrb.format_nrb(ola_acc)};Ola Testowa;FV/2026/10/000001;TX1\n"
                "2026-11-05;-10,00;;Bank;Opłata;TX2\n"
                "2026-11-06;12,34;11 1020 3040 0000 0000 0000 0001;Ktoś;wpłata bez rachunku;TX3\n")
    staff = await make_user(settings, "staff@example.com", role="staff")
    assert staff
    await log_in(client, "staff@example.com")

    async def upload(name, content):
        return await client.post("/api/staff/billing/statements",
                                 files={"file": (name, content, "application/octet-stream")})

    r = await upload("wyciag.csv", csv_text.encode("cp1250"))
    assert r.status_code == 201, r.text
    assert (r.json()["credits"], r.json()["matched"], r.json()["unmatched"]) == (2, 1, 1)
    again = await upload("wyciag-kopia.csv", csv_text.encode("cp1250"))
    assert again.json()["already_imported"] and await Payment.count() == 2
    mt940 = (":20:ST1\n:25:/PL61109010140000071219812874\n:28C:1/1\n:60F:C261101PLN0,00\n"
             ":61:2611071107CN000000000100,00S05100001//B1\n"
             f":86:051~00912~20FV/2026/11/000002~3010901014~31{piotr_acc}~32PIOTR~33TESTOWY\n"
             ":61:2611071107CN000000000050,00S05100002//B0\n"  # the same credit as in the CSV? no: own ref
             f":86:051~20nadpłata~31{ola_acc}~32OLA\n"
             ":62F:C261107PLN150,00\n-\n")
    r = await upload("wyciag.sta", mt940.encode())
    assert (r.json()["fmt"], r.json()["matched"], r.json()["unmatched"]) == ("mt940", 2, 0), r.text
    # the same credit in an overlapping statement (other file) is not recorded twice
    r = await upload("wyciag2.sta", (mt940 + "\n").encode())
    assert r.json()["duplicates"] == 2 and not r.json()["already_imported"]

    unmatched = (await client.get("/api/staff/billing/unmatched")).json()
    assert [u["amount_grosze"] for u in unmatched] == [1234]
    r = await client.post(f"/api/staff/billing/unmatched/{unmatched[0]['id']}/assign", json={"customer_number": "400002"})
    assert r.status_code == 200 and (await client.get("/api/staff/billing/unmatched")).json() == []

    await log_in(client, "ola@example.com")
    s = (await client.get("/api/settlements")).json()
    assert s["balance"]["total_grosze"] == sum(d["gross_grosze"] for d in s["documents"]) - 10_000
    oldest, newest = sorted(s["documents"], key=lambda d: d["due_date"])
    assert oldest["remaining_grosze"] == 0  # allocated to the oldest first, the rest to the next
    assert newest["remaining_grosze"] == newest["gross_grosze"] - (10_000 - oldest["gross_grosze"])


async def test_the_same_statement_from_two_tabs_at_once(client, settings, billed):
    """Both imports find no earlier one; the second to write gets the first one's import back."""
    await make_user(settings, "staff@example.com", role="staff")
    await log_in(client, "staff@example.com")
    csv_text = ("Data księgowania;Kwota;Rachunek odbiorcy;Nadawca;Tytuł;Identyfikator\n"
                "2026-11-06;12,34;11 1020 3040 0000 0000 0000 0001;Ktoś;wpłata bez rachunku;TX3\n").encode()
    both = await asyncio.gather(*(client.post("/api/staff/billing/statements",
                                              files={"file": (name, csv_text, "text/csv")}) for name in ("a", "b")))
    assert sorted(r.status_code for r in both) == [201, 201], [r.text for r in both]
    assert sorted(r.json()["already_imported"] for r in both) == [False, True]
    assert len({r.json()["id"] for r in both}) == 1 and await Payment.count() == 1


async def test_resident_cannot_use_staff_billing(client, settings, billed):
    await log_in(client, "ola@example.com")
    assert (await client.post("/api/staff/billing/runs", json={"period": "2026-10"})).status_code == 404
    assert (await client.get("/api/staff/billing/unmatched")).status_code == 404


async def test_staff_run_button_refuses_an_unfinished_period(client, settings, billed):
    await make_user(settings, "staff@example.com", role="staff")
    await log_in(client, "staff@example.com")
    r = await client.post("/api/staff/billing/runs", json={"period": "2099-01"})
    assert r.status_code == 409 and r.json()["code"] == "period_not_ended"
    r = await client.post("/api/staff/billing/runs", json={"period": "2026-10"})
    assert r.status_code == 201 and r.json()["invoices"] == 0
    assert (await client.get("/api/staff/billing/runs")).json()[0]["period"] == "2026-10"


async def test_office_adds_a_tariff_after_the_invoiced_periods(client, settings, billed):
    await log_in(client, "ola@example.com")
    assert (await client.get("/api/staff/billing/tariffs")).status_code == 404
    await make_user(settings, "staff@example.com", role="staff")
    await log_in(client, "staff@example.com")
    listed = (await client.get("/api/staff/billing/tariffs")).json()
    assert [(t["name"], t["valid_from"], t["valid_to"]) for t in listed["tariffs"]] == [("Taryfa", "2024-01-01", None)]
    assert listed["billed_until"] == "2026-10-31"
    good = {"name": "Taryfa 2027", "valid_from": "2027-01-01", "water": "3,61", "sewage": "5.87 zł", "fee": "4,05",
            "vat_pct": 8}

    async def refused(status, code, field, **changes):
        r = await client.post("/api/staff/billing/tariffs", json={**good, **changes})
        assert (r.status_code, r.json()["code"], r.json()["field"]) == (status, code, field), r.text
        return r.json()

    assert (await refused(409, "tariff_period_billed", "valid_from", valid_from="2026-10-15"))["params"] == {
        "date": "2026-11-01"}  # invoices already cover that day: the office is told the first day it may use
    await refused(400, "price_invalid", "water", water="3,445")
    await refused(400, "price_invalid", "fee", fee="-4")
    await refused(400, "price_invalid", "sewage", sewage="5000")
    await refused(400, "vat_invalid", "vat_pct", vat_pct=7)
    await refused(400, "date_invalid", "valid_from", valid_from="2027-13-01")
    await refused(400, "field_required", "name", name="  ")
    assert len((await client.get("/api/staff/billing/tariffs")).json()["tariffs"]) == 1  # nothing half-saved

    r = await client.post("/api/staff/billing/tariffs", json=good)
    assert r.status_code == 201, r.text
    assert (r.json()["water_grosze_per_m3"], r.json()["sewage_grosze_per_m3"], r.json()["fee_grosze_per_meter_month"]) \
        == (361, 587, 405)
    listed = (await client.get("/api/staff/billing/tariffs")).json()["tariffs"]
    assert [(t["name"], t["valid_from"], t["valid_to"]) for t in listed] == [
        ("Taryfa 2027", "2027-01-01", None), ("Taryfa", "2024-01-01", "2026-12-31")]  # the old one ends the day before
    await refused(409, "tariff_not_after_latest", "valid_from", valid_from="2026-12-01")

    # a mistaken future tariff can be taken back; the one before is in force again
    old_id, new_id = listed[1]["id"], listed[0]["id"]
    assert (await client.delete(f"/api/staff/billing/tariffs/{old_id}")).json()["code"] == "tariff_not_latest"
    assert (await client.delete(f"/api/staff/billing/tariffs/{uuid.uuid4()}")).status_code == 404
    assert (await client.delete(f"/api/staff/billing/tariffs/{new_id}")).status_code == 204
    listed = (await client.get("/api/staff/billing/tariffs")).json()["tariffs"]
    assert [(t["name"], t["valid_to"]) for t in listed] == [("Taryfa", None)]
    r = await client.delete(f"/api/staff/billing/tariffs/{old_id}")  # invoices use it: it stays
    assert (r.status_code, r.json()["code"]) == (409, "tariff_in_use")
    await log_in(client, "ola@example.com")
    assert (await client.delete(f"/api/staff/billing/tariffs/{old_id}")).status_code == 404


def signed(settings, session_id, amount, order_id=77):
    body = {"merchantId": MERCHANT_ID, "posId": POS_ID, "sessionId": session_id, "amount": amount,
            "originAmount": amount, "currency": "PLN", "orderId": order_id, "methodId": 25, "statement": "p24"}
    body["sign"] = notification_sign(body, settings.sandbox_gateway_crc)
    return body


async def test_gateway_notification_signature_replay_and_amount(client, settings, billed):
    await log_in(client, "ola@example.com")
    s = (await client.get("/api/settlements")).json()
    doc = s["documents"][0]
    r = await client.post("/api/settlements/payments", json={"customer_id": billed["ola"]["id"],
                                                            "document_ids": [doc["id"]]})
    assert r.status_code == 201, r.text
    started = r.json()
    row = await OnlinePayment.select().where(OnlinePayment.id == started["id"]).first()
    amount = doc["remaining_grosze"]
    assert row["amount_grosze"] == amount and started["redirect_url"].startswith("/platnosc-testowa?token=")

    async def notify(body):  # the gateway calls without session or CSRF token
        return await client.post("/api/payments/notify/sandbox", content=msgspec.json.encode(body),
                                 headers={"X-CSRFToken": "", "content-type": "application/json"})

    client.cookies.clear()
    wrong = signed(settings, row["session_id"], amount)
    wrong["sign"] = "0" * 96
    assert (await notify(wrong)).json()["code"] == "notification_invalid"
    tampered = {**signed(settings, row["session_id"], amount), "amount": amount - 1}
    assert (await notify(tampered)).status_code == 400
    assert (await notify(signed(settings, row["session_id"], amount - 100))).json()["code"] == "amount_mismatch"
    assert await Payment.count() == 0
    ok = signed(settings, row["session_id"], amount)
    assert (await notify(ok)).status_code == 200
    assert (await notify(ok)).status_code == 200  # a replay changes nothing
    assert await Payment.count() == 1
    await client.get("/api/config")
    client.headers["X-CSRFToken"] = client.cookies["csrftoken"]
    await log_in(client, "ola@example.com")
    assert (await client.get(f"/api/settlements/payments/{started['id']}")).json()["status"] == "paid"
    after = (await client.get("/api/settlements")).json()
    assert after["balance"]["total_grosze"] == s["balance"]["total_grosze"] - amount
    assert next(d for d in after["documents"] if d["id"] == doc["id"])["remaining_grosze"] == 0


async def test_sandbox_gateway_pages_and_the_redirect_proves_nothing(client, settings, billed):
    await log_in(client, "ola@example.com")
    started = (await client.post("/api/settlements/payments", json={"customer_id": billed["ola"]["id"]})).json()
    token = started["redirect_url"].split("token=")[1]
    # coming back without paying: still pending, balance unchanged
    assert (await client.get(f"/api/settlements/payments/{started['id']}")).json()["status"] == "pending"
    page = (await client.get(f"/api/sandbox-gateway/{token}")).json()
    assert page["merchant"] == "Wodociągi Demo" and page["status"] == "pending"
    r = await client.post(f"/api/sandbox-gateway/{token}", json={"outcome": "paid"})
    assert r.json()["redirect_url"] == f"/rozliczenia?platnosc={started['id']}"
    assert (await client.get(f"/api/settlements/payments/{started['id']}")).json()["status"] == "paid"
    assert (await client.get("/api/settlements")).json()["balance"]["total_grosze"] == 0
    assert (await client.get("/api/sandbox-gateway/unknown-token")).status_code == 404


async def test_einvoice_consent_history_and_pdf_by_mail(client, settings, smtp_server, billed):
    await log_in(client, "ola@example.com")
    r = await client.put("/api/settlements/einvoice", json={"customer_id": billed["ola"]["id"], "granted": True})
    assert r.status_code == 200 and r.json()["granted"] and r.json()["email"] == "ola@example.com"
    await client.put("/api/settlements/einvoice", json={"customer_id": billed["ola"]["id"], "granted": False})
    r = await client.put("/api/settlements/einvoice", json={"customer_id": billed["ola"]["id"], "granted": True})
    assert [h["granted"] for h in r.json()["history"]] == [True, False, True]
    other = await client.put("/api/settlements/einvoice", json={"customer_id": billed["piotr"]["id"], "granted": True})
    assert other.status_code == 404
    await reading(billed["ola"]["meter_id"], 130_000, utc(2026, 11, 27))
    await run_billing(settings, "2026-11", issue_date=date(2026, 12, 1))
    worker = Worker({k: v for k, v in __import__("backend.app", fromlist=["x"]).outbox_handlers(settings).items()})
    while await worker.run_once():
        pass
    [msg] = await smtp_server.wait_for("ola@example.com")
    number = (await Document.select(Document.number).where(
        (Document.customer == billed["ola"]["id"]) & (Document.period == "2026-11")).first())["number"]
    assert f"e-Faktura {number}" in msg["Subject"]
    [att] = list(msg.iter_attachments())
    assert att.get_filename() == number.replace("/", "-") + ".pdf" and att.get_content_type() == "application/pdf"
    assert "Faktura VAT" in PdfReader(io.BytesIO(att.get_content())).pages[0].extract_text()
    assert smtp_server.to("piotr@example.com") == []  # no consent: paper


async def test_qr_of_the_total_decodes(client, settings, billed):
    await log_in(client, "ola@example.com")
    t = (await client.get(f"/api/settlements/transfer?customer_id={billed['ola']['id']}")).json()
    assert t["title"] == "Klient 400001 saldo"
    from backend.billing import qr

    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(qr.png(t["qr_payload"]))))
    assert decoded[0].text.split("|")[2:4] == [t["account"], f"{t['amount_grosze']:06d}"]


async def test_billing_history_counts_every_reminder_issued(client, settings):
    """The demo's reminders come after its back-dated runs; the history counted them nowhere
    ("upomnień 0" beside the reminders the residents had)."""
    from backend.demo.load import load_demo

    await load_demo(5, today=date(2026, 12, 1))
    issued = await Document.count().where(Document.kind == "reminder")
    assert issued > 0
    await log_in(client, "biuro@example.com", "demo-ebok-2026")
    runs = (await client.get("/api/staff/billing/runs")).json()
    assert sum(r["reminders"] for r in runs) == issued


async def test_price_list_is_public_with_net_gross_and_earlier_tariffs(client):
    from datetime import timedelta

    from backend.core.clock import today_in_warsaw

    today = today_in_warsaw()
    await add_tariff("Taryfa 2023", today - timedelta(days=800), 310, 500, 350, valid_to=today - timedelta(days=400))
    await add_tariff("Taryfa bieżąca", today - timedelta(days=399), 344, 559, 386, valid_to=today + timedelta(days=30))
    await add_tariff("Taryfa zapowiedziana", today + timedelta(days=31), 361, 587, 405)
    r = await client.get("/api/price-list")  # nobody logged in: the law has the prices published
    assert r.status_code == 200
    listed = r.json()["tariffs"]
    assert [(t["name"], t["status"]) for t in listed] == [
        ("Taryfa zapowiedziana", "future"), ("Taryfa bieżąca", "current"), ("Taryfa 2023", "past")]
    current = listed[1]
    assert current["valid_to"] == (today + timedelta(days=30)).isoformat()
    # 3,44 zł + 8 % = 3,7152 → 3,72 zł; 5,59 + 8 % = 6,0372 → 6,04; 3,86 + 8 % = 4,1688 → 4,17
    assert current["water_per_m3"] == {"net_grosze": 344, "vat_pct": 8, "gross_grosze": 372}
    assert current["sewage_per_m3"] == {"net_grosze": 559, "vat_pct": 8, "gross_grosze": 604}
    assert current["fee_per_meter_month"] == {"net_grosze": 386, "vat_pct": 8, "gross_grosze": 417}
    assert listed[0]["valid_to"] is None


async def test_a_statement_import_that_crashes_midway_notices_what_it_booked_and_finishes_once(client, settings,
                                                                                              billed):
    """600 credits; the database refuses the 550th (a trigger standing in for a full disk or a lost
    connection): the first part stays booked with its customers' notices, and importing the file
    again books the rest — no payment twice, no notice twice."""
    from backend.billing import statements
    from backend.core.db import is_postgres
    from backend.core.tables import OutboxJob
    ola_acc, piotr_acc = nrb.customer_account(settings, "400001"), nrb.customer_account(settings, "400002")
    lines = ["Data księgowania;Kwota;Rachunek odbiorcy;Nadawca;Tytuł;Identyfikator"]
    for n in range(600):
        account = nrb.format_nrb(ola_acc if n % 2 else piotr_acc) if n % 5 else "11 1020 3040 0000 0000 0000 0001"
        lines.append(f"2026-11-05;{1 + n // 100},{n % 100:02d};{account};Wpłacający;wpłata {n};TX{n}")
    data = ("\n".join(lines) + "\n").encode()
    crash_at = 5 * 100 + 50  # the 551st credit: 6,50 zł, in the second part
    if is_postgres():
        await Payment.raw("CREATE FUNCTION refuse_payment() RETURNS trigger AS $$ BEGIN "
                          f"IF NEW.amount_grosze = {100 + crash_at} THEN RAISE EXCEPTION 'disk full'; END IF; "
                          "RETURN NEW; END $$ LANGUAGE plpgsql")
        await Payment.raw("CREATE TRIGGER refuse_payment BEFORE INSERT ON payment FOR EACH ROW "
                          "EXECUTE FUNCTION refuse_payment()")
    else:
        await Payment.raw(f"CREATE TRIGGER refuse_payment BEFORE INSERT ON payment WHEN NEW.amount_grosze = "
                          f"{100 + crash_at} BEGIN SELECT RAISE(ABORT, 'disk full'); END")

    async def noticed() -> list[str]:
        jobs = await OutboxJob.select().where(OutboxJob.kind == "notice_fanout").output(load_json=True)
        return [e["ref"] for j in jobs for e in j["payload"]["events"] if e["kind"] == "payment"]

    async def booked_to_customers() -> set[str]:
        return {str(p["id"]) for p in await Payment.select(Payment.id).where(
            (Payment.source == "bank") & Payment.customer.is_not_null())}

    try:
        with pytest.raises(Exception, match="disk full"):
            await statements.import_statement(settings, "wyciag.csv", data, None)
    finally:
        await Payment.raw("DROP TRIGGER refuse_payment" + (" ON payment" if is_postgres() else ""))
    first = await booked_to_customers()
    assert await Payment.count().where(Payment.source == "bank") == 500
    assert sorted(await noticed()) == sorted(first) and len(first) == 400  # every 5th has no account of ours

    again = await statements.import_statement(settings, "wyciag.csv", data, None)
    assert (again.credits, again.matched, again.unmatched, again.duplicates) == (600, 480, 120, 0)
    refs = await noticed()
    assert len(refs) == len(set(refs)) and set(refs) == await booked_to_customers()
    assert len(refs) == 480 and await Payment.count().where(Payment.source == "bank") == 600
    third = await statements.import_statement(settings, "wyciag.csv", data, None)
    assert third.already_imported and third.matched == 480
    assert sorted(await noticed()) == sorted(refs) and await Payment.count().where(Payment.source == "bank") == 600
