"""The e-Faktura consent history (e_invoice_consent) moves into the consents register, which kept
the same decisions through mirror calls but without the address: each "given" decision gets the
address of the e-Faktura row it was mirrored with (the newest granted row up to a minute after it),
and where billing's newest row is later than the register's newest decision and says otherwise (a
new address, or a mirror that failed), it becomes a decision of its own. Then the table goes."""

import uuid
from datetime import timedelta

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import UUID, Boolean, Timestamptz, Varchar
from piccolo.table import Table

ID = "2026-12-01T22:41:51:550903"
VERSION = "1.38.0"
DESCRIPTION = "e_invoice_consent into the consents register"

MIRROR_LAG = timedelta(minutes=1)


class EInvoiceConsent(Table, tablename="e_invoice_consent", schema=None):
    id = UUID(primary_key=True)
    customer = UUID()
    granted = Boolean()
    email = Varchar(length=254)
    changed_by = UUID(null=True, default=None)
    changed_at = Timestamptz()


class ConsentEvent(Table, tablename="consent_event", schema=None):
    id = UUID(primary_key=True)
    customer = UUID()
    kind = Varchar(length=20)
    action = Varchar(length=9)
    at = Timestamptz()
    by_user = UUID(null=True, default=None)
    channel = Varchar(length=12)
    email = Varchar(length=254)


async def move_e_invoice_consents():
    rows_by_customer: dict[str, list[dict]] = {}
    for r in await EInvoiceConsent.select().order_by(EInvoiceConsent.changed_at):
        rows_by_customer.setdefault(str(r["customer"]), []).append(r)
    if not rows_by_customer:
        return
    events_by_customer: dict[str, list[dict]] = {}
    for e in await ConsentEvent.select().where(ConsentEvent.kind == "e_invoice").order_by(ConsentEvent.at):
        events_by_customer.setdefault(str(e["customer"]), []).append(e)
    for customer, rows in rows_by_customer.items():
        events = events_by_customer.get(customer, [])
        granted = [r for r in rows if r["granted"]]
        for e in events:
            if e["action"] != "given" or e["email"] or not granted:
                continue
            before = [r for r in granted if r["changed_at"] <= e["at"] + MIRROR_LAG]
            e["email"] = (before[-1] if before else granted[0])["email"]
            await ConsentEvent.update({ConsentEvent.email: e["email"]}).where(ConsentEvent.id == e["id"])
        newest, latest = rows[-1], events[-1] if events else None
        if latest and newest["changed_at"] <= latest["at"]:
            continue  # the register's decision is the later one
        if latest and (latest["action"] == "given") == newest["granted"] and (
                not newest["granted"] or latest["email"] == newest["email"]):
            continue
        await ConsentEvent.insert(ConsentEvent(
            id=uuid.uuid4(), customer=newest["customer"], kind="e_invoice",
            action="given" if newest["granted"] else "withdrawn", at=newest["changed_at"],
            by_user=newest["changed_by"], channel="portal" if newest["changed_by"] else "office",
            email=newest["email"] if newest["granted"] else ""))


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="billing", description=DESCRIPTION)
    manager.add_raw(move_e_invoice_consents)  # raw steps run before the table is dropped
    manager.drop_table(class_name="EInvoiceConsent", tablename="e_invoice_consent", schema=None)
    return manager
