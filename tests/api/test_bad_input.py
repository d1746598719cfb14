"""Bad input at the edge, on SQLite and PostgreSQL alike: a NUL or another control character in
any text, an id that is not a UUID, an impossible date or a file path with a NUL get a 4xx in
the API's JSON error shape ({code, message, field}), never a 500 (PostgreSQL refuses NUL in
text and non-UUIDs in uuid columns, so without the checks the database answered first)."""

from __future__ import annotations

import uuid

import pytest

from tests.support import log_in, make_customer, make_user

NUL = "x\u0000@example.com"
CTRL = "Tytu\u0007\u0000"
KEY = {"Idempotency-Key": str(uuid.uuid4())}

CASES = [
    # anonymous
    (None, "POST", "/api/session", {"json": {"login": NUL, "password": "whatever-password", "remember": False}}),
    (None, "POST", "/api/session", {"json": {"login": "100001", "password": "pass\u0000word", "remember": False}}),
    (None, "POST", "/api/account/password-reset", {"json": {"email": NUL}}),
    (None, "POST", "/api/account/token", {"json": {"token": "abc\u0000"}}),
    (None, "POST", "/api/register", {"json": {"customer_number": "1\u00000", "invoice_number": "FV/1",
                                              "gross_amount": "1,00", "email": "a@example.com", "name": "A",
                                              "consent": True}}),
    (None, "POST", "/api/register", {"json": {"customer_number": "100001", "invoice_number": "FV/1",
                                              "gross_amount": "1,00", "email": NUL, "name": "A", "consent": True}}),
    (None, "GET", "/static/app/main.js%00.png", {}),
    (None, "GET", "/api/outages/0", {}),
    # residents
    ("resident", "POST", "/api/readings", {"data": {"meter_id": "abc", "value": "123", "comment": ""},
                                           "files": {"photo": ("a.jpg", b"\xff\xd8\xff", "image/jpeg")},
                                           "headers": KEY}),
    ("resident", "POST", "/api/readings", {"data": {"meter_id": "{meter}", "value": "123",
                                                    "captured_at": "2026-01-01T10:00:00+01:00",
                                                    "comment": "zepsuty\u0000"}, "headers": KEY}),
    ("resident", "GET", "/api/meters/0/readings", {}),
    ("resident", "GET", "/api/meters/0/readings.csv", {}),
    ("resident", "GET", "/api/readings/0/photo", {}),
    ("resident", "GET", "/api/readings/0/thumb", {}),
    ("resident", "GET", "/api/settlements/payments/0", {}),
    ("resident", "GET", "/api/settlements/documents/0", {}),
    ("resident", "GET", "/api/settlements/transfer", {"params": {"customer_id": "0"}}),
    ("resident", "POST", "/api/settlements/payments", {"json": {"customer_id": "0", "document_ids": []}}),
    ("resident", "POST", "/api/contact/messages", {"data": {"customer_id": "{customer}", "category": "other",
                                                            "subject": CTRL, "body": "Dzień dobry"}, "headers": KEY}),
    ("resident", "POST", "/api/contact/messages", {"data": {"customer_id": "0", "category": "other",
                                                            "subject": "Temat", "body": "Dzień dobry"}, "headers": KEY}),
    ("resident", "GET", "/api/contact/threads/0", {}),
    ("resident", "GET", "/api/contact/attachments/0", {}),
    ("resident", "PATCH", "/api/profile/customers/{customer}", {"json": {"street": "ul. \u0000", "house_number": "1",
                                                                        "postcode": "19-400", "town": "Olecko",
                                                                        "phone": ""}}),
    ("resident", "PATCH", "/api/profile/customers/0", {"json": {"street": "ul. Lipowa", "house_number": "1",
                                                               "postcode": "19-400", "town": "Olecko", "phone": ""}}),
    ("resident", "POST", "/api/profile/email", {"json": {"new_email": NUL, "password": "x"}}),
    ("resident", "POST", "/api/push/subscriptions", {"json": {"endpoint": "https://fcm.googleapis.com/x\u0000",
                                                              "keys": {"p256dh": "B" * 87, "auth": "A" * 22}}}),
    ("resident", "DELETE", "/api/push/subscriptions", {"params": {"endpoint": "https://fcm.googleapis.com/\u0000"}}),
    ("resident", "DELETE", "/api/push/subscriptions/0", {}),
    ("resident", "PUT", "/api/consents/0/einvoice", {"json": {"given": True}}),
    ("resident", "GET", "/api/documents/0/file", {}),
    ("resident", "POST", "/api/my-data/deletion", {"json": {"password": "x", "reason": "bo\u0000"}}),
    # staff
    ("staff", "GET", "/api/staff/customers", {"params": {"q": "Now\u0000ak"}}),
    ("staff", "POST", "/api/staff/residents", {"json": {"customer_id": "0", "email": "a@example.com", "name": "A",
                                                        "consent": True}}),
    ("staff", "POST", "/api/staff/visits", {"json": {"meter_ids": ["0"]}}),
    ("staff", "POST", "/api/staff/visits", {"json": {"reading_ids": ["0"]}}),
    ("staff", "GET", "/api/staff/routes", {"params": {"day": "2026-13-45"}}),
    ("staff", "POST", "/api/staff/routes", {"json": {"inspector_id": "0", "day": "2026-13-45"}}),
    ("staff", "POST", "/api/staff/billing/documents/0/correct", {}),
    ("staff", "POST", "/api/staff/billing/unmatched/0/assign", {"json": {"customer_number": "100001"}}),
    ("staff", "GET", "/api/staff/outages/0", {}),
    ("staff", "POST", "/api/staff/outages/0/publish", {}),
    ("staff", "POST", "/api/staff/outages", {"json": {"kind": "failure", "title": "Awaria\u0000", "starts_at":
                                                      "2026-01-01T10:00:00+01:00", "area": {"town": "Olecko"}}}),
    ("staff", "POST", "/api/staff/outages", {"json": {"kind": "failure", "title": "Awaria", "starts_at":
                                                      "2026-01-01T10:00:00+01:00",
                                                      "area": {"town": "Olecko", "service_point_ids": ["0"]}}}),
    ("staff", "GET", "/api/staff/documents", {"params": {"customer_id": "0"}}),
    ("staff", "GET", "/api/staff/outages/points", {"params": {"ids": ["0"]}}),
    ("staff", "GET", "/api/staff/outages/points", {"params": {"town": "Olecko", "street": "ul. \u0000"}}),
    ("staff", "GET", "/api/staff/contact/threads/0", {}),
    ("staff", "POST", "/api/staff/contact/threads/0/reply", {"json": {"body": "Odpowiedź"}}),
    ("staff", "POST", "/api/staff/deletion-requests/0/complete", {}),
    ("staff", "DELETE", "/api/staff/billing/tariffs/0", {}),
    # inspectors
    ("inspector", "POST", "/api/inspector/visits/0/result", {"data": {"outcome": "no_access"}, "headers": KEY}),
]


def _fill(value, ids):
    if isinstance(value, str):
        return value.replace("{meter}", ids["meter_id"]).replace("{customer}", ids["id"])
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, ids) for v in value]
    return value


@pytest.mark.parametrize(("role", "method", "path", "kw"), CASES,
                         ids=[f"{m} {p} {i}" for i, (_, m, p, _) in enumerate(CASES)])
async def test_bad_input_is_a_4xx_in_the_error_shape(client, settings, role, method, path, kw):
    customer = await make_customer(number="100001")
    await make_user(settings, "anna@example.com", customer_id=customer["id"])
    await make_user(settings, "biuro@example.com", role="staff")
    await make_user(settings, "inkasent@example.com", role="inspector")
    if role:
        await log_in(client, {"resident": "anna@example.com", "staff": "biuro@example.com",
                              "inspector": "inkasent@example.com"}[role])
    kw = _fill(kw, customer)
    r = await client.request(method, _fill(path, customer), **kw)
    assert 400 <= r.status_code < 500, (r.status_code, r.text[:300])
    body = r.json()
    assert isinstance(body.get("code"), str) and body["code"] != "server_error" and "message" in body, body
