"""The billing run: an invoice for every service point whose billing period ends with the given
month, set-based, a chunk of service points per transaction. A rerun issues nothing twice
(each invoice has a unique bill key), and numbers are allocated in the same transaction."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import date, timedelta

from backend.billing import calc, ledger, mailing, numbering, payments, sources
from backend.billing.calc import Line, MeterUse, Prices
from backend.billing.external import refuse_when_external
from backend.billing.sources import MeterRow, Value
from backend.billing.tables import BillingRun
from backend.billing.tariffs import all_tariffs
from backend.core import clock
from backend.core.clock import local_midnight, today_in_warsaw
from backend.core.db import is_unique_violation, transaction
from backend.core.errors import ApiError
from backend.settings import Settings

log = logging.getLogger("ebok.billing")
CHUNK = 2000  # service points per transaction
OPENING_LOOKBACK = timedelta(days=100)  # a never-billed meter starts from its last reading this far back
HISTORY = timedelta(days=365)  # estimates use the average daily use of the last 12 months

@dataclass
class RunResult:
    period: str
    invoices: int = 0
    estimated: int = 0
    reminders: int = 0
    skipped: int = 0  # service points with nothing to bill (no meter)
    seconds: float = 0.0
    numbers: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class PointBill:
    point_id: str
    customer_id: str
    uses: list[MeterUse]
    lines: list[Line]

    @property
    def estimated(self) -> bool:
        return any(u.estimated for u in self.uses)


def meter_use(m: MeterRow, previous: Value | None, in_period: list[Value], history: list[Value],
              start: date, end: date) -> MeterUse | None:
    """How far one meter is billed this period. `previous` is the last billed value (or, for a
    never-billed meter, its last reading before the period); None when there is nothing to start from."""
    if previous is None:
        if m.installed_on >= start:
            previous = Value(m.initial_litres, local_midnight(m.installed_on), "install")
        elif in_period:  # no history at all: the first reading opens the account
            previous = in_period[0]
            if len(in_period) == 1:  # and is all there is: nothing used yet, nothing to estimate
                v = previous
                return MeterUse(m.id, m.serial, m.kind, v.litres, v.at, v.litres, v.at, v.source, v.reading_id, False)
        else:
            return None
    later = [v for v in in_period if v.at > previous.at]
    if later:
        cur = later[-1]
        return MeterUse(m.id, m.serial, m.kind, previous.litres, previous.at, cur.litres, cur.at, cur.source,
                        cur.reading_id, cur.source == "estimate")
    if m.removed_on is not None and m.removed_on <= end:
        return None  # removed without a final reading: nothing more to bill from it
    at = local_midnight(end + timedelta(days=1)) - timedelta(seconds=1)
    avg = calc.average_daily([(v.litres, v.at) for v in history])
    value = calc.estimate(previous.litres, previous.at, avg, at)
    return MeterUse(m.id, m.serial, m.kind, previous.litres, previous.at, value, at, "estimate", None, True)


def fee_meters(meters: list[MeterRow], end: date) -> int:
    """Meters charged the monthly fee: those still on the point at the period end (a replaced meter
    and its successor are one position)."""
    return sum(1 for m in meters if m.removed_on is None or m.removed_on > end) or len(meters)


@dataclass(frozen=True, slots=True)
class PeriodReadings:
    """Per meter, for the whole run: its last reading in the period and its last one before it."""

    last: dict[str, Value]
    before: dict[str, Value]


async def period_readings(start: date, end: date) -> PeriodReadings:
    t0, t1 = local_midnight(start), local_midnight(end + timedelta(days=1))
    return PeriodReadings(await sources.last_readings(t0, t1), await sources.last_readings(t0 - OPENING_LOOKBACK, t0))


async def _chunk_bills(chunk: list[tuple[str, str]], start: date, end: date, tariffs: list[Prices],
                       known: PeriodReadings) -> tuple[list[PointBill], int]:
    point_ids = [p for p, _ in chunk]
    meters = await sources.meters_of(point_ids, start, end)
    ids = [m.id for m in meters]
    t0, t1 = local_midnight(start), local_midnight(end + timedelta(days=1))
    # Only the last reading of the period counts, so one row per meter is read; a meter with no
    # history before the period (rare) needs all of them, its first one opening the account.
    billed = await sources.last_billed(ids)
    previous = {i: v for i in ids if (v := billed.get(i) or known.before.get(i)) is not None}
    in_period = {i: [known.last[i]] for i in ids if i in known.last}
    in_period.update(await sources.readings([i for i in ids if i not in previous], t0, t1))
    need_estimate = [m.id for m in meters if m.id in previous
                     and not any(v.at > previous[m.id].at for v in in_period.get(m.id, []))]
    history = await sources.readings(need_estimate, t1 - HISTORY, t1)

    by_point: dict[str, list[MeterRow]] = {}
    for m in meters:
        by_point.setdefault(m.point_id, []).append(m)
    bills, skipped = [], 0
    for point_id, customer_id in chunk:
        point_meters = by_point.get(point_id, [])
        uses = [u for m in point_meters if (u := meter_use(m, previous.get(m.id), in_period.get(m.id, []),
                                                           history.get(m.id, []), start, end))]
        if not uses:
            skipped += 1
            continue
        lines = calc.invoice_lines(uses, start, end, tariffs, fee_meters(point_meters, end))
        bills.append(PointBill(point_id, customer_id, uses, lines))
    return bills, skipped


async def _store(settings: Settings, bills: list[PointBill], period: str, start: date, end: date, issue: date,
                 notify: bool) -> list[str]:
    now = clock.now()
    due = issue + timedelta(days=settings.payment_days)
    async with transaction() as tx:
        numbers = await numbering.allocate(numbering.series("invoice", issue), len(bills))
        entries, doc_ids = ledger.Entries(), []
        for bill, number in zip(bills, numbers, strict=True):
            doc_ids.append(str(entries.add(
                customer=bill.customer_id, service_point=bill.point_id, kind="invoice", number=number,
                bill_key=sources.invoice_key(bill.point_id, start), period=period, period_start=start, period_end=end,
                issue_date=issue, due_date=due, lines=bill.lines, uses=bill.uses, estimated=bill.estimated,
                created_at=now, notice={} if notify else None)))
        await entries.write(tx)
        customers = sorted({b.customer_id for b in bills})
        await payments.apply_credits(customers)
        if notify:
            await mailing.queue_invoice_mails(doc_ids, [b.customer_id for b in bills])
    return numbers


async def run_billing(settings: Settings, period: str, issue_date: date | None = None, user_id: str | None = None,
                      notify: bool = True, reminders: bool = True, chunk_size: int = CHUNK) -> RunResult:
    """Bill every service point whose period ends with `period` (YYYY-MM). Not before the period ended.
    Refused (409 billing_external) when the utility's billing system issues the invoices."""
    refuse_when_external(settings)
    started = time.monotonic()
    try:
        period = calc.parse_period(period)
    except ValueError:
        raise ApiError("period_invalid", "The period must be YYYY-MM", 400, field="period") from None
    issue = issue_date or today_in_warsaw()
    tariffs = await all_tariffs()
    result = RunResult(period)
    for months in (1, 2, 3):
        bounds = calc.period_bounds(period, months)
        if bounds is None:
            continue
        start, end = bounds
        if issue <= end:
            raise ApiError("period_not_ended", "The billing period has not ended yet", 409, field="period")
        points = await sources.points_to_bill(months, start)
        known = await period_readings(start, end) if points else PeriodReadings({}, {})
        for i in range(0, len(points), chunk_size):
            chunk = points[i:i + chunk_size]
            for _attempt in range(3):
                try:
                    bills, skipped = await _chunk_bills(chunk, start, end, tariffs, known)
                except ValueError as exc:  # a day without a tariff
                    raise ApiError("tariff_missing", str(exc), 409) from None
                try:
                    numbers = await _store(settings, bills, period, start, end, issue, notify)
                except Exception as exc:
                    if not is_unique_violation(exc):
                        raise
                    # another run billed some of these points meanwhile: drop them and try again
                    done = {sources.invoice_key(p, start) for p, _ in await sources.points_to_bill(months, start)}
                    chunk = [(p, c) for p, c in chunk if sources.invoice_key(p, start) in done]
                    continue
                result.invoices += len(bills)
                result.estimated += sum(1 for b in bills if b.estimated)
                result.skipped += skipped
                result.numbers += numbers[:1] + numbers[-1:] if numbers else []
                break
    if reminders:
        result.reminders = await payments.issue_reminders(settings, issue, period)
    result.seconds = time.monotonic() - started
    await BillingRun.insert(BillingRun(
        period=period, issue_date=issue, invoices=result.invoices, estimated=result.estimated,
        reminders=result.reminders, seconds=round(result.seconds), started_by=user_id))
    log.info("billing run %s: %s invoices (%s estimated), %s reminders in %.1f s", period, result.invoices,
             result.estimated, result.reminders, result.seconds)
    return result


async def remind(settings: Settings, as_of: date, period: str, user_id: str | None = None) -> int:
    """Reminders on their own (the demo's, after its back-dated runs), recorded in the billing
    history like a run's, so no reminder is issued without a run that counts it. None with external
    billing: the billing system sends its reminders."""
    if settings.external_billing:
        return 0
    count = await payments.issue_reminders(settings, as_of, period, notify=False)  # the demo's history: told nobody
    if count:
        await BillingRun.insert(BillingRun(period=period, issue_date=as_of, invoices=0, estimated=0, reminders=count,
                                           seconds=0, started_by=user_id))
    return count
