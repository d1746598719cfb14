"""Settlements: tariffs, payment documents (invoices, corrections, reminders) with their lines and
the meter values they billed, payments and how they are allocated, online payments and the gap-free
document numbering. The e-Faktura consent lives in the consents register."""

from piccolo.columns import (
    JSON,
    UUID,
    BigInt,
    BigSerial,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    SmallInt,
    Timestamptz,
    Varchar,
)
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from backend.accounts.tables import User
from backend.customers.tables import Customer, Meter, ServicePoint


class Tariff(Table):
    """Prices valid from a day (inclusive) to a day (inclusive; null = until further notice)."""

    id = UUID(primary_key=True)
    name = Varchar(length=120)
    valid_from = Date(index=True)
    valid_to = Date(null=True, default=None)
    water_grosze_per_m3 = Integer()  # net
    sewage_grosze_per_m3 = Integer()  # net
    fee_grosze_per_meter_month = Integer()  # net, fixed monthly fee per meter
    vat_water_pct = SmallInt(default=8)
    vat_sewage_pct = SmallInt(default=8)
    vat_fee_pct = SmallInt(default=8)
    created_at = Timestamptz(default=TimestamptzNow())


class NumberSequence(Table):
    """The last number used per series ("FV/2026/10"): bumped in the transaction that inserts the
    documents, so a rolled-back run leaves no gap."""

    series = Varchar(length=20, primary_key=True)
    last = Integer(default=0)


class Document(Table):
    id = UUID(primary_key=True)
    customer = ForeignKey(references=Customer, index=True)
    service_point = ForeignKey(references=ServicePoint, null=True, default=None, index=True)
    kind = Varchar(length=12)  # invoice | correction | reminder
    number = Varchar(length=24, unique=True)
    # what makes a document unique in its kind ("inv:<point>:<period start>"): a rerun inserts nothing
    bill_key = Varchar(length=120, unique=True)
    period = Varchar(length=7, index=True)  # YYYY-MM of the run that issued it
    period_start = Date(null=True, default=None)
    period_end = Date(null=True, default=None)
    issue_date = Date(index=True)
    due_date = Date(index=True)
    net_grosze = BigInt(default=0)
    vat_grosze = BigInt(default=0)
    gross_grosze = BigInt(default=0)
    estimated = Boolean(default=False)
    refers_to = UUID(null=True, default=None)  # the invoice a correction is about
    reason = Varchar(length=300)  # corrections say why
    emailed_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    # external billing (EBOK_BILLING=external): the PDF the billing system sent, in core/files.py's
    # store (billing-documents/); null for e-BOK's own documents, whose PDF is rendered on request
    pdf_file = UUID(null=True, default=None)


class DocumentLine(Table):
    id = UUID(primary_key=True)
    document = ForeignKey(references=Document, index=True)
    position = SmallInt()
    kind = Varchar(length=12)  # water | sewage | fee | reminder
    description = Varchar(length=200)
    quantity = BigInt()  # litres (water, sewage), meter-days (fee), 1 (reminder)
    unit = Varchar(length=10)  # m3 | month | pcs
    unit_price_grosze = Integer()
    net_grosze = BigInt()
    vat_pct = SmallInt()  # -1: outside VAT (np.)
    vat_grosze = BigInt()
    gross_grosze = BigInt()


class ReminderItem(Table):
    """An overdue invoice a reminder (upomnienie) demands: one reminder per customer and run lists
    all of them (one fee), and an invoice is reminded once (unique)."""

    id = UUID(primary_key=True)
    reminder = ForeignKey(references=Document, index=True)
    invoice = ForeignKey(references=Document, unique=True)
    owed_grosze = BigInt()  # what was left to pay on the invoice when the reminder was issued


class BilledMeter(Table):
    """The meter values a document billed: the previous billed value is where the next period
    starts, so estimates are corrected by the next real reading."""

    id = UUID(primary_key=True)
    document = ForeignKey(references=Document, index=True)
    meter = ForeignKey(references=Meter, index=True)
    serial = Varchar(length=40)
    kind = Varchar(length=8)  # main | sub
    previous_litres = BigInt()
    previous_at = Timestamptz(null=True, default=None)
    current_litres = BigInt()
    current_at = Timestamptz()
    source = Varchar(length=10)  # the reading's source, or estimate when billing estimated it
    reading_id = UUID(null=True, default=None)  # the reading used (none when estimated)
    consumption_litres = BigInt()
    superseded = Boolean(default=False)  # a correction replaced this value


class StatementImport(Table):
    id = UUID(primary_key=True)
    sha256 = Varchar(length=64, unique=True)  # the same file twice adds nothing
    filename = Varchar(length=200)
    fmt = Varchar(length=8)  # csv | mt940
    credits = Integer(default=0)
    matched = Integer(default=0)
    unmatched = Integer(default=0)
    duplicates = Integer(default=0)
    imported_by = ForeignKey(references=User, null=True, default=None, on_delete=OnDelete.set_null)
    created_at = Timestamptz(default=TimestamptzNow())


class Payment(Table):
    id = UUID(primary_key=True)
    customer = ForeignKey(references=Customer, null=True, default=None, index=True)  # null: unmatched
    amount_grosze = BigInt()
    booked_on = Date()
    source = Varchar(length=12)  # bank | gateway | staff
    external_id = Varchar(length=120, unique=True)  # bank reference or gateway session: imports are idempotent
    account = Varchar(length=34)  # the account it was paid to
    payer = Varchar(length=200)
    title = Varchar(length=300)
    statement = ForeignKey(references=StatementImport, null=True, default=None, on_delete=OnDelete.set_null)
    matched_by = ForeignKey(references=User, null=True, default=None, on_delete=OnDelete.set_null)
    created_at = Timestamptz(default=TimestamptzNow())


class Allocation(Table):
    """Part of a payment, or of a credit (a correction lowering an invoice), settling a document."""

    id = UUID(primary_key=True)
    payment = ForeignKey(references=Payment, null=True, default=None, index=True)
    credit_document = UUID(null=True, default=None, index=True)  # a document with a negative amount
    document = ForeignKey(references=Document, index=True)
    amount_grosze = BigInt()
    created_at = Timestamptz(default=TimestamptzNow())


class OnlinePayment(Table):
    """A payment started in the app and finished at the gateway; paid only on a verified notification."""

    id = UUID(primary_key=True)
    customer = ForeignKey(references=Customer, index=True)
    user = ForeignKey(references=User, null=True, default=None, on_delete=OnDelete.set_null)
    gateway = Varchar(length=12)  # sandbox | przelewy24
    session_id = Varchar(length=100, unique=True)
    token = Varchar(length=100, index=True)  # the gateway's token for the redirect
    amount_grosze = BigInt()
    document_ids = JSON(default="[]")  # the documents chosen; empty: the whole balance
    description = Varchar(length=200)
    status = Varchar(length=10, default="pending")  # pending | paid | failed
    order_id = BigInt(null=True, default=None)  # the gateway's transaction number
    payment = ForeignKey(references=Payment, null=True, default=None, on_delete=OnDelete.set_null)
    created_at = Timestamptz(default=TimestamptzNow())
    paid_at = Timestamptz(null=True, default=None)


class BillingRun(Table):
    id = UUID(primary_key=True)
    period = Varchar(length=7, index=True)
    issue_date = Date()
    invoices = Integer(default=0)
    estimated = Integer(default=0)
    reminders = Integer(default=0)
    seconds = Integer(default=0)
    started_by = ForeignKey(references=User, null=True, default=None, on_delete=OnDelete.set_null)
    created_at = Timestamptz(default=TimestamptzNow())


class PaymentReport(Table):
    """The payments feed for external billing (GET /api/integration/payments): a payment made online
    in e-BOK, in the order they were recorded, so the billing system books each once. Written in the
    transaction that records the payment; on PostgreSQL after a transaction-level advisory lock, so
    rows commit in `seq` order and a cursor never jumps over one that commits later."""

    seq = BigSerial(primary_key=True)
    payment = UUID(unique=True)
    created_at = Timestamptz(default=TimestamptzNow())
