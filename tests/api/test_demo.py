"""What `ebok demo` (load_demo) leaves for a first look at the product: today's route for the demo
inspector, readings waiting in the office's review queue (sent through the readings service, so
with a sender, flags and photos), Informacje's rules, price list and accessibility statement as
real PDFs, inspectors' readings taken in the daytime, and an application of each kind in several
states. Checked through the API as the demo accounts see them."""

from __future__ import annotations

import io

from pypdf import PdfReader

from backend.core.clock import WARSAW, today_in_warsaw
from backend.readings.tables import Reading
from tests.support import log_in

PASSWORD = "demo-ebok-2026"


async def _demo(client):
    from backend.demo.load import load_demo

    result = await load_demo(12)
    assert result.created


async def test_the_demo_inspector_has_a_route_today(client):
    await _demo(client)
    await log_in(client, "inkasent@example.com", PASSWORD)
    routes = (await client.get("/api/inspector/routes")).json()
    today = [r for r in routes if r["day"] == today_in_warsaw().isoformat()]
    assert len(today) == 1, routes
    visits = today[0]["visits"]
    assert len(visits) == 4  # the flagged reading the office sent out and three meter checks
    assert {v["status"] for v in visits} == {"pending"}
    sent_out = [v for v in visits if v["resident_reading_id"]]
    assert len(sent_out) == 1 and "lower_than_last" in sent_out[0]["reasons"]
    assert sent_out[0]["access_note"] == "Wodomierz w piwnicy; klucz u sąsiada spod nr 2."
    assert sum(v["reasons"] == ["check"] for v in visits) == 3
    # the route is drawn from the same visits the office's planning screen lists
    await log_in(client, "biuro@example.com", PASSWORD)
    planned = (await client.get(f"/api/staff/routes?day={today_in_warsaw().isoformat()}")).json()
    assert [len(r["visits"]) for r in planned] == [4]
    # and one visit still to plan: the second flagged reading
    [waiting] = (await client.get("/api/staff/visits")).json()
    assert waiting["status"] == "pending" and "above_hard_limit" in waiting["reasons"]


async def test_readings_wait_in_the_review_queue_after_the_demo(client):
    await _demo(client)
    await log_in(client, "biuro@example.com", PASSWORD)
    queue = [q for q in (await client.get("/api/staff/review")).json() if q["reading_id"]]
    reasons = {r for q in queue for r in q["reasons"]}
    assert {"lower_than_last", "above_hard_limit", "no_photo"} <= reasons, queue
    flagged = [q for q in queue if q["status"] == "flagged"]
    assert len(flagged) == 2 and all(q["has_photo"] for q in flagged)
    assert any(q["comment"] == "Pękła rura w ogrodzie, już naprawiona." for q in flagged)
    # they came in as a resident's phone sends them: a sender, a photo the desk can open
    sent = await Reading.select(Reading.id, Reading.submitted_by, Reading.source).where(
        Reading.submitted_by.is_not_null())
    assert len(sent) == 4 and {r["source"] for r in sent} == {"resident"}
    photo = await client.get(f"/api/readings/{flagged[0]['reading_id']}/photo")
    assert photo.status_code == 200 and photo.content[:3] == b"\xff\xd8\xff"


async def test_informacje_has_the_rules_price_list_and_statement_as_real_pdfs(client):
    await _demo(client)
    docs = (await client.get("/api/information")).json()  # public: nobody logged in
    by_category = {d["category"]: d for d in docs}
    assert {"rules", "price_list", "accessibility"} <= set(by_category), docs
    expected = {
        "rules": ["Regulamin elektronicznego Biura Obsługi Klienta", "§ 5. Wnioski i reklamacje", "14 dni"],
        # the price list comes from the demo tariff: 3,44 zł net + 8 % = 3,72 zł gross per m³ of water
        "price_list": ["Taryfa 2024–2027", "3,44 zł", "3,72 zł", "6,04 zł", "4,17 zł"],
        "accessibility": ["Deklaracja dostępności", "częściowo zgodny", "Procedura wnioskowo-skargowa"],
    }
    for category, phrases in expected.items():
        doc = by_category[category]
        r = await client.get(f"/api/information/{doc['id']}/file")
        assert r.status_code == 200 and r.content.startswith(b"%PDF")
        reader = PdfReader(io.BytesIO(r.content))
        assert len(reader.pages) == doc["pages"] >= 1
        text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
        for phrase in phrases:
            assert phrase in text, (category, phrase)


async def test_inspectors_readings_are_taken_in_the_daytime(client):
    await _demo(client)
    rows = await Reading.select(Reading.captured_at).where(Reading.source == "inspector")
    assert rows
    hours = {r["captured_at"].astimezone(WARSAW).hour for r in rows}
    assert min(hours) >= 7 and max(hours) <= 16, sorted(hours)  # the working day, in Warsaw


async def test_an_application_of_each_kind_in_several_states(client):
    await _demo(client)
    await log_in(client, "anna.nowak@example.com", PASSWORD)
    apps = (await client.get("/api/applications")).json()
    kinds = sorted(a["kind"] for a in apps)
    assert kinds == sorted(["connection_conditions", "complaint", "customer_change", "contract_end", "meter_check"])
    assert len({a["status"] for a in apps}) >= 4, apps
