"""The per-account choice of alert e-mails (alert_email_consent) moves into the consents register,
which is per customer: each choice counts for the customers of that account where it is later than
the register's newest decision and says otherwise (or the register has none and it is on). Then the
table goes."""

import uuid

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import UUID, Boolean, Timestamptz, Varchar
from piccolo.table import Table

ID = "2026-12-01T22:42:05:509209"
VERSION = "1.38.0"
DESCRIPTION = "alert_email_consent into the consents register"


class AlertEmailConsent(Table, tablename="alert_email_consent", schema=None):
    id = UUID(primary_key=True)
    user = UUID()
    enabled = Boolean()
    changed_at = Timestamptz()


class UserCustomer(Table, tablename="user_customer", schema=None):
    id = UUID(primary_key=True)
    user = UUID()
    customer = UUID()


class ConsentEvent(Table, tablename="consent_event", schema=None):
    id = UUID(primary_key=True)
    customer = UUID()
    kind = Varchar(length=20)
    action = Varchar(length=9)
    at = Timestamptz()
    by_user = UUID(null=True, default=None)
    channel = Varchar(length=12)
    email = Varchar(length=254)


async def move_alert_email_consents():
    choices = await AlertEmailConsent.select().order_by(AlertEmailConsent.changed_at)
    if not choices:
        return
    customers_of: dict[str, list] = {}
    for link in await UserCustomer.select(UserCustomer.user, UserCustomer.customer):
        customers_of.setdefault(str(link["user"]), []).append(link["customer"])
    latest: dict[str, dict] = {}  # customer -> its newest email_alerts decision
    for e in await ConsentEvent.select(ConsentEvent.customer, ConsentEvent.action, ConsentEvent.at).where(
            ConsentEvent.kind == "email_alerts").order_by(ConsentEvent.at):
        latest[str(e["customer"])] = e
    for choice in choices:  # oldest first: a later choice is compared with what an earlier one added
        for customer in customers_of.get(str(choice["user"]), []):
            last = latest.get(str(customer))
            if last is None and not choice["enabled"]:
                continue
            if last is not None and (choice["changed_at"] <= last["at"]
                                     or (last["action"] == "given") == choice["enabled"]):
                continue
            event = {"customer": customer, "action": "given" if choice["enabled"] else "withdrawn",
                     "at": choice["changed_at"]}
            await ConsentEvent.insert(ConsentEvent(id=uuid.uuid4(), kind="email_alerts", by_user=choice["user"],
                                                   channel="portal", email="", **event))
            latest[str(customer)] = event


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="outages", description=DESCRIPTION)
    manager.add_raw(move_alert_email_consents)  # raw steps run before the table is dropped
    manager.drop_table(class_name="AlertEmailConsent", tablename="alert_email_consent", schema=None)
    return manager
