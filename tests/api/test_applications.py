"""Applications (wnioski) over the API: each kind's fields and the deadline the law gives, the filing
confirmed in writing (a PDF with the date, e-mailed), exactly once per Idempotency-Key, the office's
queue by deadline, one extension with a reason, answer, close, the resident told without the content,
and nobody sees another customer's application or attachment."""

from __future__ import annotations

import asyncio
import io
import json
import uuid
from datetime import date, datetime, timedelta

import pytest
from pypdf import PdfReader

from backend.applications import kinds
from backend.applications.tables import Application
from backend.core.clock import local_day
from backend.customers.tables import Meter
from tests.pdfs import eicar_pdf, jpeg, real_pdf
from tests.support import log_in, make_customer, make_user

CONNECTION = {
    "applicant_name": "Anna Nowak", "applicant_address": "ul. Zielona 5, 19-400 Olecko",
    "property_address": "ul. Polna 12, 19-400 Olecko", "plot_number": "123/4", "building": "single_family",
    "property_use": "dom mieszkalny", "connection": "both", "water_demand": "0,8",
    "water_purpose": "bytowe", "sewage_amount": "0,8", "sewage_kind": "domestic", "planned_start": "2027-05-01",
}


async def file(client, customer_id, kind, fields, files=None, key=None):
    data = {"customer_id": customer_id, "kind": kind, "fields": json.dumps(fields)}
    return await client.post("/api/applications", data=data, files=files,
                             headers={"Idempotency-Key": key or str(uuid.uuid4())})


def text_of(mail):
    return mail.get_body(preferencelist=("plain",)).get_content()


async def mail_to(smtp_server, address, starts, containing=""):
    for _ in range(200):
        found = [m for m in smtp_server.to(address) if m["Subject"].startswith(starts) and containing in text_of(m)]
        if found:
            return found[-1]
        await asyncio.sleep(0.05)
    raise AssertionError(f"no mail to {address} starting {starts!r}")


@pytest.fixture
async def people(client, settings):
    a, b = await make_customer(number="700001", name="Anna Nowak"), await make_customer(number="700002")
    await make_user(settings, "a@example.com", customer_id=a["id"], name="Anna Nowak")
    await make_user(settings, "b@example.com", customer_id=b["id"])
    await make_user(settings, "staff@example.com", role="staff", name="Ewa Biuro")
    return a, b


def test_deadlines_follow_the_law_and_the_regulations():
    single = kinds.answer_days("connection_conditions", {"building": "single_family"}, 14, 30)
    other = kinds.answer_days("connection_conditions", {"building": "multi_family"}, 14, 30)
    assert (single, other) == (21, 45)
    assert kinds.answer_days("complaint", {}, 14, 30) == 14 and kinds.answer_days("meter_check", {}, 14, 30) == 30
    # the day of filing is not counted: filed on 31 January, 21 days end on 21 February
    assert kinds.due_on(date(2027, 1, 31), 21) == date(2027, 2, 21)
    assert kinds.days_left(date(2027, 2, 21), date(2027, 2, 21)) == 0
    assert kinds.days_left(date(2027, 2, 21), date(2027, 2, 23)) == -2


def test_fields_are_checked_per_kind():
    assert kinds.clean("connection_conditions", CONNECTION)["water_demand"] == "0,8"
    water_only = {**CONNECTION, "connection": "water"}
    del water_only["sewage_amount"], water_only["sewage_kind"]
    assert "sewage_kind" not in kinds.clean("connection_conditions", water_only)
    for broken, code, field in [
        ({**CONNECTION, "water_demand": ""}, "field_required", "water_demand"),
        ({**CONNECTION, "water_demand": "dużo"}, "invalid_number", "water_demand"),
        ({**CONNECTION, "building": "castle"}, "invalid_request", "building"),
        ({**CONNECTION, "planned_start": "2027-02-30"}, "invalid_date", "planned_start"),
        ({**CONNECTION, "applicant_name": "  "}, "field_required", "applicant_name"),
        ({**CONNECTION, "pesel": "1"}, "invalid_request", "pesel"),
        ({**CONNECTION, "applicant_name": "Anna\x00"}, "invalid_request", "applicant_name"),
    ]:
        with pytest.raises(kinds.Invalid) as err:
            kinds.clean("connection_conditions", broken)
        assert (err.value.code, err.value.field) == (code, field)
    with pytest.raises(kinds.Invalid):
        kinds.clean("complaint", {"subject": "invoice"})  # no description


async def test_connection_conditions_filed_confirmed_extended_and_answered(client, people, settings, smtp_server):
    a, _ = people
    await log_in(client, "a@example.com")
    r = await file(client, a["id"], "connection_conditions", CONNECTION)
    assert r.status_code == 400 and r.json()["code"] == "site_plan_required"  # art. 19a ust. 5

    plan = [("attachment", ("szkic.pdf", real_pdf(), "application/pdf")),
            ("attachment", ("dzialka.jpg", jpeg(), "image/jpeg"))]
    r = await file(client, a["id"], "connection_conditions", CONNECTION, files=plan)
    assert r.status_code == 201, r.text
    app = r.json()
    filed_day = local_day(datetime.fromisoformat(app["filed_at"]))
    assert app["number"] == f"WN/{filed_day.year}/00001" and app["status"] == "filed"
    assert app["due_on"] == (filed_day + timedelta(days=21)).isoformat() and app["days_left"] == 21
    assert sorted(x["kind"] for x in app["attachments"]) == ["pdf", "photo"]

    mail = await mail_to(smtp_server, "a@example.com", "Potwierdzenie złożenia wniosku")
    assert app["number"] in mail["Subject"]
    [attached] = [p for p in mail.iter_attachments()]
    confirmation = PdfReader(io.BytesIO(attached.get_content())).pages[0].extract_text()
    assert app["number"] in confirmation and f"{filed_day:%d.%m.%Y}" in confirmation
    assert "budynek mieszkalny jednorodzinny" in confirmation and "Termin odpowiedzi" in confirmation
    office = await mail_to(smtp_server, settings.office_email, "[e-BOK] Wniosek o wydanie warunków")
    assert "700001" in office["Subject"]
    r = await client.get(f"/api/applications/{app['id']}/confirmation")
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    assert app["number"] in PdfReader(io.BytesIO(r.content)).pages[0].extract_text()

    await log_in(client, "staff@example.com")
    queue = (await client.get("/api/staff/applications")).json()
    assert [q["id"] for q in queue] == [app["id"]]
    r = await client.post(f"/api/staff/applications/{app['id']}/extend", json={"reason": "Potrzebna wizja lokalna."})
    assert r.status_code == 200 and r.json()["status"] == "extended"
    assert r.json()["due_on"] == (filed_day + timedelta(days=42)).isoformat()  # once more by 21 days
    r = await client.post(f"/api/staff/applications/{app['id']}/extend", json={"reason": "Jeszcze raz"})
    assert r.status_code == 409 and r.json()["code"] == "already_extended"
    await mail_to(smtp_server, "a@example.com", "Zmiana w sprawie wniosku", "przedłużony do")

    r = await client.post(f"/api/staff/applications/{app['id']}/close")
    assert r.status_code == 409 and r.json()["code"] == "application_not_answered"
    answer = "Warunki przyłączenia w załączeniu do odbioru w BOK; przyłącze od ul. Polnej."
    r = await client.post(f"/api/staff/applications/{app['id']}/answer", json={"answer": answer})
    assert r.status_code == 200 and r.json()["status"] == "answered"
    told = await mail_to(smtp_server, "a@example.com", "Zmiana w sprawie wniosku", "odpowiedziało")
    assert "Polnej" not in text_of(told)  # the content stays in the e-BOK

    await log_in(client, "a@example.com")
    mine = (await client.get("/api/applications")).json()
    assert mine[0]["unread"] is True and mine[0]["extension_reason"] == "Potrzebna wizja lokalna."
    seen = (await client.get(f"/api/applications/{app['id']}")).json()
    assert seen["answer"] == answer and seen["unread"] is False

    await log_in(client, "staff@example.com")
    r = await client.post(f"/api/staff/applications/{app['id']}/close")
    assert r.status_code == 200 and r.json()["status"] == "closed"
    assert (await client.get("/api/staff/applications")).json() == []  # no longer open
    trail = (await client.get(f"/api/staff/audit?object_id={app['id']}")).json()["entries"]
    assert sorted(e["action"] for e in trail) == ["application.answer", "application.close", "application.extend"]
    assert len((await client.get("/api/staff/applications?status=all")).json()) == 1


async def test_the_same_key_files_once_and_other_content_is_refused(client, people):
    a, _ = people
    await log_in(client, "a@example.com")
    fields = {"subject": "invoice", "reference": "FV/2026/10/000001", "description": "Za dużo m³."}
    key = str(uuid.uuid4())
    first = await file(client, a["id"], "complaint", fields, key=key)
    again = await file(client, a["id"], "complaint", fields, key=key)
    assert (first.status_code, again.status_code) == (201, 200) and first.json() == again.json()
    assert await Application.count() == 1
    other = await file(client, a["id"], "complaint", {**fields, "description": "Inna treść"}, key=key)
    assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused"
    filed_day = date.fromisoformat(first.json()["filed_at"][:10])
    assert abs((date.fromisoformat(first.json()["due_on"]) - filed_day).days - 14) <= 1  # EBOK_COMPLAINT_DAYS


async def test_bad_input_is_refused_with_its_field(client, people):
    a, b = people
    await log_in(client, "a@example.com")
    cases = [
        (a["id"], "meter_check", {"meter_serial": "NIEMA123", "reason": "Za szybko się kręci"}, "unknown_meter",
         "meter_serial"),
        (a["id"], "contract_end", {"end_date": "2027-13-01", "meter_serial": "x", "final_reading": "1",
                                   "correspondence_address": "x"}, "invalid_date", "end_date"),
        (a["id"], "wizyta", {}, "invalid_request", "kind"),
    ]
    for customer, kind, fields, code, field in cases:
        r = await file(client, customer, kind, fields)
        assert r.status_code == 400 and (r.json()["code"], r.json().get("field")) == (code, field), r.text
    r = await client.post("/api/applications", data={"customer_id": a["id"], "kind": "complaint", "fields": "{"},
                          headers={"Idempotency-Key": str(uuid.uuid4())})
    assert r.status_code == 400 and r.json()["field"] == "fields"
    r = await file(client, a["id"], "complaint", {"subject": "other", "description": "x"},
                   files=[("attachment", ("wirus.pdf", eicar_pdf(), "application/pdf"))])
    assert r.status_code == 400 and r.json()["code"] == "file_not_pdf"
    r = await file(client, b["id"], "complaint", {"subject": "other", "description": "x"})  # not her customer
    assert r.status_code == 404
    assert await Application.count() == 0  # nothing half-stored


async def test_nobody_sees_another_customers_application(client, people):
    a, _ = people
    await log_in(client, "a@example.com")
    serial = (await Meter.select(Meter.serial).where(Meter.id == a["meter_id"]).first())["serial"]
    fields = {"meter_serial": serial, "reason": "Licznik liczy za szybko."}
    r = await file(client, a["id"], "meter_check", fields, files=[("attachment", ("licznik.jpg", jpeg(), "image/jpeg"))])
    assert r.status_code == 201, r.text
    app = r.json()
    att = app["attachments"][0]["id"]
    await log_in(client, "b@example.com")
    assert (await client.get("/api/applications")).json() == []
    for url in (f"/api/applications/{app['id']}", f"/api/applications/{app['id']}/confirmation",
                f"/api/applications/attachments/{att}"):
        assert (await client.get(url)).status_code == 404, url
    assert (await client.get("/api/staff/applications")).status_code == 404  # staff pages: as missing
    r = await client.post(f"/api/staff/applications/{app['id']}/answer", json={"answer": "x"})
    assert r.status_code == 404 and (await Application.select(Application.status).first())["status"] == "filed"
