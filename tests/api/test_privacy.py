"""Moje dane over the API: the export holds every table with the customer's data (a new table that
is neither exported nor declared free of customer data fails here), the photos and documents; the
deletion request removes the portal account and keeps the billing records."""

from __future__ import annotations

import asyncio
import io
import json
import uuid
import zipfile
from datetime import UTC, datetime

import pytest

from backend.accounts.tables import User
from backend.customers.tables import Customer
from backend.privacy import export
from backend.readings.tables import Reading
from tests.pdfs import jpeg, real_pdf
from tests.support import log_in, make_customer, make_user


def test_every_table_is_exported_or_declared_free_of_customer_data():
    tables = export.all_tables()
    assert {"customer", "reading", "ebok_user", "consent_event", "contact_thread"} <= set(tables)
    assert export.uncovered_tables() == [], (
        "add these tables to backend/privacy/export.py: BY_CUSTOMER/BY_USER (how to find the person's rows) "
        "or NO_CUSTOMER_DATA (why they hold none)")
    declared = set(export.BY_CUSTOMER) | set(export.BY_USER) | set(export.DERIVED) | export.BY_LOGIN_KEY
    assert not declared & set(export.NO_CUSTOMER_DATA)
    for name, path in {**export.BY_CUSTOMER, **export.BY_USER}.items():
        if name in tables:  # every declared path really leads somewhere
            export._path(tables[name], path)


@pytest.fixture
async def resident(client, settings):
    customer = await make_customer(number="900001", name="Zofia Eksport", email="zofia@example.com")
    other = await make_customer(number="900002", name="Obcy Klient")
    await make_user(settings, "zofia@example.com", customer_id=customer["id"], name="Zofia Eksport")
    await make_user(settings, "staff@example.com", role="staff")
    await log_in(client, "zofia@example.com")
    return customer, other


async def test_export_zip_has_json_csv_photos_and_documents(client, resident, settings):
    customer, other = resident
    for value in ("12,5", "12,6"):  # the same picture twice: one file, stored once, exported once
        r = await client.post("/api/readings", data={"meter_id": customer["meter_id"], "value": value,
                                                     "captured_at": datetime.now(UTC).isoformat()},
                              files={"photo": ("m.jpg", jpeg(), "image/jpeg")},
                              headers={"Idempotency-Key": str(uuid.uuid4())})
        assert r.status_code == 201, r.text
    await Reading.insert(Reading(meter=other["meter_id"], value_litres=1, captured_at=datetime.now(UTC)))
    await client.put(f"/api/consents/{customer['id']}/e_invoice", json={"given": True})
    await client.post("/api/contact/messages", data={"customer_id": customer["id"], "category": "question",
                                                     "subject": "Pytanie", "body": "Kiedy odczyt?"},
                      headers={"Idempotency-Key": str(uuid.uuid4())})
    await log_in(client, "staff@example.com")
    await client.post("/api/staff/documents", data={"customer_id": customer["id"], "title": "Aneks", "category": "annex"},
                      files={"file": ("aneks.pdf", real_pdf(), "application/pdf")})
    await log_in(client, "zofia@example.com")

    r = await client.get("/api/my-data/export")
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    assert r.headers["content-disposition"].startswith("attachment")
    z = zipfile.ZipFile(io.BytesIO(r.content))
    names = z.namelist()
    data = json.loads(z.read("dane.json"))
    assert [c["number"] for c in data["customer"]] == ["900001"]
    assert sorted(x["value_litres"] for x in data["reading"]) == [12500, 12600]  # not the other customer's
    assert data["ebok_user"][0]["email"] == "zofia@example.com" and "password_hash" not in data["ebok_user"][0]
    assert all("id" not in s for s in data["ebok_session"]) and data["ebok_session"]
    assert data["consent_event"][0]["kind"] == "e_invoice"
    assert data["contact_message"][0]["body"] == "Kiedy odczyt?"
    assert data["customer_document"][0]["title"] == "Aneks"
    assert f"zdjecia/{data['reading'][0]['photo_hash']}.jpg" in names
    assert len(names) == len(set(names)) and len([n for n in names if n.startswith("zdjecia/")]) == 1
    assert any(n.startswith("dokumenty/") and n.endswith("aneks.pdf") for n in names)
    assert "csv/reading.csv" in names and "README.txt" in names
    assert z.read("csv/customer.csv").decode("utf-8-sig").startswith("id;number;name")
    assert b"Obcy Klient" not in r.content
    assert not any((settings.data_dir / "exports").glob("*.zip"))  # the temporary file is gone


async def test_deletion_request_removes_the_account_keeps_billing(client, resident, settings, smtp_server):
    customer, _ = resident
    r = await client.post("/api/my-data/deletion", json={"password": "zle", "reason": ""})
    assert r.status_code == 400 and r.json()["code"] == "wrong_password"
    r = await client.post("/api/my-data/deletion", json={"password": "Niebieska-Woda-2026", "reason": "Przeprowadzka"})
    assert r.status_code == 201 and r.json()["deletion_request"]["status"] == "pending"
    for _ in range(200):  # the SMTP server lives for the whole run: wait for this request's mail
        if any("900001" in m["Subject"] for m in smtp_server.to(settings.office_email)):
            break
        await asyncio.sleep(0.05)
    else:
        raise AssertionError("the office was not told about the deletion request")
    assert (await client.delete("/api/my-data/deletion")).json()["deletion_request"] is None
    await client.post("/api/my-data/deletion", json={"password": "Niebieska-Woda-2026", "reason": ""})
    assert (await client.get("/api/staff/deletion-requests")).status_code == 404  # residents: no

    await log_in(client, "staff@example.com")
    pending = (await client.get("/api/staff/deletion-requests")).json()
    assert [p["email"] for p in pending] == ["zofia@example.com"]
    assert (await client.post(f"/api/staff/deletion-requests/{pending[0]['id']}/complete")).status_code == 204
    assert not await User.exists().where(User.email == "zofia@example.com")
    assert await Customer.exists().where(Customer.id == customer["id"])  # the customer and billing stay
    assert (await client.get("/api/staff/deletion-requests")).json() == []
    r = await client.post("/api/session", json={"login": "zofia@example.com", "password": "Niebieska-Woda-2026"})
    assert r.status_code == 400
