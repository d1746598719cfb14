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


async def test_push_alerts_consent_is_the_devices_alerts(client, settings):
    """Turning alerts on on a device is the push consent the account screen shows; off on the last
    device withdraws it."""
    from tests.push_service import PushService

    customer = await make_customer(number="610003")
    await make_user(settings, "ola@example.com", customer_id=customer["id"])
    await log_in(client, "ola@example.com")
    service = PushService()
    try:
        phone, laptop = service.device("phone"), service.device("laptop")
        for device in (phone, laptop):
            assert (await client.post("/api/push/subscriptions", json=device.to_json())).status_code == 200
        consent = _state((await client.get("/api/consents")).json(), customer["id"], "push_alerts")
        assert consent["given"] is True and [h["action"] for h in consent["history"]] == ["given"]
        await client.delete("/api/push/subscriptions", params={"endpoint": phone.endpoint})
        assert _state((await client.get("/api/consents")).json(), customer["id"], "push_alerts")["given"] is True
        await client.delete("/api/push/subscriptions", params={"endpoint": laptop.endpoint})
        consent = _state((await client.get("/api/consents")).json(), customer["id"], "push_alerts")
        assert consent["given"] is False and [h["action"] for h in consent["history"]] == ["withdrawn", "given"]
    finally:
        service.stop()


async def test_withdrawing_contact_data_ends_e_invoice_and_alert_emails(client, settings):
    customer = await make_customer(number="610004", email="faktury@example.com")
    await make_user(settings, "ola@example.com", customer_id=customer["id"])
    await log_in(client, "ola@example.com")
    for kind in ("contact_data", "e_invoice", "email_alerts"):
        assert (await client.put(f"/api/consents/{customer['id']}/{kind}", json={"given": True})).status_code == 200

    r = await client.put(f"/api/consents/{customer['id']}/contact_data", json={"given": False})
    assert r.status_code == 200 and r.json()["given"] is False
    consents = (await client.get("/api/consents")).json()
    assert [_state(consents, customer["id"], k)["given"] for k in ("contact_data", "e_invoice", "email_alerts")] == [
        False, False, False]
    assert (await client.get("/api/alerts/email")).json()["enabled"] is False
    billing = (await client.get("/api/settlements")).json()["customers"][0]["einvoice"]
    assert billing["granted"] is False

    # neither comes back while the contact data may not be used, whichever screen asks
    for r in (await client.put(f"/api/consents/{customer['id']}/e_invoice", json={"given": True}),
              await client.put("/api/settlements/einvoice", json={"customer_id": customer["id"], "granted": True}),
              await client.put("/api/alerts/email", json={"enabled": True})):
        assert r.status_code == 409 and r.json()["code"] == "contact_data_withdrawn", r.text
    assert (await client.put(f"/api/consents/{customer['id']}/contact_data", json={"given": True})).status_code == 200
    assert (await client.put(f"/api/consents/{customer['id']}/e_invoice", json={"given": True})).status_code == 200
