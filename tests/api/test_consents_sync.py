"""One decision, whichever screen it is made on: e-Faktura (Rozliczenia) and alert e-mails (Awarie)
are also consents in the register of Moje konto, and the other way round."""

from __future__ import annotations

from tests.support import log_in, make_customer, make_user


def _state(consents: list[dict], customer_id: str, kind: str) -> dict:
    customer = next(c for c in consents if c["customer_id"] == customer_id)
    return next(c for c in customer["consents"] if c["kind"] == kind)


async def test_e_invoice_is_one_consent(client, settings):
    customer = await make_customer(number="610001", email="faktury@example.com")
    await make_user(settings, "ola@example.com", customer_id=customer["id"])
    await log_in(client, "ola@example.com")

    r = await client.put("/api/settlements/einvoice", json={"customer_id": customer["id"], "granted": True})
    assert r.status_code == 200 and r.json()["granted"] is True
    consent = _state((await client.get("/api/consents")).json(), customer["id"], "e_invoice")
    assert consent["given"] is True and [h["action"] for h in consent["history"]] == ["given"]

    r = await client.put(f"/api/consents/{customer['id']}/e_invoice", json={"given": False})
    assert r.status_code == 200 and r.json()["given"] is False
    billing = (await client.put("/api/settlements/einvoice", json={"customer_id": customer["id"], "granted": False})).json()
    assert billing["granted"] is False and [h["granted"] for h in billing["history"]] == [False, True]
    consent = _state((await client.get("/api/consents")).json(), customer["id"], "e_invoice")
    assert [h["action"] for h in consent["history"]] == ["withdrawn", "given"]  # the repeat added nothing


async def test_email_alerts_are_one_consent(client, settings):
    customer = await make_customer(number="610002")
    await make_user(settings, "ola@example.com", customer_id=customer["id"])
    await log_in(client, "ola@example.com")
    assert (await client.get("/api/alerts/email")).json()["enabled"] is False

    await client.put(f"/api/consents/{customer['id']}/email_alerts", json={"given": True})
    assert (await client.get("/api/alerts/email")).json()["enabled"] is True

    r = await client.put("/api/alerts/email", json={"enabled": False})
    assert r.json()["enabled"] is False
    consent = _state((await client.get("/api/consents")).json(), customer["id"], "email_alerts")
    assert consent["given"] is False and [h["action"] for h in consent["history"]] == ["withdrawn", "given"]
