"""Reading reminders (issue 15.1). The `reading_reminders` daily job (queued by every outbox
worker for each Warsaw day at 8:00, one job whatever the number of processes) finds the service
points whose reading window opens today, or closes in two days, and writes one `reminder` row per
channel and recipient the customer chose (Konto: Powiadomienia), unique by its key, with the
`reminder_send` jobs that send them. Push and SMS never go out between 21:00 and 8:00: their rows
are due in the morning. A reading of the window (not rejected) that arrived before a reminder is
sent cancels it: the row is `skipped`."""

from __future__ import annotations

import json
import logging
import uuid
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from typing import Any

from backend.accounts import services as accounts
from backend.consents import services as consents
from backend.core import bulk, outbox, sms
from backend.core.clock import WARSAW, local_midnight, now
from backend.core.db import transaction
from backend.core.mail import queue_mail
from backend.customers import services as customers
from backend.notices import rules, sending, texts
from backend.notices.tables import Reminder
from backend.outages import services as outages
from backend.readings import services as readings
from backend.settings import Settings

log = logging.getLogger("ebok.notices")

SCAN_JOB = "reading_reminders"
SEND_JOB = "reminder_send"
JOB_SIZE = 200  # reminders a send job takes
CHUNK = 1000

TX_ROWS = 2000  # reminder rows (and their jobs) a transaction writes
_COLUMNS = ("id", "key", "service_point", "meter", "customer", "opens", "closes", "stage", "channel", "recipient",
            "address", "language", "street", "status", "attempts", "due_at", "created_at")


def capture_path(meter_id: str) -> str:
    return f"/odczyty/nowy?licznik={meter_id}"


async def scan(settings: Settings, day: date, at: datetime) -> int:
    """Queue the reminders due on `day` (`at`: the time of the scan). Returns how many were queued."""
    due: dict[int, list[tuple[str, Any]]] = {}
    for period in (1, 2, 3):
        stages = rules.stages_on(day, period, settings.reading_window_days)
        if stages:
            due[period] = stages
    if not due:
        return 0
    meters = await customers.main_meters_by_period(sorted(due))
    # a reading of the window already in: no reminder for that point (the closing stage's case)
    opens_of = {p: local_midnight(stages[0][1].opens) for p, stages in due.items()}
    read: set[str] = set()
    for period, since in opens_of.items():
        read |= await readings.meters_read_since([m["meter"] for m in meters if m["period"] == period], since)
    meters = [m for m in meters if m["meter"] not in read]
    customer_ids = sorted({m["customer"] for m in meters})
    chosen = await consents.given_of_kinds(customer_ids, ("reminder_push", "reminder_email", "reminder_sms"))
    wanted = sorted(chosen["reminder_push"] | chosen["reminder_email"])
    users_of = await accounts.accounts_of_many(wanted)
    push_users = sorted({u["id"] for c in chosen["reminder_push"] for u in users_of.get(c, []) if u["active"]})
    devices_of: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for d in await outages.devices_of(push_users):
        devices_of[d["user"]].append(d)
    phones = await customers.phones_of(sorted(chosen["reminder_sms"]))
    quiet_ok = rules.not_quiet(at)
    rows: list[tuple[Any, ...]] = []
    for m in meters:
        c = m["customer"]
        linked = [u for u in users_of.get(c, []) if u["active"]]
        language = next((u["language"] for u in linked), "pl")
        for stage, w in due[m["period"]]:
            if c in chosen["reminder_push"]:
                for u in linked:
                    rows += [_row(m, stage, w, "push", d["id"], "", d["language"], quiet_ok)
                             for d in devices_of.get(u["id"], [])]
            if c in chosen["reminder_email"]:
                rows += [_row(m, stage, w, "email", u["id"], u["email"], u["language"], at)
                         for u in linked if u["email"]]
            if c in chosen["reminder_sms"] and (number := sms.mobile(phones.get(c, ""))):
                rows.append(_row(m, stage, w, "sms", c, number, language, quiet_ok))
    return await _insert(rows)


def _row(m: dict[str, Any], stage: str, w: Any, channel: str, recipient: str, address: str, lang: str,
         due_at: datetime) -> tuple[Any, ...]:
    key = f"{m['service_point']}:{w.opens.isoformat()}:{stage}:{channel}:{recipient}"
    return (uuid.uuid4(), key, uuid.UUID(m["service_point"]), uuid.UUID(m["meter"]), uuid.UUID(m["customer"]), w.opens,
            w.period_end, stage, channel, recipient, address, lang, m["street"], due_at)


async def _insert(rows: list[tuple[Any, ...]]) -> int:
    """Write the rows not written yet (by key: a second scan of the day adds nothing) and their
    send jobs, a transaction per TX_ROWS (bulk inserts: 100,000 points in seconds)."""
    done: set[str] = set()
    for opens, stage in {(r[5], r[1].split(":")[2]) for r in rows}:
        done |= {k["key"] for k in await Reminder.select(Reminder.key).where(
            (Reminder.opens == opens) & (Reminder.stage == stage))}
    rows = [r for r in rows if r[1] not in done]
    t = now()
    for start in range(0, len(rows), TX_ROWS):
        chunk = rows[start:start + TX_ROWS]
        async with transaction() as tx:
            # never two of one key (ON CONFLICT): a scan that raced this one is left its rows
            await bulk.insert(tx, Reminder, _COLUMNS, [(*r[:13], "queued", 0, r[13], t) for r in chunk],
                              skip_duplicates=True)
            for part in range(0, len(chunk), JOB_SIZE):
                by_due: dict[datetime, list[str]] = defaultdict(list)
                for r in chunk[part:part + JOB_SIZE]:
                    by_due[r[13]].append(str(r[0]))
                for due_at, ids in by_due.items():
                    await outbox.enqueue(SEND_JOB, {"ids": ids}, run_after=due_at)
    return len(rows)


class ReadingReminders:
    """The daily scan (outbox job `reading_reminders`, payload {"day"})."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def __call__(self, payload: dict[str, Any]) -> None:
        day = date.fromisoformat(payload["day"])
        count = await scan(self.settings, day, now())
        log.info("reading reminders for %s: %s queued", day, count)


class ReminderSender:
    """`reminder_send`: a batch of reminders, each sent once on its channel (or skipped)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def __call__(self, payload: dict[str, Any]) -> None:
        await self.send(payload, now())

    async def send(self, payload: dict[str, Any], t: datetime) -> None:
        """Send the batch as at `t` (the quiet hours and the retry times are counted from it)."""
        rows = await Reminder.select().where(Reminder.id.is_in([uuid.UUID(i) for i in payload["ids"]])
                                             & (Reminder.status == "queued"))
        if not rows:
            return
        rows = await sending.hold_for_morning(SEND_JOB, rows, t)
        read = set()
        by_opens: dict[date, list[str]] = defaultdict(list)
        for r in rows:
            by_opens[r["opens"]].append(str(r["meter"]))
        for opens, meter_ids in by_opens.items():
            read |= {(opens, m) for m in await readings.meters_read_since(meter_ids, local_midnight(opens))}
        skipped = [r["id"] for r in rows if (r["opens"], str(r["meter"])) in read]
        rows = [r for r in rows if (r["opens"], str(r["meter"])) not in read]
        await sending.mark(Reminder, skipped, "skipped")
        await self._emails([r for r in rows if r["channel"] == "email"])
        await self._sms([r for r in rows if r["channel"] == "sms"])
        await self._push([r for r in rows if r["channel"] == "push"], t)

    def _link(self, r: dict[str, Any]) -> str:
        return f"{self.settings.base_url}{capture_path(str(r['meter']))}"

    async def _emails(self, rows: list[dict[str, Any]]) -> None:
        s = self.settings
        for r in rows:
            subject, text = texts.mail(r["stage"], r["street"], r["closes"], self._link(r), s.utility_name,
                                       r["language"])
            async with transaction():  # the mail and the record commit together: never twice
                if await sending.claim(Reminder, r["id"]):  # not sent meanwhile by another process (same job)
                    await queue_mail(r["address"], subject, text)

    async def _sms(self, rows: list[dict[str, Any]]) -> None:
        s = self.settings
        messages = [sms.Outgoing(f"reminder:{r['key']}", r["address"],
                                 texts.sms(r["stage"], r["street"], r["closes"], self._link(r), s.utility_name,
                                           r["language"]), "reminder", str(r["customer"])) for r in rows]
        async with transaction():
            await sms.queue_many(s, messages)
            await sending.mark(Reminder, [r["id"] for r in rows], "sent")

    async def _push(self, rows: list[dict[str, Any]], t: datetime) -> None:
        """A device with reminders for two service points gets both: a push call takes one
        message per device, so those go in rounds."""
        rounds: list[list[dict[str, Any]]] = []
        seen: dict[str, int] = defaultdict(int)
        for r in rows:
            n = seen[r["recipient"]]
            seen[r["recipient"]] += 1
            if n == len(rounds):
                rounds.append([])
            rounds[n].append(r)
        for one_each in rounds:
            await self._push_round(one_each, t)

    async def _push_round(self, rows: list[dict[str, Any]], t: datetime) -> None:
        payloads: dict[str, bytes] = {}
        topics: dict[str, str] = {}
        for r in rows:
            title, body = texts.reminder(r["stage"], r["street"], r["closes"], r["language"])
            payloads[r["recipient"]] = json.dumps({
                "type": "reminder", "title": title, "body": body, "tag": f"reminder-{r['service_point']}",
                "url": capture_path(str(r["meter"])), "lang": r["language"],
            }, ensure_ascii=False).encode()
            topics[r["recipient"]] = uuid.UUID(str(r["service_point"])).hex
        end = datetime.combine(rows[0]["closes"] + timedelta(days=1), datetime.min.time(), WARSAW).astimezone(UTC)
        ttl = max(900, min(24 * 3600, int((end - t).total_seconds())))
        results = await outages.push_to(self.settings, payloads, topics, ttl=ttl)
        await sending.record_push(Reminder, SEND_JOB, rows, results, t)
