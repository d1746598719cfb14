"""The demo data generator: deterministic, realistic, and internally consistent (no database)."""

from __future__ import annotations

import re
import statistics
import uuid
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta

import pytest

from backend.demo import names
from backend.demo.data import DEMO_EMAIL, Batch, DemoData, DemoReading, generate, serial_for

TODAY = date(2026, 11, 21)


@pytest.fixture(scope="module")
def sample() -> Batch:
    everything = Batch()
    for batch in generate(1500, today=TODAY).batches(250):
        everything.extend(batch)
    return everything


def _all(data: DemoData, size: int) -> Batch:
    everything = Batch()
    for batch in data.batches(size):
        everything.extend(batch)
    return everything


def test_same_seed_same_data_whatever_the_batch_size() -> None:
    first = _all(generate(120, seed=7, today=TODAY), 13)
    again = _all(generate(120, seed=7, today=TODAY), 50)
    assert first == again
    other = _all(generate(120, seed=8, today=TODAY), 50)
    assert other.customers[5] != first.customers[5]
    assert {m.serial for m in other.meters} != {m.serial for m in first.meters}


def test_customer_count_is_checked() -> None:
    with pytest.raises(ValueError):
        generate(0, today=TODAY)


def test_the_first_customer_is_always_anna_nowak() -> None:
    for seed in (2026, 1, 99):
        out = generate(3, seed=seed, today=TODAY).customer(0)
        (anna,) = out.customers
        assert (anna.number, anna.name, anna.email) == ("100001", "Anna Nowak", DEMO_EMAIL)
        assert anna.consent_contact_at is not None
        addresses = [(p.street, p.house_number, p.apartment, p.postcode, p.town) for p in out.service_points]
        assert addresses == [
            ("ul. Lipowa", "12", "", "19-400", "Olecko"),
            ("ul. Zielona", "5", "3", "19-400", "Olecko"),
        ]
        assert all(p.customer_id == anna.id for p in out.service_points)
        lipowa, zielona = out.service_points
        kinds = sorted((m.service_point_id, m.kind) for m in out.meters)
        assert sorted(kinds) == sorted([(lipowa.id, "main"), (lipowa.id, "sub"), (zielona.id, "main")])
        assert len(out.readings) == 3 * 24


def test_customer_numbers_are_sequential_and_ids_unique(sample: Batch) -> None:
    numbers = [c.number for c in sample.customers]
    assert numbers == [str(100001 + i) for i in range(1500)]
    ids = [c.id for c in sample.customers] + [p.id for p in sample.service_points]
    ids += [m.id for m in sample.meters] + [r.id for r in sample.readings]
    assert len(ids) == len(set(ids))
    assert all(i.version == 4 for i in ids[:100])


def test_serials_are_unique_and_well_formed(sample: Batch) -> None:
    serials = [m.serial for m in sample.meters]
    assert len(serials) == len(set(serials))
    assert all(re.fullmatch(r"WD\d{8}", s) for s in serials)
    # the slot -> serial map is a bijection, so this holds for any number of customers
    assert len({serial_for(2026, slot) for slot in range(200_000)}) == 200_000


def test_every_meter_has_24_monthly_monotonic_readings(sample: Batch) -> None:
    meters = {m.id: m for m in sample.meters}
    by_meter = defaultdict(list)
    for r in sample.readings:
        by_meter[r.meter_id].append(r)
    assert by_meter.keys() == meters.keys()
    end_of_today = datetime(2026, 11, 21, tzinfo=UTC)
    for meter_id, readings in by_meter.items():
        meter = meters[meter_id]
        assert len(readings) == 24
        months = [(r.captured_at.year, r.captured_at.month) for r in readings]
        assert months[0] == (2024, 12) and months[-1] == (2026, 11)
        assert len(set(months)) == 24
        values = [r.value_litres for r in readings]
        assert all(isinstance(v, int) for v in values)
        assert values == sorted(values)
        assert values[0] >= meter.initial_litres
        assert values[-1] < 10 ** (meter.digits + 3)  # fits the register
        for r in readings:
            assert r.captured_at.tzinfo is UTC and r.received_at.tzinfo is UTC
            assert r.captured_at < end_of_today and r.captured_at <= r.received_at <= end_of_today
            assert r.captured_at.date() > meter.installed_on
            assert r.status == "accepted"


def test_readings_on_the_first_of_the_month_stay_in_the_past() -> None:
    """On the 1st the newest readings are from the month that just ended, at daytime hours: a
    demo loaded at 00:30 must not hold a reading "from today" that makes the next one a flood."""
    out = generate(20, today=date(2026, 3, 1)).customer(4)
    last = max(r.captured_at for r in out.readings)
    assert datetime(2026, 2, 1, tzinfo=UTC) <= last < datetime(2026, 3, 1, tzinfo=UTC)
    assert all(5 <= r.captured_at.hour <= 20 for r in out.readings if r.source != "estimate")
    assert all(r.received_at <= datetime(2026, 3, 1, tzinfo=UTC) for r in out.readings)


def test_sources_mostly_resident(sample: Batch) -> None:
    sources = Counter(r.source for r in sample.readings)
    assert set(sources) == {"resident", "inspector", "estimate"}
    total = sum(sources.values())
    assert sources["resident"] / total > 0.7
    assert 0.1 < sources["inspector"] / total < 0.25
    assert 0.02 < sources["estimate"] / total < 0.1


def test_consumption_is_realistic(sample: Batch) -> None:
    kinds = {m.id: m.kind for m in sample.meters}
    main_per_month = []
    garden = defaultdict(list)
    previous: dict[uuid.UUID, DemoReading] = {}
    for r in sample.readings:
        before = previous.get(r.meter_id)
        previous[r.meter_id] = r
        if before is None:
            continue
        days = (r.captured_at - before.captured_at).total_seconds() / 86400
        per_month = (r.value_litres - before.value_litres) / days * 30.44
        if kinds[r.meter_id] == "main":
            main_per_month.append(per_month)
        else:
            garden[r.captured_at.month].append(per_month)
    assert 6_000 < statistics.median(main_per_month) < 15_000  # litres a household-month
    summer = statistics.mean(garden[7] + garden[8])
    winter = statistics.mean(garden[1] + garden[2] + garden[12])
    assert summer > 2_000 and winter < 100


def test_shares_of_customers_points_and_meters(sample: Batch) -> None:
    n = len(sample.customers)
    points = Counter(p.customer_id for p in sample.service_points)
    assert 0.05 < sum(1 for c in points.values() if c == 2) / n < 0.11
    assert max(points.values()) == 2
    subs = sum(1 for m in sample.meters if m.kind == "sub")
    assert 0.11 < subs / len(sample.service_points) < 0.2
    assert all(m.digits == 5 for m in sample.meters if m.kind == "main")
    assert {m.digits for m in sample.meters if m.kind == "sub"} == {4, 5}
    firms = sum(1 for c in sample.customers if c.kind == "firm")
    assert 0.01 < firms / n < 0.06
    consent = sum(1 for c in sample.customers if c.consent_contact_at is not None)
    assert 0.55 < consent / n < 0.65
    periods = Counter(c.billing_period_months for c in sample.customers)
    assert set(periods) == {1, 2, 3} and periods[2] > n / 2
    assert any(p.apartment for p in sample.service_points)
    assert any(re.fullmatch(r"\d+[AB]", p.house_number) for p in sample.service_points)


def test_meter_dates(sample: Batch) -> None:
    for m in sample.meters:
        assert TODAY - timedelta(days=5 * 365 + 120) <= m.installed_on <= TODAY - timedelta(days=730)
        assert m.verification_due.year == m.installed_on.year + 5
        assert 0 <= m.initial_litres <= 1500


def test_addresses_are_in_olecko(sample: Batch) -> None:
    assert 8 <= len(names.STREETS) <= 12
    addresses = [(c.street, c.postcode, c.town) for c in sample.customers]
    addresses += [(p.street, p.postcode, p.town) for p in sample.service_points]
    for street, postcode, town in addresses:
        assert (postcode, town) == ("19-400", "Olecko")
        assert street in names.STREETS


def test_contact_data(sample: Batch) -> None:
    for c in sample.customers[1:]:
        assert c.email == "" or re.fullmatch(r"[a-z]+\.[a-z]+\d{6,}@example\.com", c.email)
        assert c.phone == "" or re.fullmatch(r"\+48 5\d\d \d{3} \d{3}", c.phone)
        if c.consent_contact_at is not None:
            assert c.email and c.consent_contact_at > c.created_at
    emails = [c.email for c in sample.customers if c.email]
    assert len(emails) == len(set(emails))


def test_polish_names_agree_in_gender(sample: Batch) -> None:
    adjectival_m, adjectival_f = ("ski", "cki", "dzki"), ("ska", "cka", "dzka")
    seen: Counter[str] = Counter()
    for c in sample.customers:
        seen[c.kind] += 1
        if c.kind == "firm":
            assert not c.first_name and not c.surname
            continue
        assert c.name == f"{c.first_name} {c.surname}"
        if c.kind == "female":
            assert c.first_name in names.FEMALE_FIRST_NAMES
            assert not c.surname.endswith(adjectival_m)
            assert c.surname in {names.feminine(s) for s in names.SURNAMES}
        else:
            assert c.first_name in names.MALE_FIRST_NAMES
            assert not c.surname.endswith(adjectival_f)
            assert c.surname in names.SURNAMES
    assert seen["female"] > 500 and seen["male"] > 500
    assert any(c.surname == "Kowalska" for c in sample.customers)
    assert any(c.surname == "Kowalski" for c in sample.customers)


def test_feminine_surnames() -> None:
    assert names.feminine("Kowalski") == "Kowalska"
    assert names.feminine("Wiśniewski") == "Wiśniewska"
    assert names.feminine("Zawadzki") == "Zawadzka"
    assert names.feminine("Czarnecki") == "Czarnecka"
    assert names.feminine("Nowak") == "Nowak"
    assert names.feminine("Kulesza") == "Kulesza"
    assert len(set(names.SURNAMES)) >= 55
    assert not set(names.FEMALE_FIRST_NAMES) & set(names.MALE_FIRST_NAMES)
    assert all(n.endswith("a") for n in names.FEMALE_FIRST_NAMES)


def test_firm_names(sample: Batch) -> None:
    firms = [c for c in sample.customers if c.kind == "firm"]
    assert firms and all(c.email.startswith("biuro.") or not c.email for c in firms)
    assert all(not p.apartment for c in firms for p in sample.service_points if p.customer_id == c.id)
