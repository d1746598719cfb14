"""Run by tests/api/test_consents_migration.py in a process of its own (the engine follows
DATABASE_URL, a fresh database): migrate up to just before the consents register became the only
record, write consents the old way (the customer's column, billing's and outages' tables, the
register's own rows), run the remaining migrations and print what the register says, as JSON."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import os
import sys
import uuid
from datetime import UTC, datetime, timedelta

os.environ.setdefault("PICCOLO_CONF", "backend.piccolo_conf")

from piccolo.apps.migrations.commands.base import BaseMigrationManager
from piccolo.apps.migrations.commands.forwards import run_forwards
from piccolo.columns import UUID, SmallInt, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

# the migrations' own views of the old tables
from backend.billing.migrations.billing_2026_12_01t22_41_51_550903 import EInvoiceConsent
from backend.customers.migrations.customers_2026_12_01t22_41_32_637133 import ConsentEvent as OldEvent
from backend.customers.migrations.customers_2026_12_01t22_41_32_637133 import Customer as OldCustomer
from backend.outages.migrations.outages_2026_12_01t22_42_05_509209 import AlertEmailConsent

# the first migration of each app that belongs to the single register, and what came after it
REGISTER_MIGRATIONS = {
    "customers": "2026-12-01T22:41:32:637133",
    "consents": "2026-12-01T22:41:06:266636",
    "billing": "2026-12-01T22:41:51:550903",
    "outages": "2026-12-01T22:42:05:509209",
}
T0 = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


async def migrate_to_before() -> None:
    manager = BaseMigrationManager()
    for app in manager.get_sorted_app_names():
        first = REGISTER_MIGRATIONS.get(app)
        if first is None:
            await run_forwards(app, "all")
            continue
        config = manager.get_app_config(app)
        ids = manager.get_migration_ids(manager.get_migration_modules(config.resolved_migrations_folder_path))
        earlier = [i for i in ids if i < first]
        if earlier:
            await run_forwards(app, earlier[-1])


class CustomerThen(Table, tablename="customer"):
    """The customer table as it was before the register's migrations: the test must not write with
    today's class, whose later columns (ended_on, from the registry import) do not exist yet."""

    id = UUID(primary_key=True)
    number = Varchar(length=20)
    name = Varchar(length=200)
    email = Varchar(length=254)
    phone = Varchar(length=32)
    street = Varchar(length=120)
    house_number = Varchar(length=20)
    postcode = Varchar(length=6)
    town = Varchar(length=80)
    billing_period_months = SmallInt(default=1)
    created_at = Timestamptz(default=TimestamptzNow())


async def old_data() -> dict[str, str]:
    from backend.accounts.tables import User, UserCustomer

    ids = {name: uuid.uuid4() for name in ("paper", "withdrawn", "demo", "moved", "unmirrored", "f", "g", "h")}
    for n, (name, cid) in enumerate(ids.items()):
        await CustomerThen.insert(CustomerThen(id=cid, number=f"90000{n}", name=name, email=f"{name}@example.com", phone="",
                                           street="ul. Testowa", house_number="1", postcode="19-400", town="Olecko"))
    await OldCustomer.update({OldCustomer.consent_contact_at: at(0)}).where(
        OldCustomer.id.is_in([ids["paper"], ids["withdrawn"]]))
    users = {"u": uuid.uuid4(), "v": uuid.uuid4()}
    for name, uid in users.items():
        await User.insert(User(id=uid, email=f"{name}@example.com", name=name, password_hash="", active=True))
    for user, customer in (("u", "f"), ("u", "g"), ("v", "h")):
        await UserCustomer.insert(UserCustomer(user=users[user], customer=ids[customer]))

    def event(customer: str, kind: str, action: str, minutes: float, channel: str = "portal") -> OldEvent:
        return OldEvent(id=uuid.uuid4(), customer=ids[customer], kind=kind, action=action, at=at(minutes),
                        channel=channel)

    def einvoice(customer: str, granted: bool, email: str, minutes: float) -> EInvoiceConsent:
        return EInvoiceConsent(id=uuid.uuid4(), customer=ids[customer], granted=granted, email=email,
                               changed_at=at(minutes))

    await OldEvent.insert(
        event("withdrawn", "contact_data", "withdrawn", 10),  # the paper consent, withdrawn in the portal
        event("demo", "e_invoice", "given", 60 * 24 * 200, "office"),  # the demo's: recorded long after the form
        event("moved", "e_invoice", "given", 20.01),  # mirrored a moment after billing's row
        event("f", "email_alerts", "given", 30.01),  # the Awarie toggle mirrored for one of u's customers
    )
    await EInvoiceConsent.insert(
        einvoice("demo", True, "demo-faktury@example.com", 0),
        einvoice("moved", True, "old@example.com", 20),
        einvoice("moved", True, "new@example.com", 40),  # a new address: the register had no such decision
        einvoice("unmirrored", True, "unmirrored@example.com", 50),  # the register's call had failed
    )
    await AlertEmailConsent.insert(
        AlertEmailConsent(id=uuid.uuid4(), user=users["u"], enabled=True, changed_at=at(30)),
        AlertEmailConsent(id=uuid.uuid4(), user=users["v"], enabled=False, changed_at=at(35)),
    )
    return {name: str(cid) for name, cid in ids.items()}


async def main() -> None:
    from backend.consents import services as consents
    from backend.core import db

    with contextlib.redirect_stdout(io.StringIO()):
        await migrate_to_before()
        ids = await old_data()
        await db.migrate()
    histories = {}
    for row in await consents.consents_of(list(ids.values())):
        histories[row.number] = {c.kind: [(h.action, h.at, h.channel) for h in c.history] for c in row.consents}
    names = {v: k for k, v in ids.items()}
    numbers = {row.customer_id: row.number for row in await consents.consents_of(list(ids.values()))}
    result = {
        "history": {names[cid]: histories[numbers[cid]] for cid in ids.values()},
        "contact_data": sorted([names[c] for c in ids.values() if await consents.is_given(c, "contact_data")]),
        "e_invoice_addresses": {names[c]: e for c, e in (await consents.e_invoice_addresses(list(ids.values()))).items()},
        "e_invoice_history": {name: [(d.given, d.email) for d in await consents.e_invoice_history(ids[name])]
                              for name in ("demo", "moved", "unmirrored")},
        "email_alerts": sorted(names[c] for c in await consents.email_alerts_given(list(ids.values()))),
        "old_tables": [t._meta.tablename for t in (EInvoiceConsent, AlertEmailConsent) if await t.table_exists()],
        "t0": T0.isoformat(),
    }
    try:
        await OldCustomer.select(OldCustomer.consent_contact_at).first()
        result["old_column"] = True
    except Exception:
        result["old_column"] = False
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    asyncio.run(main())
