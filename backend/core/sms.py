"""SMS through SMSAPI.pl, the gateway most Polish utilities use: its documented HTTP interface
(POST {EBOK_SMSAPI_URL}/sms.do, a Bearer token, form fields, JSON answers) through core/egress.PostClient.

A message is a row in `sms_message` with a unique `key` (what it is about: an outage's alert to a
customer, a reading window's reminder), queued with an outbox job in the caller's transaction, so
the same message is never queued twice. The job claims the row (status `sending`) before its
request goes out and sends it with the row's id as SMSAPI's `idx` and `check_idx=1`: when an answer
was lost (a timeout) and the job runs again, the gateway refuses the repeated idx instead of
sending a second SMS, and the row is recorded as sent.

Parts are counted as the gateway counts them: GSM-7 (160 characters, 153 a part when split; the
extension characters take two) when every character is in the GSM alphabet, otherwise UCS-2 (70,
67 a part). With EBOK_SMS_ASCII=1 Polish letters are replaced first, so a Polish text stays GSM-7.

EBOK_SMS_MONTHLY_LIMIT caps the parts sent in a calendar month (Warsaw): a message over it is
`held`, not sent, and the office sees it (`month_usage`). Delivery reports (the gateway's callback
to /api/sms/report) are recorded on the message."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import re
import urllib.parse
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from backend.core import egress, metrics, outbox
from backend.core.clock import local_day, local_midnight, now
from backend.core.db import is_postgres, transaction
from backend.core.tables import SmsMessage
from backend.settings import Settings

log = logging.getLogger("ebok.sms")

JOB = "sms"

# --- length as the gateway counts it -----------------------------------------------------------

_GSM_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM_EXTENSION = set("^{}\\[~]|€\f")
_POLISH = str.maketrans("ąćęłńóśźżĄĆĘŁŃÓŚŹŻ„”–—…", "acelnoszzACELNOSZZ\"\"--.")


def to_ascii(text: str) -> str:
    """Polish letters (and typographic quotes and dashes) replaced, as SMSAPI's normalize does."""
    return text.replace("…", "...").translate(_POLISH)


@dataclass(frozen=True)
class Length:
    encoding: str  # gsm | ucs2
    characters: int  # as the gateway counts them (a GSM extension character is two)
    parts: int


def length(text: str) -> Length:
    if all(c in _GSM_BASIC or c in _GSM_EXTENSION for c in text):
        n = sum(2 if c in _GSM_EXTENSION else 1 for c in text)
        return Length("gsm", n, 1 if n <= 160 else -(-n // 153))
    n = sum(2 if ord(c) > 0xFFFF else 1 for c in text)  # UTF-16 code units
    return Length("ucs2", n, 1 if n <= 70 else -(-n // 67))


def prepare(settings: Settings, text: str) -> str:
    return to_ascii(text) if settings.sms_ascii else text


# --- phone numbers -------------------------------------------------------------------------------

# Polish mobile numbering (UKE's plan): the first two digits of the nine
MOBILE_PREFIXES = ("45", "50", "51", "53", "57", "60", "66", "69", "72", "73", "78", "79", "88")
_SEPARATORS = re.compile(r"[ \-()]")
_NUMBER = re.compile(r"(?:\+48|0048|48)?(\d{9})", re.ASCII)


def mobile(phone: str) -> str | None:
    """The number as the gateway takes it (48 and nine digits) when `phone` is a Polish mobile
    number (+48 optional, spaces, dashes and brackets allowed), else None."""
    m = _NUMBER.fullmatch(_SEPARATORS.sub("", phone.strip()))
    if not m or not m.group(1).startswith(MOBILE_PREFIXES):
        return None
    return "48" + m.group(1)


def masked(phone: str) -> str:
    return phone[:4] + "*****" + phone[-2:] if len(phone) > 6 else "***"


# --- queue ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Outgoing:
    key: str
    phone: str
    text: str
    kind: str
    customer: str | None = None


_INSERT_MANY = (
    "INSERT INTO sms_message (id, key, kind, customer, phone, text, encoding, parts, status, attempts, "
    "gateway_id, error, report, created_at) VALUES %s ON CONFLICT DO NOTHING RETURNING id"
)
JOB_SIZE = 20  # messages an `sms` job sends


async def queue_many(settings: Settings, messages: list[Outgoing]) -> int:
    """Queue many messages (an outage's alert): rows and jobs in transactions of 100 rows, each
    key at most once. Returns how many were queued."""
    queued = 0
    valid = [(m, n) for m in messages if (n := mobile(m.phone))]
    t = now()
    for start in range(0, len(valid), 100):
        chunk = valid[start:start + 100]
        args: list[Any] = []
        for m, number in chunk:
            text = prepare(settings, m.text)
            size = length(text)
            args += [uuid.uuid4(), m.key[:120], m.kind, uuid.UUID(m.customer) if m.customer else None, number, text,
                     size.encoding, size.parts, t]
        marks = ", ".join("({}, {}, {}, {}, {}, {}, {}, {}, 'queued', 0, '', '', '', {})" for _ in chunk)
        async with transaction():
            rows = await SmsMessage.raw(_INSERT_MANY % marks, *args)
            ids = [str(r["id"]) for r in rows]
            for i in range(0, len(ids), JOB_SIZE):
                await outbox.enqueue(JOB, {"ids": ids[i:i + JOB_SIZE]})
        queued += len(rows)
    return queued


async def queue_sms(settings: Settings, key: str, phone: str, text: str, kind: str,
                    customer: str | None = None) -> bool:
    """Queue one SMS unless one with this key exists; its job commits with the row. Returns
    whether it was queued (False: not a mobile number, or already queued under this key)."""
    return await queue_many(settings, [Outgoing(key, phone, text, kind, customer)]) == 1


def month_start(day: date) -> datetime:
    return local_midnight(day.replace(day=1))


_COUNTED = ("sending", "sent", "delivered", "undelivered")


async def parts_this_month(at: datetime) -> int:
    rows = await SmsMessage.raw(
        "SELECT COALESCE(SUM(parts), 0) AS n FROM sms_message WHERE status IN ('sending', 'sent', 'delivered', "
        "'undelivered') AND sent_at >= {}", month_start(local_day(at)))
    return int(rows[0]["n"] or 0)


@dataclass(frozen=True)
class Usage:
    month: str  # YYYY-MM
    parts_sent: int
    limit: int  # 0: none
    held: int  # messages not sent because the limit was reached
    failed: int


async def month_usage(settings: Settings, at: datetime) -> Usage:
    start = month_start(local_day(at))
    held = await SmsMessage.count().where((SmsMessage.status == "held") & (SmsMessage.created_at >= start))
    failed = await SmsMessage.count().where((SmsMessage.status == "failed") & (SmsMessage.created_at >= start))
    return Usage(local_day(at).strftime("%Y-%m"), await parts_this_month(at), settings.sms_monthly_limit, held, failed)


# --- the gateway --------------------------------------------------------------------------------

# SMSAPI's error codes (its documentation's list) that sending again cannot change: a wrong
# number, text or sender, a request it does not accept. Anything else (its 201 internal error,
# 203 too many requests, 103 no points left until the account is topped up, network errors, 5xx)
# is retried with the outbox's backoff.
FINAL_ERRORS = {8, 11, 12, 13, 14, 15, 17, 18, 19, 40, 41, 101, 102, 105, 110}
INVALID_NUMBER = 13
DUPLICATE_IDX = 53  # check_idx=1: the idx was used already, so the message went out before


def report_secret(settings: Settings) -> str:
    """The callback's key (in its query string): derived from the token, so nothing else to keep."""
    return hmac.new(settings.smsapi_token.encode() or b"ebok-demo", b"sms-report", hashlib.sha256).hexdigest()[:32]


def report_key_ok(settings: Settings, key: str) -> bool:
    return hmac.compare_digest(report_secret(settings), key)


class SmsDelivery:
    """The `sms` outbox job: a few messages (`ids`), each claimed, checked against the monthly
    limit and sent. A message that may succeed later gets a job of its own with the outbox's
    backoff; one the gateway refuses for good is `failed`; none is ever sent twice."""

    def __init__(self, settings: Settings, timeout: float = 15, in_flight: int = 10) -> None:
        self.settings = settings
        self.timeout = timeout
        self.in_flight = in_flight
        self._clients: dict[Any, egress.PostClient] = {}

    def _client(self) -> egress.PostClient:
        """The gateway's connections, kept alive: egress.PostClient, the fan-out client of the
        push alerts (httpx's pool cost ~3 ms of CPU a message here, mostly looking over its
        connections whenever it placed a request). The configured gateway is trusted: its host
        is the one the client may reach whatever its address (a local one in the tests)."""
        loop = asyncio.get_running_loop()  # a client belongs to its event loop
        client = self._clients.get(loop)
        if client is None:
            host = (urllib.parse.urlsplit(self.settings.smsapi_url).hostname or "").lower()
            self._clients = {loop: egress.PostClient(allowed_hosts=[host], connections_per_origin=20,
                                                     timeout=self.timeout)}
            client = self._clients[loop]
        return client

    async def aclose(self) -> None:
        for client in self._clients.values():
            client.close()
        self._clients = {}

    async def __call__(self, payload: dict[str, Any]) -> None:
        rows = await self._claim([uuid.UUID(i) for i in payload.get("ids") or [payload["id"]]])
        gate = asyncio.Semaphore(self.in_flight)

        async def one(row: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any], float | None]:
            async with gate:
                return await self.deliver(row)

        results = await asyncio.gather(*(one(r) for r in rows))
        async with transaction():  # one write for the batch: SQLite has one writer at a time
            for row, values, retry in results:
                await self._set(row["id"], **values)
                metrics.SMS.labels("retry" if retry is not None else values["status"]).inc()
                if retry is not None:
                    await outbox.enqueue(JOB, {"ids": [str(row["id"])]}, run_after=now() + timedelta(seconds=retry))

    async def deliver(self, row: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any], float | None]:
        """(row, what to record, seconds until a retry or None)."""
        try:
            return row, await self._send(row), None
        except outbox.GiveUp as exc:
            log.warning("SMS %s to %s failed for good: %s", row["id"], masked(row["phone"]), exc)
            return row, {"status": "failed", "error": str(exc)[:300]}, None
        except Exception as exc:
            attempts = int(row["attempts"])
            if attempts >= outbox.MAX_ATTEMPTS:
                return row, {"status": "failed", "error": repr(exc)[:300]}, None
            log.info("SMS %s: attempt %s failed (%r), retried", row["id"], attempts, exc)
            return row, {"status": "queued", "error": repr(exc)[:300]}, outbox.backoff(attempts)

    async def _claim(self, ids: list[uuid.UUID]) -> list[dict[str, Any]]:
        """The rows to send, now `sending` and counted against the month; those over the month's
        limit become `held`; sent, failed and held ones are left as they are."""
        t = now()
        async with transaction():
            if is_postgres():  # one process at a time counts the month and takes its parts
                await SmsMessage.raw("SELECT pg_advisory_xact_lock(4242015)")
            rows = await SmsMessage.select().where(SmsMessage.id.is_in(ids)
                                                   & SmsMessage.status.is_in(["queued", "sending"]))
            limit = self.settings.sms_monthly_limit
            used = await parts_this_month(t) if limit else 0
            out, held = [], []
            for row in rows:
                if row["status"] == "queued" and limit:
                    if used + int(row["parts"]) > limit:
                        held.append(row["id"])
                        continue
                    used += int(row["parts"])
                out.append(row)
            if held:
                await SmsMessage.update({SmsMessage.status: "held", SmsMessage.error: "monthly limit reached"}).where(
                    SmsMessage.id.is_in(held))
                log.warning("%s SMS not sent: the monthly limit of %s parts is reached", len(held), limit)
                metrics.SMS.labels("held").inc(len(held))
            if out:
                await SmsMessage.update({SmsMessage.status: "sending", SmsMessage.attempts: SmsMessage.attempts + 1}
                                        ).where(SmsMessage.id.is_in([r["id"] for r in out]))
                await SmsMessage.update({SmsMessage.sent_at: t}).where(
                    SmsMessage.id.is_in([r["id"] for r in out]) & SmsMessage.sent_at.is_null())
            for row in out:
                row["attempts"] = int(row["attempts"]) + 1
        return out

    async def _set(self, message_id: Any, **values: Any) -> None:
        await SmsMessage.update({getattr(SmsMessage, k): v for k, v in values.items()}).where(
            SmsMessage.id == message_id)

    async def _send(self, row: dict[str, Any]) -> dict[str, Any]:
        s = self.settings
        if not s.smsapi_token:  # the demo: nothing leaves, the message is kept as sent
            log.warning("SMS to %s not sent (no EBOK_SMSAPI_TOKEN): %s parts", masked(row["phone"]), row["parts"])
            return {"status": "sent", "gateway_id": "", "error": ""}
        form = {
            "to": row["phone"], "message": row["text"], "format": "json", "encoding": "utf-8",
            "idx": row["id"].hex, "check_idx": "1",
            "notify_url": f"{s.base_url}/api/sms/report?key={report_secret(s)}",
        }
        if s.sms_sender:
            form["from"] = s.sms_sender
        if s.sms_ascii:
            form["normalize"] = "1"
        headers = {"authorization": f"Bearer {s.smsapi_token}", "content-type": "application/x-www-form-urlencoded",
                   "accept": "application/json"}
        response = await self._client().post(f"{s.smsapi_url}/sms.do", headers,
                                             urllib.parse.urlencode(form).encode())
        if response.status_code >= 500 or response.status_code == 429:
            raise RuntimeError(f"gateway answered {response.status_code}")
        try:
            answer = json.loads(response.body)
        except ValueError:
            raise RuntimeError(f"gateway answered {response.status_code} without JSON") from None
        if isinstance(answer, dict) and "error" in answer and answer["error"] is not None and "list" not in answer:
            code = int(answer.get("error") or 0)
            message = str(answer.get("message", ""))[:200]
            if code == DUPLICATE_IDX:
                return {"status": "sent", "error": ""}
            if code in FINAL_ERRORS:
                raise outbox.GiveUp(f"gateway refused ({code}): {message}")
            raise RuntimeError(f"gateway error {code}: {message}")
        items = answer.get("list") or [] if isinstance(answer, dict) else []
        if not items:
            raise RuntimeError("gateway answered without a message list")
        item = items[0]
        if item.get("error"):
            code = int(item["error"])
            if code in FINAL_ERRORS:
                raise outbox.GiveUp(f"gateway refused the number ({code})")
            raise RuntimeError(f"gateway error {code}")
        return {"status": "sent", "gateway_id": str(item.get("id", ""))[:40], "error": ""}


# SMSAPI's report statuses (the callback's `status`, with `status_name`)
DELIVERED = {"DELIVERED"}
UNDELIVERED = {"UNDELIVERED", "FAILED", "REJECTED", "EXPIRED", "UNKNOWN", "STOP"}


async def record_reports(ids: list[str], names: list[str], idxs: list[str]) -> int:
    """The gateway's callback: MsgId, status_name and idx, comma-separated for several messages.
    Returns how many messages it matched."""
    matched = 0
    t = now()
    for i, gateway_id in enumerate(ids):
        name = (names[i] if i < len(names) else "").upper()[:20]
        status = "delivered" if name in DELIVERED else "undelivered" if name in UNDELIVERED else None
        values: dict[Any, Any] = {SmsMessage.report: name, SmsMessage.reported_at: t}
        if status:
            values[SmsMessage.status] = status
        idx = idxs[i] if i < len(idxs) else ""
        where: Any = SmsMessage.gateway_id == gateway_id[:40]
        if re.fullmatch(r"[0-9a-f]{32}", idx or ""):
            where = where | (SmsMessage.id == uuid.UUID(idx))
        rows = await SmsMessage.update(values).where(where & SmsMessage.status.is_in(
            ["sending", "sent", "delivered", "undelivered"])).returning(SmsMessage.id)
        matched += len(rows)
    return matched
