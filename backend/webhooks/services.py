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
import logging
import secrets
import uuid
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
import msgspec
from standardwebhooks.webhooks import Webhook

from backend.core import egress, outbox
from backend.core.clock import iso, now
from backend.core.db import json_column, json_list, transaction
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


async def emit(event_type: str, data: dict[str, Any]) -> str | None:
    """Record that `event_type` happened, for every endpoint that wants it, in the caller's
    transaction: the event exists if and only if the change was committed. Returns its id (None
    when no endpoint wants it, and nothing is stored)."""
    assert event_type in EVENTS, event_type
    endpoints = await WebhookEndpoint.select(WebhookEndpoint.id, WebhookEndpoint.events).where(
        WebhookEndpoint.active.eq(True))
    targets = [e["id"] for e in endpoints if event_type in json_list(e["events"])]
    if not targets:
        return None
    event_id = f"msg_{uuid.uuid4().hex}"
    t = now()
    body = {"type": event_type, "timestamp": iso(t), "data": _json(data)}
    async with transaction():
        await WebhookEvent.insert(WebhookEvent(id=event_id, type=event_type, payload=body, created_at=t))
        for endpoint in targets:
            delivery_id = uuid.uuid4()
            await WebhookDelivery.insert(WebhookDelivery(id=delivery_id, event=event_id, endpoint=endpoint,
                                                         status="pending", created_at=t, next_attempt_at=t))
            await outbox.enqueue(KIND, {"delivery": str(delivery_id), "since": iso(t)})
    return event_id


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
    row = await WebhookDelivery.select(WebhookDelivery.id, WebhookDelivery.endpoint.active).where(
        WebhookDelivery.id == key).first()
    if row is None or not row["endpoint.active"]:
        raise not_found("delivery")
    t = now()
    async with transaction():
        await WebhookDelivery.update({WebhookDelivery.status: "pending", WebhookDelivery.next_attempt_at: t}).where(
            WebhookDelivery.id == key)
        await outbox.enqueue(KIND, {"delivery": str(key), "since": iso(t)})
    (row,) = await WebhookDelivery.raw(_LOG_SQL % "AND d.id = {}", key, 1)
    return _delivery_out(row)


# --- sending ------------------------------------------------------------------------------------------


_JOB_SQL = """
SELECT d.status, d.attempts, e.id AS event_id, e.payload, w.url, w.secret, w.active
FROM webhook_delivery d JOIN webhook_event e ON e.id = d.event JOIN webhook_endpoint w ON w.id = d.endpoint
WHERE d.id = {}
"""


class Sender:
    """The outbox handler of `webhook` jobs: one delivery attempt per run."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._clients: dict[asyncio.AbstractEventLoop, httpx.AsyncClient] = {}

    def _client(self) -> httpx.AsyncClient:
        loop = asyncio.get_running_loop()
        client = self._clients.get(loop)
        if client is None or client.is_closed:
            limits = httpx.Limits(max_connections=self.settings.webhook_in_flight,
                                  max_keepalive_connections=self.settings.webhook_in_flight)
            client = httpx.AsyncClient(
                transport=egress.PublicOnlyTransport(allowed_hosts=self.settings.webhook_test_hosts, limits=limits),
                timeout=TIMEOUT, follow_redirects=False,
                headers={"User-Agent": "e-BOK webhooks", "Content-Type": "application/json"})
            self._clients = {loop: client}  # one loop at a time (tests run a loop per test)
        return client

    async def __call__(self, payload: dict[str, Any]) -> None:
        key = uuid.UUID(payload["delivery"])
        rows = await WebhookDelivery.raw(_JOB_SQL, key)
        if not rows or rows[0]["status"] != "pending":
            return  # delivered already (a resend raced a retry), or gone
        r = rows[0]
        if not r["active"]:
            await WebhookDelivery.update({WebhookDelivery.status: "failed", WebhookDelivery.next_attempt_at: None}).where(
                WebhookDelivery.id == key)
            return
        body = msgspec.json.encode(json_column(r["payload"])).decode()
        t = now()
        headers = {"webhook-id": r["event_id"], "webhook-timestamp": str(int(t.timestamp())),
                   "webhook-signature": Webhook(r["secret"]).sign(r["event_id"], t, body)}
        status: int | None = None
        try:
            answer = await self._client().post(r["url"], content=body.encode(), headers=headers)
            status, text = answer.status_code, answer.text[:ANSWER_KEPT]
        except (httpx.HTTPError, egress.ForbiddenAddress, OSError) as exc:
            text = f"{type(exc).__name__}: {exc}"[:ANSWER_KEPT]
        failures = int(r["attempts"]) + 1
        values: dict[Any, Any] = {WebhookDelivery.attempts: failures, WebhookDelivery.last_attempt_at: t,
                                  WebhookDelivery.response_status: status, WebhookDelivery.response_body: text}
        if status is not None and 200 <= status < 300:
            values.update({WebhookDelivery.status: "delivered", WebhookDelivery.delivered_at: t,
                           WebhookDelivery.next_attempt_at: None})
            await WebhookDelivery.update(values).where(WebhookDelivery.id == key)
            return
        since = datetime.fromisoformat(payload.get("since") or iso(t))
        delay = retry_delay(failures)
        if t + timedelta(seconds=delay) > since + RETRY_FOR:
            values.update({WebhookDelivery.status: "failed", WebhookDelivery.next_attempt_at: None})
            await WebhookDelivery.update(values).where(WebhookDelivery.id == key)
            log.warning("webhook delivery %s given up after %s attempts", key, failures)
            return
        values[WebhookDelivery.next_attempt_at] = t + timedelta(seconds=delay)
        await WebhookDelivery.update(values).where(WebhookDelivery.id == key)
        raise outbox.RetryLater(delay, f"endpoint answered {status}" if status else text)
