"""Notices about a resident's own data (issue 15.2), the notices domain's side of core/notify.

`notice_fanout` (a batch of events, queued by the domain of the change in its transaction) decides
who is told and how: the customer's choices for "notices" in Konto → Powiadomienia (push and e-mail
unless turned off, SMS only when chosen, to a mobile number), in the language of the account. E-mail
and SMS need the consent to process the contact data; a new invoice or correction is not e-mailed
to a customer with e-Faktura (the invoice itself comes by e-mail); an outage's notice leaves out the
channels the outage's own alert uses when that alert goes out with the same change. It writes one
`notice` row per event, channel and recipient, unique by its key (a job that runs again adds none),
with the `notice_send` jobs that send them; push and SMS are due no earlier than 8:00 and never
between 21:00 and 8:00 Warsaw time (rules.not_quiet, as for the reading reminders). All the look-ups
are per batch (a query per kind of fact for up to 500 events), never per customer."""

from __future__ import annotations

import json
import logging
import uuid
from collections import defaultdict
from datetime import datetime
from typing import Any

from backend.accounts import services as accounts
from backend.consents import services as consents
from backend.core import notify, outbox, sms
from backend.core.clock import now
from backend.core.db import json_column, transaction
from backend.core.mail import queue_mail
from backend.customers import services as customers
from backend.notices import notice_texts, rules, sending
from backend.notices.tables import Notice
from backend.outages import services as outages
from backend.settings import Settings

log = logging.getLogger("ebok.notices")

FANOUT_JOB = notify.JOB
SEND_JOB = "notice_send"
JOB_SIZE = 200  # notices a send job takes
TTL = 24 * 3600
DOCUMENTS = ("invoice", "correction", "reminder")
OUTAGES = ("outage_extended", "outage_ended")

_INSERT = (
    "INSERT INTO notice (id, key, kind, customer, channel, recipient, address, language, data, url, status, "
    "attempts, due_at, created_at) VALUES %s ON CONFLICT DO NOTHING RETURNING id"
)


def url_of(kind: str, data: dict[str, Any]) -> str:
    """The PWA screen a notice opens: the meter's reading history, the document, the outage."""
    if kind.startswith("reading_"):
        return f"/odczyty/historia?licznik={data['meter_id']}"
    if kind in DOCUMENTS:
        return f"/rozliczenia/dokument?id={data['document_id']}"
    if kind in OUTAGES:
        return f"/awarie?id={data['outage_id']}"
    return "/rozliczenia"


def tag_of(kind: str, ref: str, data: dict[str, Any]) -> str:
    # an outage's notice replaces its alert on the device (the alert's tag)
    return f"outage-{data['outage_id']}" if kind in OUTAGES else f"notice-{kind}-{ref}"


async def fan_out(events: list[dict[str, Any]], at: datetime) -> int:
    """Write the notices of `events` (at `at`: the quiet hours count from it). Returns how many."""
    customer_ids = sorted({e["customer"] for e in events})
    chosen = {ch: await consents.given_of(customer_ids, f"notice_{ch}") for ch in ("push", "email", "sms")}
    contact = await consents.given_of(customer_ids, "contact_data")
    doc_customers = sorted({e["customer"] for e in events if e["kind"] in ("invoice", "correction")})
    e_invoice = set(await consents.e_invoice_addresses(doc_customers)) if doc_customers else set()
    outage_customers = sorted({e["customer"] for e in events if e["kind"] in OUTAGES and e["data"].get("alerted")})
    alert_email = await consents.given_of(outage_customers, "email_alerts") if outage_customers else set()
    alert_sms = await consents.given_of(outage_customers, "sms_alerts") if outage_customers else set()
    wanted = sorted(chosen["push"] | chosen["email"])
    users_of = await accounts.accounts_of_customers(wanted) if wanted else {}
    push_users = sorted({u["id"] for c in chosen["push"] for u in users_of.get(c, []) if u["active"]})
    devices_of: dict[str, list[str]] = defaultdict(list)
    for d in await outages.devices_of(push_users):
        devices_of[d["user"]].append(d["id"])
    sms_customers = sorted(chosen["sms"] & contact)
    phones = await customers.phones_of(sms_customers) if sms_customers else {}
    sms_language = await accounts.accounts_of_customers(sorted(set(phones) - set(users_of))) if phones else {}
    quiet_ok = rules.not_quiet(at)
    rows: list[tuple[Any, ...]] = []
    for e in events:
        c, kind, data = e["customer"], e["kind"], e["data"]
        alerted = kind in OUTAGES and data.get("alerted")  # the outage's alert goes out too
        linked = [u for u in users_of.get(c, []) if u["active"]]
        url = url_of(kind, data)

        def row(channel: str, recipient: str, address: str, lang: str, due: datetime,
                e: dict[str, Any] = e, url: str = url, **extra: str) -> tuple[Any, ...]:
            key = f"{e['kind']}:{e['ref']}:{channel}:{recipient}"[:200]
            return (uuid.uuid4(), key, e["kind"], uuid.UUID(e["customer"]), channel, recipient, address,
                    lang if lang in notice_texts.WORDS else "pl", json.dumps({**e["data"], "ref": e["ref"], **extra}),
                    url, due)

        if c in chosen["push"] and not alerted:
            # owner: the account the device subscribed with; the device shows the content only while it is logged in
            rows += [row("push", d, "", u["language"], quiet_ok, owner=u["id"])
                     for u in linked for d in devices_of.get(u["id"], [])]
        if c in chosen["email"] and c in contact and not (kind in ("invoice", "correction") and c in e_invoice) \
                and not (alerted and c in alert_email):
            rows += [row("email", u["id"], u["email"], u["language"], at) for u in linked if u["email"]]
        if c in chosen["sms"] and c in contact and not (alerted and c in alert_sms) \
                and (number := sms.mobile(phones.get(c, ""))):
            langs = [u["language"] for u in (users_of.get(c) or sms_language.get(c) or []) if u["active"]]
            rows.append(row("sms", c, number, langs[0] if langs else "pl", quiet_ok))
    return await _insert(rows)


async def _insert(rows: list[tuple[Any, ...]]) -> int:
    queued = 0
    t = now()
    for start in range(0, len(rows), JOB_SIZE):
        chunk = rows[start:start + JOB_SIZE]
        async with transaction():
            new: list[dict[str, Any]] = []
            for part in range(0, len(chunk), 60):  # SQLite's parameter limit
                piece = chunk[part:part + 60]
                marks = ", ".join("({}, {}, {}, {}, {}, {}, {}, {}, {}, {}, 'queued', 0, {}, {})" for _ in piece)
                args: list[Any] = []
                for r in piece:
                    args += [*r, t]
                new += await Notice.raw(_INSERT % marks, *args)
            due_of = {str(r[0]): r[10] for r in chunk}
            by_due: dict[datetime, list[str]] = defaultdict(list)
            for added in new:
                by_due[due_of[str(added["id"])]].append(str(added["id"]))
            for due_at, ids in by_due.items():
                await outbox.enqueue(SEND_JOB, {"ids": ids}, run_after=due_at)
        queued += len(new)
    return queued


class NoticeFanout:
    """`notice_fanout`: payload {"events": [{kind, customer, ref, data}]} (core/notify.emit)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def __call__(self, payload: dict[str, Any]) -> None:
        count = await fan_out(payload["events"], now())
        log.info("notices: %s events, %s notices queued", len(payload["events"]), count)


class NoticeSender:
    """`notice_send`: a batch of notices, each sent once on its channel."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def __call__(self, payload: dict[str, Any]) -> None:
        await self.send(payload, now())

    async def send(self, payload: dict[str, Any], t: datetime) -> None:
        """Send the batch as at `t` (the quiet hours and the retry times are counted from it)."""
        rows = await Notice.select().where(Notice.id.is_in([uuid.UUID(i) for i in payload["ids"]])
                                           & (Notice.status == "queued"))
        if not rows:
            return
        for r in rows:
            r["data"] = json_column(r["data"])
        rows = await sending.hold_for_morning(SEND_JOB, rows, t)
        rows = await self._still_wanted(rows)
        await self._emails([r for r in rows if r["channel"] == "email"])
        await self._sms([r for r in rows if r["channel"] == "sms"])
        await self._push([r for r in rows if r["channel"] == "push"], t)

    async def _still_wanted(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The rows whose channel the resident has not turned off (nor the contact-data consent
        withdrawn, for e-mail and SMS) since they were queued (a push held overnight); the others
        are `skipped`."""
        ids = sorted({str(r["customer"]) for r in rows})
        on = {ch: await consents.given_of(ids, f"notice_{ch}") for ch in {r["channel"] for r in rows}}
        contact = await consents.given_of(ids, "contact_data") if any(r["channel"] != "push" for r in rows) else set()

        def wanted(r: dict[str, Any]) -> bool:
            c = str(r["customer"])
            return c in on[r["channel"]] and (r["channel"] == "push" or c in contact)

        await sending.mark(Notice, [r["id"] for r in rows if not wanted(r)], "skipped")
        return [r for r in rows if wanted(r)]

    def _link(self, r: dict[str, Any]) -> str:
        return f"{self.settings.base_url}{r['url']}"

    async def _emails(self, rows: list[dict[str, Any]]) -> None:
        s = self.settings
        for r in rows:
            subject, text = notice_texts.mail(r["kind"], r["data"], self._link(r), s.utility_name, r["language"])
            async with transaction():  # the mail and the record commit together: never twice
                if await sending.claim(Notice, r["id"]):  # not sent meanwhile by another process that took the same job
                    await queue_mail(r["address"], subject, text)

    async def _sms(self, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        s = self.settings
        # the SMS's key names the notice row (unique by its own key, which runs past sms_message.key's
        # 120 characters for an outage's notice: cut, it lost the customer's id, and with it their SMS)
        messages = [sms.Outgoing(f"notice:{r['id']}", r["address"],
                                 notice_texts.sms(r["kind"], r["data"], self._link(r), s.utility_name, r["language"]),
                                 "notice", str(r["customer"])) for r in rows]
        async with transaction():
            await sms.queue_many(s, messages)
            await sending.mark(Notice, [r["id"] for r in rows], "sent")

    async def _push(self, rows: list[dict[str, Any]], t: datetime) -> None:
        if not rows:
            return
        # a push per device per call: a device's second notice of the batch goes in a job of its own
        first: dict[str, dict[str, Any]] = {}
        later: list[str] = []
        for r in rows:
            if r["recipient"] in first:
                later.append(str(r["id"]))
            else:
                first[r["recipient"]] = r
        if later:
            await outbox.enqueue(SEND_JOB, {"ids": later})
        rows = list(first.values())
        payloads: dict[str, bytes] = {}
        topics: dict[str, str] = {}
        for r in rows:
            title, body = notice_texts.notice(r["kind"], r["data"], r["language"])
            locked_title, locked_body = notice_texts.locked(r["language"])
            payloads[r["recipient"]] = json.dumps({
                "type": "notice", "kind": r["kind"], "title": title, "body": body,
                "tag": tag_of(r["kind"], r["data"].get("ref", ""), r["data"]), "url": r["url"], "lang": r["language"],
                # a shared or handed-on phone where this account logged out shows these instead (service-worker/sw.js)
                "owner": r["data"].get("owner", ""), "locked": {"title": locked_title, "body": locked_body},
            }, ensure_ascii=False).encode()
            topics[r["recipient"]] = uuid.uuid5(uuid.NAMESPACE_URL, r["key"]).hex
        results = await outages.push_to(self.settings, payloads, topics, ttl=TTL)
        await sending.record_push(Notice, SEND_JOB, rows, results, t)
