"""Insert the demo data and the demo accounts (idempotent: a second run inserts nothing)."""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import date
from operator import attrgetter
from typing import Any

from piccolo.table import Table

from backend.accounts.passwords import hash_password
from backend.accounts.tables import User, UserCustomer
from backend.applications.services import create_demo_applications
from backend.billing.demo import load_demo_billing
from backend.consents import services as consents
from backend.consents.tables import ConsentEvent
from backend.core import clock
from backend.core.bulk import insert
from backend.core.db import is_unique_violation, transaction
from backend.customers.tables import Customer, Meter, ServicePoint
from backend.demo import names
from backend.demo.data import DEMO_EMAIL, FIRST_NUMBER, Batch, generate
from backend.demo.showcase import load_showcase
from backend.outages.services import create_demo_outages
from backend.readings.tables import Reading

DEMO_PASSWORD = "demo-ebok-2026"  # noqa: S105 - the documented password of the demo accounts
DEMO_ACCOUNTS = (  # (e-mail, name, role)
    (DEMO_EMAIL, "Anna Nowak", "resident"),
    ("inkasent@example.com", "Jan Inkasent", "inspector"),
    ("biuro@example.com", "Biuro Obsługi Klienta", "staff"),
)

_CUSTOMERS_PER_BATCH = 300  # about 10,000 readings generated at a time


@dataclass(frozen=True, slots=True)
class LoadResult:
    customers: int = 0
    service_points: int = 0
    meters: int = 0
    readings: int = 0
    users: int = 0
    created: bool = True  # False: the demo was already there and nothing was inserted


async def load_demo(customers: int = 300, today: date | None = None, seed: int = 2026) -> LoadResult:
    """Load `customers` demo customers with 24 months of readings, plus the three demo accounts.

    One transaction for everything: a load that fails half-way leaves nothing behind, so the
    "customer 100001 exists" check that makes reruns a no-op can never see a partial demo.
    """
    data = generate(customers, seed, today)
    anna_customer_id = data.customer(0).customers[0].id  # customer 100001, for her account
    password_hash = await hash_password(DEMO_PASSWORD)  # Argon2, off the loop: slow on purpose
    try:
        async with transaction() as tx:
            if await _already_loaded():
                return LoadResult(created=False)
            counts = Counter[str]()
            for batch in data.batches(_CUSTOMERS_PER_BATCH):
                for target in _TARGETS:
                    rows = target.rows(batch)
                    await insert(tx, target.table, target.columns, rows)
                    counts[target.field] += len(rows)
                await insert(tx, ConsentEvent, _PAPER_CONSENT, _paper_consents(batch))
            users = await _demo_accounts(password_hash, anna_customer_id)
            # Anna Nowak's mobile (+48 501 234 567) gets the outage alerts by SMS (Konto: Powiadomienia)
            await consents.record(str(anna_customer_id), "sms_alerts", True, "portal", at=clock.now())
            # a current failure on the demo resident's street and planned works on her other one
            await create_demo_outages(names.TOWN, "ul. Lipowa", "ul. Zielona", clock.now())
            # Anna Nowak's applications, one of each kind in the states the office's queue shows
            anna = data.customer(0)
            anna_user = await User.select(User.id).where(User.email == DEMO_EMAIL).first()
            assert anna_user is not None  # created by _demo_accounts above
            await create_demo_applications(anna_customer_id, anna_user["id"], anna.meters[0].serial, clock.now())
    except Exception as exc:
        # Two loads at once on PostgreSQL: the loser trips over the unique customer number.
        if is_unique_violation(exc) and await _already_loaded():
            return LoadResult(created=False)
        raise
    await load_demo_billing(today=data.today)  # settlements: the demo tariff, invoices, payments, a reminder
    # today's readings in the review queue, today's route for the inspector, Informacje's PDFs
    await load_showcase(data, password_hash)
    return LoadResult(
        customers=counts["customers"],
        service_points=counts["service_points"],
        meters=counts["meters"],
        readings=counts["readings"],
        users=users,
    )


async def _already_loaded() -> bool:
    return await Customer.exists().where(Customer.number == str(FIRST_NUMBER))


@dataclass(frozen=True, slots=True)
class _Target:
    """Where one list of a Batch goes: `spec` is "column[=attribute] ..." of the demo dataclass;
    `constants` fill the columns the demo leaves at their defaults, so that every column is
    given and the rows equal what the ORM would write."""

    table: type[Table]
    field: str
    spec: str
    constants: dict[str, Any]

    @property
    def columns(self) -> list[str]:
        return [item.split("=")[0] for item in self.spec.split()] + list(self.constants)

    def rows(self, batch: Batch) -> list[tuple[Any, ...]]:
        get = attrgetter(*(item.split("=")[-1] for item in self.spec.split()))
        constants = tuple(self.constants.values())
        return [get(item) + constants for item in getattr(batch, self.field)]


# Parents before children: foreign keys are checked row by row.
_TARGETS = (
    _Target(
        Customer,
        "customers",
        "id number name email phone street house_number postcode town billing_period_months created_at",
        {},
    ),
    _Target(
        ServicePoint,
        "service_points",
        "id customer=customer_id street house_number apartment postcode town created_at",
        {},
    ),
    _Target(
        Meter,
        "meters",
        "id service_point=service_point_id serial kind installed_on verification_due digits initial_litres",
        {"removed_on": None, "active": True},
    ),
    _Target(
        Reading,
        "readings",
        "id meter=meter_id value_litres captured_at received_at source status customer=customer_id",
        {"flags": "[]", "comment": "", "review_note": "", "photo_hash": "", "submitted_by": None},
    ),
)


# the written consent to process contact data that the office holds for most customers
_PAPER_CONSENT = ("id", "customer", "kind", "action", "at", "by_user", "channel", "email")


def _paper_consents(batch: Batch) -> list[tuple[Any, ...]]:
    return [(uuid.uuid4(), c.id, "contact_data", "given", c.consent_contact_at, None, "office", "")
            for c in batch.customers if c.consent_contact_at is not None]


async def _demo_accounts(password_hash: str, anna_customer_id: uuid.UUID) -> int:
    """Create the demo accounts that do not exist yet and link Anna Nowak's to her customer."""
    emails = [email for email, _, _ in DEMO_ACCOUNTS]
    rows = await User.select(User.id, User.email).where(User.email.is_in(emails))
    ids = {row["email"]: row["id"] for row in rows}
    now = clock.now()
    new = [
        User(
            id=uuid.uuid4(),
            email=email,
            name=name,
            role=role,
            password_hash=password_hash,
            language="pl",
            active=True,
            created_at=now,
            password_changed_at=now,
        )
        for email, name, role in DEMO_ACCOUNTS
        if email not in ids
    ]
    if new:
        await User.insert(*new)
    ids.update({user.email: user.id for user in new})
    await UserCustomer.insert(UserCustomer(id=uuid.uuid4(), user=ids[DEMO_EMAIL], customer=anna_customer_id))
    return len(new)
