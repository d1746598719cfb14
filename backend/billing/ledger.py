"""The ledger's rows as the billing run, corrections and reminders write them in bulk (core/bulk.py):
payment documents, their lines and the meter values they billed. A document is added with keyword
arguments named after its columns (no 19-field tuple in which a value can slip into its neighbour's
place), and its totals are always its lines' sums."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from backend.billing import calc
from backend.billing.calc import Line, MeterUse
from backend.billing.tables import BilledMeter, Document, DocumentLine
from backend.core import notify
from backend.core.bulk import insert

DOCUMENT_COLUMNS = ("id", "customer", "service_point", "kind", "number", "bill_key", "period", "period_start",
                    "period_end", "issue_date", "due_date", "net_grosze", "vat_grosze", "gross_grosze", "estimated",
                    "refers_to", "reason", "emailed_at", "created_at")
LINE_COLUMNS = ("id", "document", "position", "kind", "description", "quantity", "unit", "unit_price_grosze",
                "net_grosze", "vat_pct", "vat_grosze", "gross_grosze")
BILLED_COLUMNS = ("id", "document", "meter", "serial", "kind", "previous_litres", "previous_at", "current_litres",
                  "current_at", "source", "reading_id", "consumption_litres", "superseded")


def _uuid(value: Any) -> uuid.UUID | None:
    return value if value is None or isinstance(value, uuid.UUID) else uuid.UUID(str(value))


@dataclass
class Entries:
    """Documents to write in one transaction, with their lines and billed meter values."""

    documents: list[tuple[Any, ...]] = field(default_factory=list)
    lines: list[tuple[Any, ...]] = field(default_factory=list)
    billed: list[tuple[Any, ...]] = field(default_factory=list)
    notices: list[notify.Event] = field(default_factory=list)  # the customers told of their new documents

    def add(self, *, customer: Any, kind: str, number: str, bill_key: str, period: str, issue_date: date,
            due_date: date, lines: Sequence[Line], created_at: datetime, service_point: Any = None,
            period_start: date | None = None, period_end: date | None = None, uses: Sequence[MeterUse] = (),
            estimated: bool = False, refers_to: Any = None, reason: str = "",
            notice: dict[str, Any] | None = None) -> uuid.UUID:
        """One document; returns its new id. The customer is told of it (core/notify) unless
        `notice` is None; the dict adds to what the notice says (a reminder's amount owed)."""
        doc_id = uuid.uuid4()
        net, vat, gross = calc.totals(list(lines))
        values = {
            "id": doc_id, "customer": _uuid(customer), "service_point": _uuid(service_point), "kind": kind,
            "number": number, "bill_key": bill_key, "period": period, "period_start": period_start,
            "period_end": period_end, "issue_date": issue_date, "due_date": due_date, "net_grosze": net,
            "vat_grosze": vat, "gross_grosze": gross, "estimated": estimated, "refers_to": _uuid(refers_to),
            "reason": reason, "emailed_at": None, "created_at": created_at,
        }
        self.documents.append(tuple(values[c] for c in DOCUMENT_COLUMNS))
        if notice is not None and kind in notify.KINDS:
            self.notices.append(document_notice(doc_id, customer, kind, number, gross, due_date, notice))
        self.lines += [(uuid.uuid4(), doc_id, i + 1, x.kind, x.description, x.quantity, x.unit, x.unit_price, x.net,
                        x.vat_pct, x.vat, x.gross) for i, x in enumerate(lines)]
        self.billed += [(uuid.uuid4(), doc_id, uuid.UUID(u.meter_id), u.serial, u.kind, u.previous_litres,
                         u.previous_at, u.current_litres, u.current_at, u.source,
                         uuid.UUID(u.reading_id) if u.reading_id else None, u.consumption, False) for u in uses]
        return doc_id

    async def write(self, tx: Any) -> None:
        await insert(tx, Document, DOCUMENT_COLUMNS, self.documents)
        await insert(tx, DocumentLine, LINE_COLUMNS, self.lines)
        await insert(tx, BilledMeter, BILLED_COLUMNS, self.billed)
        await notify.emit(self.notices)  # a job per 500 documents, in the same transaction


def document_notice(doc_id: Any, customer: Any, kind: str, number: str, gross_grosze: int, due_date: date,
                    extra: dict[str, Any] | None = None) -> notify.Event:
    """The customer's notice of a new invoice, correction or reminder (e-BOK's billing or the utility's)."""
    return notify.Event(kind, str(customer), str(doc_id), {
        "document_id": str(doc_id), "number": number, "amount_grosze": int(gross_grosze),
        "due_date": due_date.isoformat(), **(extra or {})})
