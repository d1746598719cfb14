"""Webhooks (issue 14): the office registers HTTPS endpoints; the domains' services call `emit` in
the transaction of the change, which stores the event and queues one outbox job per endpoint that
wants it. The sender signs each request per the Standard Webhooks specification (webhook-id,
webhook-timestamp, webhook-signature: HMAC-SHA256 with the endpoint's secret, `standardwebhooks`)
and retries a failed delivery on the specification's schedule for up to three days. Every attempt
of one event carries the same webhook-id, so a receiver that saw it already can drop it (delivery
is at least once)."""

from __future__ import annotations

import asyncio
import base64
import contextvars
import logging
import secrets
import ssl
import uuid
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
import msgspec
from standardwebhooks.webhooks import Webhook

from backend.core import bulk, egress, outbox
from backend.core.clock import iso, now
from backend.core.db import is_postgres, json_list, rows, transaction
from backend.core.errors import ApiError, not_found
from backend.settings import Settings
from backend.webhooks.schemas import DeliveryOut, EndpointCreated, EndpointOut
from backend.webhooks.tables import WebhookDelivery, WebhookEndpoint, WebhookEvent

log = logging.getLogger("ebok.webhooks")

EVENTS = ("reading.received", "reading.status_changed", "customer.contact_changed", "consent.changed",
          "payment.received")
KIND = "webhook"  # the outbox job's kind
RETRY_FOR = timedelta(days=3)
# the Standard Webhooks specification's example schedule after each failed attempt; the last step repeats
SCHEDULE = (5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600)
TIMEOUT = 15.0
ANSWER_KEPT = 500  # characters of an endpoint's answer kept in the log


def retry_delay(failures: int) -> float:
    """Seconds before the next attempt after `failures` failed ones (1: the first failed)."""
    return float(SCHEDULE[min(max(failures, 1), len(SCHEDULE)) - 1])


# --- the office's endpoints --------------------------------------------------------------------------


def _invalid(message: str = "The webhook URL must be an https URL of a public host") -> ApiError:
    return ApiError("webhook_url_invalid", message, 400, field="url")


async def check_url(settings: Settings, url: str) -> str:
    """https, no user or password in it, a host name that resolves only to public addresses (the
    sender checks again at every connection: backend/core/egress.py). EBOK_WEBHOOK_TEST_HOSTS
    (tests only) may be plain http and private."""
    url = url.strip()
    if not url or len(url) > 500 or not url.isascii() or not url.isprintable() or " " in url:
        raise _invalid()
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        httpx.URL(url)
    except (ValueError, httpx.InvalidURL):
        raise _invalid() from None
    host = (parts.hostname or "").lower()
    if parts.username or parts.password or not host or parts.fragment:
        raise _invalid()
    if host in settings.webhook_test_hosts:
        if parts.scheme not in ("http", "https"):
            raise _invalid()
        return url
    if parts.scheme != "https":
        raise _invalid()
    try:
        await egress.public_addresses(host, port)
    except egress.ForbiddenAddress:
        raise _invalid("The webhook URL's host does not resolve to a public address") from None
    return url


def _endpoint_out(r: dict[str, Any]) -> EndpointOut:
    return EndpointOut(id=str(r["id"]), url=r["url"], description=r["description"], events=json_list(r["events"]),
                       active=bool(r["active"]), created_at=iso(r["created_at"]))


def _events(events: list[str]) -> list[str]:
    unknown = sorted(set(events) - set(EVENTS))
    if unknown or not events:
        raise ApiError("webhook_event_unknown", f"Unknown event {', '.join(unknown) or '(none given)'}; "
                       f"known: {', '.join(EVENTS)}", 400, field="events")
    return [e for e in EVENTS if e in events]


async def create_endpoint(settings: Settings, url: str, events: list[str], description: str = "") -> EndpointCreated:
    """A new endpoint and its signing secret, which this answer is the only one to show."""
    url = await check_url(settings, url)
    chosen = _events(events)
    secret = "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()
    endpoint_id = uuid.uuid4()
    await WebhookEndpoint.insert(WebhookEndpoint(
        id=endpoint_id, url=url, description=description.strip()[:200], secret=secret, events=chosen,
        active=True, created_at=now()))
    row = await WebhookEndpoint.select().where(WebhookEndpoint.id == endpoint_id).first()
    assert row is not None
    return EndpointCreated(endpoint=_endpoint_out(row), secret=secret)


async def list_endpoints() -> list[EndpointOut]:
    rows = await WebhookEndpoint.select().where(WebhookEndpoint.active.eq(True)).order_by(WebhookEndpoint.created_at)
    return [_endpoint_out(r) for r in rows]


async def disable_endpoint(endpoint_id: str) -> None:
    """The endpoint gets nothing more; its log stays (pending deliveries end as failed)."""
    try:
        done = await WebhookEndpoint.update({WebhookEndpoint.active: False, WebhookEndpoint.disabled_at: now()}).where(
            (WebhookEndpoint.id == endpoint_id) & WebhookEndpoint.active.eq(True)).returning(WebhookEndpoint.id)
    except ValueError:
        done = []
    if not done:
        raise not_found("webhook")


# --- emitting -----------------------------------------------------------------------------------------


def _json(value: Any) -> Any:
    return msgspec.to_builtins(value, builtin_types=(), enc_hook=str)


class _Emitting:
    """What one transaction learnt on its first emit: the active endpoints and the wake-up jobs it
    queued, so that its further events cost their own rows only."""

    __slots__ = ("endpoints", "tx", "woken")

    def __init__(self, tx: Any, endpoints: list[tuple[Any, list[str]]]) -> None:
        self.tx = tx
        self.endpoints = endpoints
        self.woken: set[Any] = set()


_emitting: contextvars.ContextVar[_Emitting | None] = contextvars.ContextVar("ebok_webhooks_emitting", default=None)


async def _state(tx: Any) -> _Emitting:
    state = _emitting.get()
    if state is not None and state.tx is tx:
        return state
    rows = await WebhookEndpoint.select(WebhookEndpoint.id, WebhookEndpoint.events).where(
        WebhookEndpoint.active.eq(True))
    state = _Emitting(tx, [(r["id"], json_list(r["events"])) for r in rows])
    _emitting.set(state)
    return state


_EVENT_COLUMNS = ("id", "type", "payload", "created_at")
_DELIVERY_COLUMNS = ("id", "event", "endpoint", "status", "attempts", "response_body", "created_at",
                     "next_attempt_at", "retry_from")


async def emit(event_type: str, data: dict[str, Any]) -> str | None:
    """Record that `event_type` happened, for every endpoint that wants it, in the caller's
    transaction: the event exists if and only if the change was committed. Returns its id (None
    when no endpoint wants it, and nothing is stored)."""
    ids = await emit_many(event_type, [data])
    return ids[0] if ids else None


async def emit_many(event_type: str, items: list[dict[str, Any]]) -> list[str]:
    """`emit` for many events of one type at once (a registry import's contact changes): one
    insert of the events and one of their deliveries, whatever their number. The endpoints are
    read and their wake-up jobs queued once per transaction, so a transaction that emits an event
    per row pays two inserts per event."""
    assert event_type in EVENTS, event_type
    if not items:
        return []
    async with transaction() as tx:
        state = await _state(tx)
        targets = [e for e, events in state.endpoints if event_type in events]
        if not targets:
            return []
        t = now()
        stamp = iso(t)
        events: list[tuple[Any, ...]] = []
        wanted: list[tuple[Any, ...]] = []
        ids: list[str] = []
        for data in items:
            event_id = f"msg_{uuid.uuid4().hex}"
            ids.append(event_id)
            body = msgspec.json.encode({"type": event_type, "timestamp": stamp, "data": _json(data)}).decode()
            events.append((event_id, event_type, body, t))
            wanted += [(uuid.uuid4(), event_id, endpoint, "pending", 0, "", t, t, t) for endpoint in targets]
        await bulk.insert(tx, WebhookEvent, _EVENT_COLUMNS, events, copy=len(events) > 50)
        await bulk.insert(tx, WebhookDelivery, _DELIVERY_COLUMNS, wanted, copy=len(wanted) > 50)
        for endpoint in targets:
            if endpoint not in state.woken:
                state.woken.add(endpoint)
                await outbox.enqueue(KIND, {"endpoint": str(endpoint)})
    return ids


# --- the delivery log ---------------------------------------------------------------------------------


_LOG_SQL = """
SELECT d.id, d.event, d.endpoint, d.status, d.attempts, d.last_attempt_at, d.next_attempt_at,
       d.response_status, d.response_body, d.delivered_at, d.created_at, e.type, w.url
FROM webhook_delivery d JOIN webhook_event e ON e.id = d.event JOIN webhook_endpoint w ON w.id = d.endpoint
WHERE (w.active OR d.status != 'pending') %s
ORDER BY d.created_at DESC, d.id LIMIT {}
"""


def _delivery_out(r: dict[str, Any]) -> DeliveryOut:
    def at(value: Any) -> str | None:
        if value is None or isinstance(value, datetime):
            return iso(value)
        return iso(datetime.fromisoformat(str(value)))

    return DeliveryOut(
        id=str(r["id"]), event_id=r["event"], type=r["type"], endpoint_id=str(r["endpoint"]), url=r["url"],
        status=r["status"], attempts=int(r["attempts"]), last_attempt_at=at(r["last_attempt_at"]),
        next_attempt_at=at(r["next_attempt_at"]) if r["status"] == "pending" else None,
        response_status=r["response_status"], response_body=r["response_body"] or "",
        delivered_at=at(r["delivered_at"]), created_at=at(r["created_at"]) or "")


async def deliveries(endpoint_id: str | None = None, limit: int = 100) -> list[DeliveryOut]:
    """The latest deliveries, newest first, each with the last answer its endpoint gave."""
    args: list[Any] = []
    where = ""
    if endpoint_id:
        try:
            args.append(uuid.UUID(endpoint_id))
        except ValueError:
            raise not_found("webhook") from None
        where = "AND d.endpoint = {}"
    rows = await WebhookDelivery.raw(_LOG_SQL % where, *args, limit)
    return [_delivery_out(r) for r in rows]


async def resend(delivery_id: str) -> DeliveryOut:
    """Deliver this event to this endpoint again ("Wyślij ponownie"), with the same webhook-id, and
    retry it for three days more if the endpoint still fails."""
    try:
        key = uuid.UUID(delivery_id)
    except ValueError:
        raise not_found("delivery") from None
    row = await WebhookDelivery.select(WebhookDelivery.id, WebhookDelivery.endpoint,
                                       WebhookDelivery.endpoint.active).where(
        WebhookDelivery.id == key).first()
    if row is None or not row["endpoint.active"]:
        raise not_found("delivery")
    t = now()
    async with transaction():
        await WebhookDelivery.update({WebhookDelivery.status: "pending", WebhookDelivery.next_attempt_at: t,
                                      WebhookDelivery.retry_from: t}).where(WebhookDelivery.id == key)
        await outbox.enqueue(KIND, {"endpoint": str(row["endpoint"])})
    (row,) = await WebhookDelivery.raw(_LOG_SQL % "AND d.id = {}", key, 1)
    return _delivery_out(row)


# --- retention ----------------------------------------------------------------------------------------


_EXPIRED = """
SELECT e.id FROM webhook_event e
WHERE e.created_at < {} AND NOT EXISTS (
    SELECT 1 FROM webhook_delivery d WHERE d.event = e.id
    AND (d.status = 'pending' OR COALESCE(d.delivered_at, d.last_attempt_at, d.created_at) >= {}))
LIMIT 1000
"""


async def purge(retention_days: int, at: datetime | None = None) -> int:
    """Delete the events (their bodies hold contact data) whose every delivery reached its final
    state (delivered, or failed: given up or its endpoint removed) more than `retention_days` ago,
    with their deliveries; returns how many events went. A pending delivery keeps its event."""
    cutoff = (at or now()) - timedelta(days=retention_days)
    gone = 0
    while True:
        async with transaction():
            ids = [r["id"] for r in await WebhookEvent.raw(_EXPIRED, cutoff, cutoff)]
            if not ids:
                return gone
            await WebhookDelivery.delete().where(WebhookDelivery.event.is_in(ids))
            await WebhookEvent.delete().where(WebhookEvent.id.is_in(ids))
        gone += len(ids)


# --- sending ------------------------------------------------------------------------------------------


# A delivery being sent is claimed by moving its next attempt this far ahead: a process that dies
# mid-batch leaves it due again before its outbox job's lease (outbox.LEASE) ends and the job reruns.
CLAIM_LEASE = timedelta(minutes=3)
assert CLAIM_LEASE < outbox.LEASE

_CLAIM = """
UPDATE webhook_delivery SET next_attempt_at = {}
WHERE id IN (
    SELECT id FROM webhook_delivery
    WHERE endpoint = {} AND status = 'pending' AND next_attempt_at <= {}
    ORDER BY next_attempt_at LIMIT {} %s
)
RETURNING id, event, attempts, retry_from, created_at
"""
_BOOK_COLUMNS = ("status", "attempts", "last_attempt_at", "response_status", "response_body", "next_attempt_at",
                 "delivered_at")


def _at(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


class Sender:
    """The outbox handler of `webhook` jobs. A job wakes one endpoint: it claims that endpoint's
    due deliveries a batch at a time (several processes may run jobs of one endpoint: a claimed
    delivery is not due for the others), sends each batch over one pooled keep-alive client with
    at most EBOK_WEBHOOK_IN_FLIGHT requests at once, books the batch's outcomes in one statement,
    and stays queued (RetryLater) until the endpoint's failed deliveries are delivered or given
    up. A job that finds nothing due ends: another one has them."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.batch = max(16, settings.webhook_in_flight * 2)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ssl: ssl.SSLContext | None = None
        self._pools: dict[uuid.UUID, list[httpx.AsyncClient]] = {}
        # one job per endpoint at a time in this process: the jobs queued by many transactions run
        # one after the other (the first sends what all of them queued, the rest find nothing due),
        # so the requests in flight stay within the pool (httpcore's pool slows down with a queue)
        self._busy: dict[Any, asyncio.Lock] = {}

    def _clients_of(self, endpoint: uuid.UUID) -> list[httpx.AsyncClient]:
        """EBOK_WEBHOOK_IN_FLIGHT clients of one connection each, kept alive (HTTP/1.1) between
        batches: httpcore's pool walks all its connections and queued requests for every request,
        so one pool of 64 costs more per request than 64 pools of one."""
        loop = asyncio.get_running_loop()
        if self._loop is not loop:  # one loop at a time (tests run a loop per test)
            self._loop, self._pools = loop, {}
        clients = self._pools.get(endpoint)
        if clients is None or any(c.is_closed for c in clients):
            limits = httpx.Limits(max_connections=1, max_keepalive_connections=1, keepalive_expiry=30)
            if self._ssl is None:  # one for all: loading the CA certificates takes ~0.1 s each time
                self._ssl = httpx.create_ssl_context()
            clients = [httpx.AsyncClient(
                transport=egress.PublicOnlyTransport(allowed_hosts=self.settings.webhook_test_hosts, limits=limits,
                                                     ssl_context=self._ssl),
                timeout=TIMEOUT, follow_redirects=False,
                headers={"User-Agent": "e-BOK webhooks", "Content-Type": "application/json"})
                for _ in range(self.settings.webhook_in_flight)]
            self._pools[endpoint] = clients
        return clients

    async def __call__(self, payload: dict[str, Any]) -> None:
        endpoint_id = payload.get("endpoint")
        if endpoint_id is None:  # a job queued before jobs were per endpoint: one delivery's
            row = await WebhookDelivery.select(WebhookDelivery.endpoint).where(
                WebhookDelivery.id == uuid.UUID(payload["delivery"])).first()
            if row is None:
                return
            endpoint_id = row["endpoint"]
        key = uuid.UUID(str(endpoint_id))
        endpoint = await WebhookEndpoint.select(WebhookEndpoint.url, WebhookEndpoint.secret,
                                                WebhookEndpoint.active).where(WebhookEndpoint.id == key).first()
        if endpoint is None:
            return
        if not endpoint["active"]:  # its pending deliveries end as failed
            await WebhookDelivery.update({WebhookDelivery.status: "failed", WebhookDelivery.next_attempt_at: None}).where(
                (WebhookDelivery.endpoint == key) & (WebhookDelivery.status == "pending"))
            return
        lock = self._busy.setdefault(key, asyncio.Lock())
        try:
            async with lock:
                await self._run(key, endpoint["url"], Webhook(endpoint["secret"]))
        finally:
            if not lock.locked() and self._busy.get(key) is lock:
                del self._busy[key]

    async def _run(self, key: uuid.UUID, url: str, signer: Webhook) -> None:
        sent = 0
        while True:
            if outbox.stopping():
                raise outbox.RetryLater(0, "worker stopping")
            claimed = await self._claim(key)
            if not claimed:
                break
            sent += len(claimed)
            try:
                await self._send(key, url, signer, claimed)
            except asyncio.CancelledError:  # shutdown: what was claimed is due again at once
                await WebhookDelivery.update({WebhookDelivery.next_attempt_at: now()}).where(
                    WebhookDelivery.id.is_in([c["id"] for c in claimed]) & (WebhookDelivery.status == "pending"))
                raise
        if not sent:
            return
        rows = await WebhookDelivery.raw(
            "SELECT MIN(next_attempt_at) AS due FROM webhook_delivery WHERE endpoint = {} AND status = 'pending'", key)
        due = rows[0]["due"] if rows else None
        if due is not None:
            wait = max(0.0, (_at(due) - now()).total_seconds())
            raise outbox.RetryLater(wait, "the endpoint has deliveries to retry")

    async def _claim(self, endpoint: uuid.UUID) -> list[dict[str, Any]]:
        t = now()
        sql = _CLAIM % ("FOR UPDATE SKIP LOCKED" if is_postgres() else "")
        async with transaction():
            claimed: list[dict[str, Any]] = await WebhookDelivery.raw(sql, t + CLAIM_LEASE, endpoint, t, self.batch)
        if not claimed:
            return []
        bodies = await rows("SELECT id, payload FROM webhook_event WHERE id IN ({each})",
                            each=list({c["event"] for c in claimed}))
        payloads = {r[0]: r[1] for r in bodies}
        for c in claimed:
            body = payloads.get(c["event"])
            c["body"] = body if isinstance(body, str) else msgspec.json.encode(body).decode()
        return claimed

    async def _send(self, endpoint: uuid.UUID, url: str, signer: Webhook, claimed: list[dict[str, Any]]) -> None:
        todo = iter(enumerate(claimed))
        outcomes: list[tuple[datetime, int | None, str]] = [(now(), None, "")] * len(claimed)

        async def sending(client: httpx.AsyncClient) -> None:
            for i, c in todo:  # each client takes the next delivery when it is free
                t = now()
                headers = {"webhook-id": c["event"], "webhook-timestamp": str(int(t.timestamp())),
                           "webhook-signature": signer.sign(c["event"], t, c["body"])}
                try:
                    answer = await client.post(url, content=c["body"].encode(), headers=headers)
                    outcomes[i] = (t, answer.status_code, answer.text[:ANSWER_KEPT])
                except (httpx.HTTPError, egress.ForbiddenAddress, OSError) as exc:
                    outcomes[i] = (t, None, f"{type(exc).__name__}: {exc}"[:ANSWER_KEPT])

        clients = self._clients_of(endpoint)[:len(claimed)]
        await asyncio.gather(*(sending(c) for c in clients))
        booked: list[tuple[Any, ...]] = []
        for c, (t, status, text) in zip(claimed, outcomes, strict=True):
            attempts = int(c["attempts"]) + 1
            if status is not None and 200 <= status < 300:
                booked.append(("delivered", attempts, t, status, text, None, t, c["id"]))
                continue
            since = _at(c["retry_from"] or c["created_at"])
            retry_at = t + timedelta(seconds=retry_delay(attempts))
            if retry_at > since + RETRY_FOR:
                log.warning("webhook delivery %s given up after %s attempts", c["id"], attempts)
                booked.append(("failed", attempts, t, status, text, None, None, c["id"]))
            else:
                booked.append(("pending", attempts, t, status, text, retry_at, None, c["id"]))
        async with transaction() as tx:
            await bulk.update(tx, WebhookDelivery, _BOOK_COLUMNS, booked)
