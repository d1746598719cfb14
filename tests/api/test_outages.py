"""Outages over the API: staff create, preview, publish, update and close; the public list, JSON
and Atom; the dashboard; push subscriptions; e-mail alerts; exact targeting."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from xml.etree import ElementTree as ET

import pytest

from backend.core.addresses import street_address
from backend.core.tables import OutboxJob, Setting
from backend.customers.tables import ServicePoint
from backend.outages import vapid
from backend.outages.area import summary as area_summary
from backend.outages.tables import PushSubscription
from tests.push_service import PushService
from tests.support import log_in, make_customer, make_user


def iso(dt: datetime) -> str:
    return dt.astimezone(UTC).isoformat()


NOW = datetime.now(UTC)


@pytest.fixture(scope="module")
def stub():
    service = PushService()
    yield service
    service.stop()


@pytest.fixture(autouse=True)
def fresh_vapid_keys():
    vapid.forget_cached_keys()  # every test starts from empty tables


async def add_point(customer_id: str, street: str, number: str, town: str = "Olecko") -> str:
    spid = uuid.uuid4()
    await ServicePoint.insert(ServicePoint(id=spid, customer=customer_id, street=street, house_number=number,
                                           postcode="19-400", town=town))
    return str(spid)


async def resident(settings, email: str, street: str = "ul. Lipowa", number: str = "7") -> dict:
    customer = await make_customer(street=street, house_number=number)
    customer["user_id"] = await make_user(settings, email, customer_id=customer["id"])
    customer["email"] = email
    return customer


async def staff(settings) -> str:
    return await make_user(settings, "biuro@example.com", role="staff")


def outage_body(**kw) -> dict:
    body = {
        "kind": "failure", "title": "Awaria sieci wodociągowej", "description": "Pękła rura.",
        "starts_at": iso(NOW - timedelta(hours=1)), "expected_end": iso(NOW + timedelta(hours=5)),
        "water_point": "Beczkowóz przy ul. Kolejowej",
        "area": {"town": "Olecko", "streets": [{"street": "ul. Lipowa"}]},
    }
    body.update(kw)
    return body


async def subscribe(client, login: str, device, **kw):
    await log_in(client, login)
    r = await client.post("/api/push/subscriptions", json={**device.to_json(), **kw})
    assert r.status_code == 200, r.text
    return r.json()


async def test_public_list_json_and_atom_without_login(client, settings):
    await staff(settings)
    await log_in(client, "biuro@example.com")
    draft = (await client.post("/api/staff/outages", json=outage_body(title="Jeszcze szkic"))).json()
    r = await client.post("/api/staff/outages", json=outage_body(kind="planned", title="Wymiana zasuwy",
                                                                 starts_at=iso(NOW + timedelta(days=1)),
                                                                 expected_end=iso(NOW + timedelta(days=1, hours=6))))
    assert r.status_code == 201, r.text
    planned = r.json()
    assert (await client.post(f"/api/staff/outages/{planned['id']}/publish")).status_code == 200
    await client.delete("/api/session")

    r = await client.get("/api/outages")
    assert r.status_code == 200
    body = r.json()
    assert [o["title"] for o in body["outages"]] == ["Wymiana zasuwy"]  # drafts are not public
    assert body["outages"][0]["mine"] is False and body["outages"][0]["area_summary"] == "ul. Lipowa"
    assert (await client.get(f"/api/outages/{draft['id']}")).status_code == 404
    assert (await client.get(f"/api/outages/{planned['id']}")).json()["kind"] == "planned"
    assert (await client.get("/api/outages/not-a-uuid")).status_code == 404

    atom = await client.get("/api/outages.atom")
    assert atom.status_code == 200 and atom.headers["content-type"].startswith("application/atom+xml")
    ns = {"a": "http://www.w3.org/2005/Atom"}
    feed = ET.fromstring(atom.content)  # noqa: S314 - our own server's answer
    [entry] = feed.findall("a:entry", ns)
    assert entry.find("a:id", ns).text == f"urn:uuid:{planned['id']}"
    assert entry.find("a:title", ns).text == "Prace planowane: ul. Lipowa"
    assert entry.find("a:link", ns).get("href").endswith(f"/awarie?id={planned['id']}")
    assert entry.find("a:category", ns).get("term") == "planned"


async def test_logged_in_resident_sees_own_service_points_first_and_on_dashboard(client, settings):
    await staff(settings)
    anna = await resident(settings, "anna@example.com", "ul. Zielona", "5")
    await log_in(client, "biuro@example.com")
    ids = []
    for street, title in (("ul. Polna", "Gdzie indziej"), ("ul. Zielona", "U Anny")):
        o = (await client.post("/api/staff/outages", json=outage_body(
            title=title, area={"town": "Olecko", "streets": [{"street": street}]}))).json()
        await client.post(f"/api/staff/outages/{o['id']}/publish")
        ids.append(o["id"])
    await log_in(client, "anna@example.com")
    body = (await client.get("/api/outages")).json()
    assert [(o["title"], o["mine"]) for o in body["outages"]] == [("U Anny", True), ("Gdzie indziej", False)]
    assert body["outages"][0]["my_addresses"] == ["ul. Zielona 5"]
    dash = (await client.get("/api/dashboard")).json()
    assert dash["outages"] == [{"id": ids[1], "kind": "failure", "title": "U Anny", "street": "ul. Zielona 5",
                                "expected_end": body["outages"][0]["expected_end"]}]
    assert anna["id"]


async def test_staff_only_and_validation(client, settings):
    await resident(settings, "ola@example.com")
    await log_in(client, "ola@example.com")
    assert (await client.get("/api/staff/outages")).status_code == 404
    assert (await client.post("/api/staff/outages", json=outage_body())).status_code == 404

    await staff(settings)
    await log_in(client, "biuro@example.com")
    cases = [
        (outage_body(expected_end=iso(NOW - timedelta(hours=2))), "end_before_start", "expected_end"),
        (outage_body(area={"town": "Olecko"}), "area_empty", "area"),
        (outage_body(starts_at="jutro"), "invalid_time", "starts_at"),
        (outage_body(starts_at="2026-11-21T10:00:00"), "invalid_time", "starts_at"),
        (outage_body(area={"town": "Olecko", "streets": [{"street": "ul. Lipowa", "from_number": 9, "to_number": 3}]}),
         "range_invalid", "streets[0]"),
        (outage_body(area={"town": "Olecko", "service_point_ids": [str(uuid.uuid4())]}), "service_point_unknown",
         "service_point_ids"),
        (outage_body(kind="flood"), "invalid_request", "kind"),
        (outage_body(extra=1), "invalid_request", "extra"),
    ]
    for body, code, field in cases:
        r = await client.post("/api/staff/outages", json=body)
        assert (r.status_code, r.json()["code"], r.json()["field"]) == (400, code, field), (body, r.text)
    # the alert must fit one push record even with a maximal title and area
    many = [{"street": f"ul. {'Bardzo Długa Nazwa Ulicy ' * 4}{i}"[:120]} for i in range(200)]
    r = await client.post("/api/staff/outages", json=outage_body(title="T" * 120, water_point="W" * 300,
                                                                 area={"town": "Olecko", "streets": many}))
    assert r.status_code == 201, r.text  # the notification names three streets and counts the rest


async def test_publish_update_close_lifecycle(client, settings):
    await staff(settings)
    await log_in(client, "biuro@example.com")
    o = (await client.post("/api/staff/outages", json=outage_body())).json()
    assert o["status"] == "draft" and o["version"] == 0
    assert (await OutboxJob.count().where(OutboxJob.kind == "outage_alert")) == 0  # a draft sends nothing
    o = (await client.post(f"/api/staff/outages/{o['id']}/publish")).json()
    assert o["status"] == "published" and o["version"] == 1
    assert (await client.post(f"/api/staff/outages/{o['id']}/publish")).json()["code"] == "outage_not_draft"
    changed = outage_body(expected_end=iso(NOW + timedelta(hours=8)))
    o = (await client.put(f"/api/staff/outages/{o['id']}", json=changed)).json()
    assert o["version"] == 2
    o = (await client.put(f"/api/staff/outages/{o['id']}", json={**changed, "title": "Literówka", "notify": False})).json()
    assert o["version"] == 2 and o["title"] == "Literówka"  # a silent fix sends nothing
    o = (await client.post(f"/api/staff/outages/{o['id']}/close")).json()
    assert o["status"] == "closed" and o["version"] == 3 and o["closed_at"]
    assert (await client.put(f"/api/staff/outages/{o['id']}", json=changed)).json()["code"] == "outage_closed"
    assert (await OutboxJob.count().where(OutboxJob.kind == "outage_alert")) == 3
    assert (await client.get(f"/api/outages/{o['id']}")).json()["status"] == "closed"  # a tapped alert still opens


async def test_push_key_is_generated_once_and_kept(client):
    a = (await client.get("/api/push/key")).json()["public_key"]
    vapid.forget_cached_keys()  # another process: reads the same key from the database
    b = (await client.get("/api/push/key")).json()["public_key"]
    assert a == b and len(a) == 87
    assert await Setting.count().where(Setting.key == vapid.PRIVATE_KEY_SETTING) == 1


async def test_subscriptions_api(client, settings, stub):
    ola = await resident(settings, "ola@example.com")
    second = await add_point(ola["id"], "ul. Polna", "3")
    await resident(settings, "jan@example.com")
    assert (await client.post("/api/push/subscriptions", json=stub.device("x").to_json())).status_code == 401
    await log_in(client, "ola@example.com")
    phone, laptop = stub.device("ola-phone"), stub.device("ola-laptop")
    r = await client.post("/api/push/subscriptions", json=phone.to_json())
    assert r.status_code == 200, r.text
    assert r.json()["all_points"] is True and r.json()["push_service"] == "127.0.0.1"
    r = await client.post("/api/push/subscriptions", json={**laptop.to_json(), "service_point_ids": [second]})
    assert r.json()["all_points"] is False and r.json()["service_point_ids"] == [second]
    assert [s["endpoint"] for s in (await client.get("/api/push/subscriptions")).json()] == [phone.endpoint,
                                                                                            laptop.endpoint]
    # bad input
    bad = [
        ({**phone.to_json(), "endpoint": "http://push.example.com/x"}, "push_endpoint_invalid"),
        ({**phone.to_json(), "endpoint": "https://10.0.0.5/x"}, "push_endpoint_invalid"),
        ({**phone.to_json(), "keys": {"p256dh": "B" * 87, "auth": "A" * 22}}, "push_keys_invalid"),
        ({**phone.to_json(), "service_point_ids": []}, "service_points_required"),
        ({**phone.to_json(), "service_point_ids": [str(uuid.uuid4())]}, "not_found"),
    ]
    for body, code in bad:
        r = await client.post("/api/push/subscriptions", json=body)
        assert r.json()["code"] == code, (body, r.text)
    # the browser replaced the subscription: the new endpoint keeps the old one's choice
    renewed = stub.device("ola-laptop-2")
    r = await client.post("/api/push/subscriptions", json={**renewed.to_json(), "old_endpoint": laptop.endpoint})
    assert r.json()["service_point_ids"] == [second]
    mine = (await client.get("/api/push/subscriptions")).json()
    assert {s["endpoint"] for s in mine} == {phone.endpoint, renewed.endpoint}

    await log_in(client, "jan@example.com")
    assert (await client.delete(f"/api/push/subscriptions/{mine[0]['id']}")).status_code == 404  # not his
    assert (await client.delete("/api/push/subscriptions", params={"endpoint": phone.endpoint})).status_code == 404
    await log_in(client, "ola@example.com")
    assert (await client.delete("/api/push/subscriptions", params={"endpoint": phone.endpoint})).status_code == 204
    r = await client.delete(f"/api/push/subscriptions/{mine[1]['id']}")
    assert r.status_code == 204
    assert await PushSubscription.count() == 0


async def test_email_alerts_toggle(client, settings):
    await resident(settings, "ola@example.com")
    await log_in(client, "ola@example.com")
    assert (await client.get("/api/alerts/email")).json() == {"enabled": False, "email": "ola@example.com"}
    assert (await client.put("/api/alerts/email", json={"enabled": True})).json()["enabled"] is True
    assert (await client.get("/api/alerts/email")).json()["enabled"] is True
    assert (await client.put("/api/alerts/email", json={"enabled": False})).json()["enabled"] is False


async def test_preview_counts_points_and_devices_exactly(client, settings, stub):
    # ul. Lipowa 7 and 8 (one customer each), ul. Lipowa 12A, ul. Polna 1
    odd = await resident(settings, "odd@example.com", "ul. Lipowa", "7")
    even = await resident(settings, "even@example.com", "ul. Lipowa", "8")
    twelve = await resident(settings, "twelve@example.com", "ul. Lipowa", "12A")
    polna_point = await add_point(even["id"], "ul. Polna", "1")
    await subscribe(client, "odd@example.com", stub.device("p-odd"))
    await subscribe(client, "even@example.com", stub.device("p-even-polna"), service_point_ids=[polna_point])
    await subscribe(client, "twelve@example.com", stub.device("p-twelve"))
    await log_in(client, "twelve@example.com")
    await client.put("/api/alerts/email", json={"enabled": True})
    await client.delete("/api/push/subscriptions", params={"endpoint": stub.devices["p-twelve"].endpoint})

    await staff(settings)
    await log_in(client, "biuro@example.com")

    async def preview(area):
        r = await client.post("/api/staff/outages/preview", json={"town": "Olecko", **area})
        assert r.status_code == 200, r.text
        return r.json()

    assert await preview({"streets": [{"street": "ul. Lipowa"}]}) == {
        "service_points": 3, "customers": 3, "devices": 1, "email_recipients": 1}
    assert await preview({"streets": [{"street": "ul. Lipowa", "parity": "odd"}]}) == {
        "service_points": 1, "customers": 1, "devices": 1, "email_recipients": 0}
    assert (await preview({"streets": [{"street": "ul. Lipowa", "parity": "even", "from_number": 8,
                                        "to_number": 12}]}))["service_points"] == 2
    # the even customer's device chose ul. Polna only: Lipowa 8 does not reach it, Polna 1 does
    assert (await preview({"streets": [{"street": "ul. Lipowa", "parity": "even"}]}))["devices"] == 0
    assert (await preview({"streets": [{"street": "ul. Polna"}]}))["devices"] == 1
    assert await preview({"service_point_ids": [odd["service_point_id"], twelve["service_point_id"]]}) == {
        "service_points": 2, "customers": 2, "devices": 1, "email_recipients": 1}
    assert (await preview({"streets": [{"street": "ul. Lipowa"}], "town": "Suwałki"}))["service_points"] == 0
    streets = (await client.get("/api/staff/outages/streets", params={"town": "Olecko"})).json()
    assert {"street": "ul. Lipowa", "points": 3} in streets


async def test_office_picks_single_points_by_address(client, settings):
    ola = await resident(settings, "ola@example.com", street="ul. Polna", number="12")
    other = await add_point(ola["id"], "ul. Polna", "3")
    await staff(settings)
    await log_in(client, "biuro@example.com")
    r = await client.get("/api/staff/outages/points", params={"town": "Olecko", "street": "ul. Polna"})
    assert r.status_code == 200
    assert [(p["address"], p["customer_number"]) for p in r.json()] == [
        ("ul. Polna 3, Olecko", ola["number"]), ("ul. Polna 12, Olecko", ola["number"])]  # by house number
    r = await client.get("/api/staff/outages/points", params={"ids": [other, "not-an-id"]})
    assert r.status_code == 400 and r.json()["field"] == "ids"  # ids are UUIDs (backend/core/types.py)
    r = await client.get("/api/staff/outages/points", params={"ids": [other]})
    assert [p["address"] for p in r.json()] == ["ul. Polna 3, Olecko"]
    await log_in(client, "ola@example.com")
    assert (await client.get("/api/staff/outages/points", params={"ids": [other]})).status_code == 404  # hidden


@pytest.mark.parametrize(("streets", "pl", "en", "uk"), [
    (4, "i 1 inne miejsce", "and 1 more", "і ще 1 місце"), (5, "i 2 inne miejsca", "and 2 more", "і ще 2 місця"),
    (8, "i 5 innych miejsc", "and 5 more", "і ще 5 місць"), (15, "i 12 innych miejsc", "and 12 more", "і ще 12 місць"),
    (24, "i 21 innych miejsc", "and 21 more", "і ще 21 місце"),
    (25, "i 22 inne miejsca", "and 22 more", "і ще 22 місця")])
def test_a_long_area_summary_counts_the_rest_in_the_right_form(streets, pl, en, uk):
    area = {"streets": [{"street": f"ul. Ulica{i}"} for i in range(streets)]}
    assert area_summary(area).endswith(f"ul. Ulica2 {pl}")
    assert area_summary(area, lang="en").endswith(f"ul. Ulica2 {en}")
    assert area_summary(area, lang="uk").endswith(f"ul. Ulica2 {uk}")


@pytest.mark.parametrize(("number", "apartment", "written"), [
    ("5", "3", "ul. Zielona 5/3"), ("5", "", "ul. Zielona 5"), ("5", None, "ul. Zielona 5"),
    ("12/14", "3", "ul. Zielona 12/14 m. 3"), ("7A", "12", "ul. Zielona 7A/12")])
def test_one_way_to_write_a_flat(number, apartment, written):
    assert street_address("ul. Zielona", number, apartment) == written


async def test_a_town_wide_audience_is_read_in_parts_the_database_accepts(client, settings):
    """A town-wide outage names 100,000 customers and service points; one statement may carry at most
    32,767 parameters on PostgreSQL (SQLite's limit is the same order), so the reads go in parts."""
    from backend.accounts.services import accounts_of_customers
    from backend.outages.area import points_by_ids

    customer = await resident(settings, "anna.wide@example.com")
    point = await add_point(customer["id"], "ul. Lipowa", "9")
    others = [str(uuid.uuid4()) for _ in range(40_000)]
    linked = await accounts_of_customers([*others[:20_000], customer["id"], *others[20_000:]])
    assert [u["id"] for u in linked[customer["id"]]] == [customer["user_id"]] and len(linked) == 1
    assert [str(p["id"]) for p in await points_by_ids([*others, point])] == [point]
