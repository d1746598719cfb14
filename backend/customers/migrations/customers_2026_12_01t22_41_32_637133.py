"""The written consent to process contact data (customer.consent_contact_at) moves into the consents
register as a "given" decision by the office, then the column goes: the register is its only record.

It runs before the consents app's own migrations, so it names only the register's first columns. A
fresh database has no customers yet (and no register), so there is nothing to move."""

import uuid

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import UUID, Timestamptz, Varchar
from piccolo.table import Table

ID = "2026-12-01T22:41:32:637133"
VERSION = "1.38.0"
DESCRIPTION = "customer.consent_contact_at into the consents register"


class Customer(Table, tablename="customer", schema=None):
    id = UUID(primary_key=True)
    consent_contact_at = Timestamptz(null=True, default=None)


class ConsentEvent(Table, tablename="consent_event", schema=None):
    id = UUID(primary_key=True)
    customer = UUID()
    kind = Varchar(length=20)
    action = Varchar(length=9)
    at = Timestamptz()
    by_user = UUID(null=True, default=None)
    channel = Varchar(length=12)


async def move_paper_consents():
    papers = await Customer.select(Customer.id, Customer.consent_contact_at).where(
        Customer.consent_contact_at.is_not_null())
    if not papers:
        return
    # the screen showed the paper consent as the first "given" unless a decision predates it
    earliest: dict[str, object] = {}
    for e in await ConsentEvent.select(ConsentEvent.customer, ConsentEvent.at).where(
            ConsentEvent.kind == "contact_data").order_by(ConsentEvent.at):
        earliest.setdefault(str(e["customer"]), e["at"])
    rows = [ConsentEvent(id=uuid.uuid4(), customer=p["id"], kind="contact_data", action="given",
                         at=p["consent_contact_at"], by_user=None, channel="office")
            for p in papers if not (str(p["id"]) in earliest and earliest[str(p["id"])] <= p["consent_contact_at"])]
    for i in range(0, len(rows), 500):
        await ConsentEvent.insert(*rows[i:i + 500])


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="customers", description=DESCRIPTION)
    manager.add_raw(move_paper_consents)  # raw steps run before the column is dropped
    manager.drop_column(
        table_class_name="Customer",
        tablename="customer",
        column_name="consent_contact_at",
        db_column_name="consent_contact_at",
        schema=None,
    )
    return manager
