"""Shapes of the settlements API."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from backend.core.types import Id, Line


class BalanceOut(msgspec.Struct):
    total_grosze: int  # positive: owed; negative: overpaid
    overdue_grosze: int


class ConsentChange(msgspec.Struct):
    granted: bool
    email: str
    changed_at: str


class EInvoiceOut(msgspec.Struct):
    granted: bool
    since: str | None
    email: str
    history: list[ConsentChange]


class CustomerSettlement(msgspec.Struct):
    id: str
    number: str
    name: str
    account: str  # NRB, 26 digits
    account_display: str  # grouped as banks print it
    balance: BalanceOut
    einvoice: EInvoiceOut


class DocumentRow(msgspec.Struct):
    id: str
    number: str
    kind: str  # invoice | correction | reminder
    customer_id: str
    customer_number: str
    issue_date: str
    due_date: str
    period_start: str | None
    period_end: str | None
    gross_grosze: int
    remaining_grosze: int
    overdue: bool
    estimated: bool
    address: str


class SettlementsOut(msgspec.Struct):
    balance: BalanceOut
    customers: list[CustomerSettlement]
    documents: list[DocumentRow]


class LineOut(msgspec.Struct):
    position: int
    kind: str
    description: str
    quantity: int  # thousandths of the unit
    unit: str
    unit_price_grosze: int
    net_grosze: int
    vat_pct: int  # -1: outside VAT
    vat_grosze: int
    gross_grosze: int


class BilledMeterOut(msgspec.Struct):
    serial: str
    kind: str
    previous_litres: int
    previous_at: str | None
    current_litres: int
    current_at: str
    source: str
    consumption_litres: int
    estimated: bool


class RemindedOut(msgspec.Struct):
    """An overdue invoice a reminder demands."""

    id: str
    number: str
    due_date: str
    owed_grosze: int  # left to pay when the reminder was issued
    remaining_grosze: int  # left to pay now


class DocumentOut(msgspec.Struct):
    document: DocumentRow
    net_grosze: int
    vat_grosze: int
    lines: list[LineOut]
    meters: list[BilledMeterOut]
    refers_to: str | None  # number of the invoice a correction is about
    reason: str
    pdf_url: str
    reminded: list[RemindedOut]  # a reminder's invoices (empty for other documents)
    # what paying this document takes now: its own remaining amount, for a reminder also its invoices'
    to_pay_grosze: int


class TransferOut(msgspec.Struct):
    recipient: str
    recipient_address: str
    account: str
    account_display: str
    title: str
    amount_grosze: int
    qr_payload: str | None  # None: the amount is too large for the ZBP code
    qr_url: str | None


class PayIn(msgspec.Struct, forbid_unknown_fields=True):
    customer_id: Id
    document_ids: Annotated[list[Id], msgspec.Meta(max_length=200)] = []


class PayStartOut(msgspec.Struct):
    id: str
    redirect_url: str


class OnlinePaymentOut(msgspec.Struct):
    id: str
    status: str  # pending | paid | failed
    amount_grosze: int
    description: str


class EInvoiceIn(msgspec.Struct, forbid_unknown_fields=True):
    customer_id: Id
    granted: bool


class SandboxPaymentOut(msgspec.Struct):
    token: str
    merchant: str
    amount_grosze: int
    description: str
    status: str


class SandboxDecisionIn(msgspec.Struct, forbid_unknown_fields=True):
    outcome: Literal["paid", "rejected"]


class SandboxDecisionOut(msgspec.Struct):
    redirect_url: str


# --- staff ---------------------------------------------------------------------------------------


class RunIn(msgspec.Struct, forbid_unknown_fields=True):
    period: Annotated[Line, msgspec.Meta(max_length=7)]


class RunOut(msgspec.Struct):
    period: str
    invoices: int
    estimated: int
    reminders: int
    seconds: float
    created_at: str = ""


class StatementOut(msgspec.Struct):
    id: str
    filename: str
    fmt: str
    credits: int
    matched: int
    unmatched: int
    duplicates: int
    already_imported: bool


class UnmatchedRow(msgspec.Struct):
    id: str
    amount_grosze: int
    booked_on: str
    account: str
    payer: str
    title: str


class TariffIn(msgspec.Struct, forbid_unknown_fields=True):
    """Net prices as typed in the office ("3,44"): checked and turned into grosze by the service."""

    name: Annotated[Line, msgspec.Meta(max_length=120)]
    valid_from: Annotated[Line, msgspec.Meta(max_length=10)]  # YYYY-MM-DD
    water: Annotated[Line, msgspec.Meta(max_length=12)]  # zł per m³
    sewage: Annotated[Line, msgspec.Meta(max_length=12)]  # zł per m³
    fee: Annotated[Line, msgspec.Meta(max_length=12)]  # zł per meter and month
    vat_pct: int = 8


class TariffOut(msgspec.Struct):
    id: str
    name: str
    valid_from: str
    valid_to: str | None
    water_grosze_per_m3: int
    sewage_grosze_per_m3: int
    fee_grosze_per_meter_month: int
    vat_pct: int


class TariffsOut(msgspec.Struct):
    tariffs: list[TariffOut]
    billed_until: str | None  # the last day already invoiced: a new tariff starts after it


class UnitPrice(msgspec.Struct):
    net_grosze: int
    vat_pct: int
    gross_grosze: int


class PublicTariffOut(msgspec.Struct):
    name: str
    valid_from: str
    valid_to: str | None
    status: str  # current | past | future
    water_per_m3: UnitPrice
    sewage_per_m3: UnitPrice
    fee_per_meter_month: UnitPrice


class PriceListOut(msgspec.Struct):
    tariffs: list[PublicTariffOut]  # newest first


class AssignIn(msgspec.Struct, forbid_unknown_fields=True):
    customer_number: Annotated[Line, msgspec.Meta(max_length=20)]


class BillingModeOut(msgspec.Struct):
    billing: str  # builtin | external (EBOK_BILLING)
