"""Deterministic demo data for one town: customers, service points, meters and readings.

Pure: no database, no clock unless `today` is omitted. Each customer is generated from its own
random stream seeded by (seed, index), so the data can be produced in batches of any size, in
any order, and 100,000 customers never have to be in memory at once.
"""

from __future__ import annotations

import functools
import random
import uuid
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from backend.core.clock import now
from backend.demo import names, usage

FIRST_NUMBER = 100001
DEMO_EMAIL = "anna.nowak@example.com"
MAX_CUSTOMERS = 25_000_000  # serial slots: 4 per customer within 10**8 eight-digit serials

_SERIAL_SPACE = 10**8
_SERIAL_STEP = 7_654_321  # coprime with 10**8: slot -> serial is a bijection, serials never repeat
_METER_SLOTS = 4  # at most two service points with two meters each


@dataclass(frozen=True, slots=True)
class DemoCustomer:
    id: uuid.UUID
    number: str
    name: str
    email: str
    phone: str
    street: str
    house_number: str  # correspondence address; a flat is written "5 m. 3" (no apartment column)
    postcode: str
    town: str
    billing_period_months: int
    consent_contact_at: datetime | None
    created_at: datetime
    kind: str  # female | male | firm: not stored, it lets tests check the grammar of names
    first_name: str = ""
    surname: str = ""


@dataclass(frozen=True, slots=True)
class DemoServicePoint:
    id: uuid.UUID
    customer_id: uuid.UUID
    street: str
    house_number: str
    apartment: str
    postcode: str
    town: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class DemoMeter:
    id: uuid.UUID
    service_point_id: uuid.UUID
    serial: str
    kind: str  # main | sub
    installed_on: date
    verification_due: date
    digits: int
    initial_litres: int


@dataclass(frozen=True, slots=True)
class DemoReading:
    id: uuid.UUID
    meter_id: uuid.UUID
    value_litres: int
    captured_at: datetime
    received_at: datetime
    source: str
    customer_id: uuid.UUID  # whose point the meter was on (reading.customer)
    status: str = "accepted"


@dataclass(slots=True)
class Batch:
    customers: list[DemoCustomer] = field(default_factory=list)
    service_points: list[DemoServicePoint] = field(default_factory=list)
    meters: list[DemoMeter] = field(default_factory=list)
    readings: list[DemoReading] = field(default_factory=list)

    def extend(self, other: Batch) -> None:
        self.customers += other.customers
        self.service_points += other.service_points
        self.meters += other.meters
        self.readings += other.readings


@dataclass(frozen=True, slots=True)
class DemoData:
    """A recipe, not the rows: iterate it (one Batch per customer) or call batches()."""

    customers: int
    seed: int
    today: date

    def customer(self, index: int) -> Batch:
        """Everything of the customer number FIRST_NUMBER + index."""
        if not 0 <= index < self.customers:
            raise IndexError(index)
        return _Customer(self, index).build()

    def __iter__(self) -> Iterator[Batch]:
        return (self.customer(i) for i in range(self.customers))

    def batches(self, size: int = 200) -> Iterator[Batch]:
        for start in range(0, self.customers, size):
            batch = Batch()
            for index in range(start, min(start + size, self.customers)):
                batch.extend(self.customer(index))
            yield batch


def generate(customers: int, seed: int = 2026, today: date | None = None) -> DemoData:
    if not 1 <= customers <= MAX_CUSTOMERS:
        raise ValueError(f"customers must be between 1 and {MAX_CUSTOMERS}")
    return DemoData(customers, seed, today or now().date())


def serial_for(seed: int, slot: int) -> str:
    """The meter serial of a slot (customer index * 4 + meter number): unique per seed."""
    offset = _serial_offset(seed)
    return f"WD{(slot * _SERIAL_STEP + offset) % _SERIAL_SPACE:08d}"


@functools.cache
def _serial_offset(seed: int) -> int:
    return random.Random(f"ebok-demo-serials:{seed}").randrange(_SERIAL_SPACE)


class _Customer:
    """Builds one customer; a class only to share the random stream and the output lists."""

    def __init__(self, data: DemoData, index: int) -> None:
        self.data, self.index, self.today = data, index, data.today
        self.rng = random.Random(f"ebok-demo:{data.seed}:{index}")
        self.months = usage.history_months(data.today)
        self.out = Batch()
        self.meter_slot = index * _METER_SLOTS

    def build(self) -> Batch:
        if self.index == 0:
            self._anna_nowak()
        else:
            self._anyone()
        return self.out

    def _anna_nowak(self) -> None:
        """The fixed demo resident: two properties, a garden sub-meter on one of them."""
        created = self._moment_days_ago(9 * 365)
        customer = DemoCustomer(
            id=self._uuid(),
            number=str(FIRST_NUMBER),
            name="Anna Nowak",
            email=DEMO_EMAIL,
            phone="+48 501 234 567",
            street="ul. Lipowa",
            house_number="12",
            postcode=names.POSTCODE,
            town=names.TOWN,
            billing_period_months=2,
            consent_contact_at=self._moment_days_ago(400),
            created_at=created,
            kind="female",
            first_name="Anna",
            surname="Nowak",
        )
        self.out.customers.append(customer)
        self._service_point(customer.id, ("ul. Lipowa", "12", ""), created, _per_day(3 * 3.5), garden=1.0)
        self._service_point(customer.id, ("ul. Zielona", "5", "3"), created, _per_day(4.0), garden=None)

    def _anyone(self) -> None:
        rng = self.rng
        number = str(FIRST_NUMBER + self.index)
        roll = rng.random()
        kind = "firm" if roll < 0.03 else "female" if roll < 0.53 else "male"
        first = surname = ""
        if kind == "firm":
            name = (
                rng.choice(names.FIRM_NAMES)
                if rng.random() < 0.3
                else rng.choice(names.FIRM_TEMPLATES).format(s=rng.choice(names.SURNAMES))
            )
            email = f"biuro.{_slug(name.split()[0])}{number}@example.com"
        else:
            first = rng.choice(names.FEMALE_FIRST_NAMES if kind == "female" else names.MALE_FIRST_NAMES)
            surname = rng.choice(names.SURNAMES)
            surname = names.feminine(surname) if kind == "female" else surname
            name = f"{first} {surname}"
            email = f"{_slug(first)}.{_slug(surname)}{number}@example.com"
        consent = self._moment_days_ago(rng.randint(7, 3 * 365)) if rng.random() < 0.6 else None
        if consent is None and rng.random() < 0.15:
            email = ""  # paper-only customers: the utility never got an e-mail address
        phone = _mobile(rng) if rng.random() < (0.95 if consent else 0.7) else ""
        created = self._moment_days_ago(rng.randint(4 * 365, 15 * 365))
        address = self._address(apartments=kind != "firm")
        house = f"{address[1]} m. {address[2]}" if address[2] else address[1]
        customer = DemoCustomer(
            id=self._uuid(),
            number=number,
            name=name,
            email=email,
            phone=phone,
            street=address[0],
            house_number=house,
            postcode=names.POSTCODE,
            town=names.TOWN,
            billing_period_months=1 if kind == "firm" else rng.choices((1, 2, 3), (15, 70, 15))[0],
            consent_contact_at=consent,
            created_at=created,
            kind=kind,
            first_name=first,
            surname=surname,
        )
        self.out.customers.append(customer)
        points = [address] + ([self._address(apartments=kind != "firm")] if rng.random() < 0.08 else [])
        for point in points:
            if kind == "firm":
                per_day = _per_day(rng.uniform(5, 40))
            else:
                people = rng.choices((1, 2, 3, 4, 5), (20, 30, 22, 18, 10))[0]
                per_day = _per_day(people * rng.uniform(2, 6))
            # gardens belong to houses, not flats
            garden_share = 0.0 if point[2] else 0.1 if kind == "firm" else 0.25
            garden = rng.uniform(0.4, 1.6) if rng.random() < garden_share else None
            self._service_point(customer.id, point, created, per_day, garden)

    def _service_point(
        self,
        customer_id: uuid.UUID,
        address: tuple[str, str, str],
        created: datetime,
        per_day: float,
        garden: float | None,
    ) -> None:
        rng = self.rng
        point = DemoServicePoint(
            id=self._uuid(),
            customer_id=customer_id,
            street=address[0],
            house_number=address[1],
            apartment=address[2],
            postcode=names.POSTCODE,
            town=names.TOWN,
            created_at=created,
        )
        self.out.service_points.append(point)
        # One visit a month reads every meter at the point: same source, a minute or two apart.
        visits = [usage.pick_source(rng) for _ in self.months]
        captures = [
            usage.capture_time(rng, y, m, hours, self.today)
            for (y, m), (_, hours) in zip(self.months, visits, strict=True)
        ]
        sources = [source for source, _ in visits]
        main = self._meter(point.id, "main", 5)
        before, steps = usage.household_use(rng, per_day, main.installed_on, captures)
        self._readings(main, customer_id, before, steps, captures, sources)
        if garden is not None:
            sub = self._meter(point.id, "sub", rng.choice((4, 5)))
            sub_captures = [t + timedelta(minutes=rng.randint(1, 3)) for t in captures]
            before, steps = usage.garden_use(rng, garden, sub.installed_on, sub_captures)
            self._readings(sub, customer_id, before, steps, sub_captures, sources)

    def _meter(self, point_id: uuid.UUID, kind: str, digits: int) -> DemoMeter:
        rng = self.rng
        # At least 25 months old, so all 24 monthly readings come after installation; up to a few
        # months past the 5-year verification, as meters due for replacement are in real registries.
        installed = self.today - timedelta(days=rng.randint(760, 5 * 365 + 120))
        meter = DemoMeter(
            id=self._uuid(),
            service_point_id=point_id,
            serial=serial_for(self.data.seed, self.meter_slot),
            kind=kind,
            installed_on=installed,
            verification_due=_plus_years(installed, 5),
            digits=digits,
            initial_litres=rng.randint(0, 1500),
        )
        self.meter_slot += 1
        self.out.meters.append(meter)
        return meter

    def _readings(
        self, meter: DemoMeter, customer_id: uuid.UUID, before: int, steps: list[int], captures: list[datetime],
        sources: list[str],
    ) -> None:
        rng, today = self.rng, self.today
        true_value = recorded = meter.initial_litres + before
        for i, (captured, source) in enumerate(zip(captures, sources, strict=True)):
            if i:
                true_value += steps[i - 1]
            # An estimate undershoots a little; the next real reading catches up, so values never fall.
            recorded = (
                recorded + int((true_value - recorded) * rng.uniform(0.8, 1.0))
                if (source == "estimate")
                else true_value
            )
            self.out.readings.append(
                DemoReading(
                    id=self._uuid(),
                    meter_id=meter.id,
                    value_litres=recorded,
                    captured_at=captured,
                    received_at=usage.received_time(rng, source, captured, today),
                    source=source,
                    customer_id=customer_id,
                )
            )

    def _address(self, apartments: bool) -> tuple[str, str, str]:
        rng = self.rng
        street = rng.choice(names.STREETS)
        house = str(rng.randint(1, 80)) + (rng.choice("AB") if rng.random() < 0.08 else "")
        # Whether a number is a block of flats is a property of the address, the same for everyone.
        block = zlib.crc32(f"{street}|{house}".encode()) % 100 < 35
        return street, house, str(rng.randint(1, 60)) if block and apartments else ""

    def _uuid(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def _moment_days_ago(self, days: int) -> datetime:
        day = self.today - timedelta(days=days)
        return datetime.combine(day, time(self.rng.randint(6, 15), self.rng.randrange(60)), UTC)


def _per_day(m3_per_month: float) -> float:
    return m3_per_month * 1000 / usage.AVERAGE_MONTH_DAYS


def _plus_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _mobile(rng: random.Random) -> str:
    return f"+48 5{rng.randrange(100):02d} {rng.randrange(1000):03d} {rng.randrange(1000):03d}"


def _slug(text: str) -> str:
    return "".join(c for c in names.ascii_fold(text) if c.isalnum())
