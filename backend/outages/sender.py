"""The `outage_alert` outbox job: one per publication. It writes one delivery row per targeted
device (unique per publication and device, so targeting again after a crash adds nothing) and
the e-mail alerts, then sends the rows in batches with a bounded number of requests in flight.

A batch is claimed (status `sending`, leased) before its requests go out and its results are
written when it ends, so a job that is resumed after a crash skips everything recorded as sent.
Only the requests of a batch that was in flight when a process died are sent again once the
lease runs out; they carry the same Topic and tag, so the push service and the phone keep one.

The leases also let several processes share one large fan-out: the job queues `outage_alert_send`
helpers, which any outbox worker (another `ebok serve` process, an `ebok worker`) takes and
which claim batches of the same publication. The job sends too, then waits for the helpers'
batches in flight before it decides whether retries remain."""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from backend.core import bulk, egress, metrics, outbox, sms
from backend.core.clock import now
from backend.core.db import is_postgres, transaction
from backend.core.db import rows as db_rows
from backend.core.mail import queue_mail
from backend.outages import area, push, services, targeting, texts, vapid
from backend.outages.tables import Outage, Publication, PushDelivery, PushSubscription
from backend.settings import Settings

log = logging.getLogger("ebok.outages.push")

SEND_JOB = "outage_alert_send"
LEASE = timedelta(minutes=2)  # a batch not recorded by then was lost with its process
MAX_ATTEMPTS = 10
UNFINISHED = ("pending", "retry", "sending")

# `{}` are Piccolo's parameters; `%s` takes only row placeholders or the lock clause made here
_INSERT_EMAILS = (
    "INSERT INTO alert_email (id, publication, user_id, queued_at) VALUES %s ON CONFLICT DO NOTHING RETURNING user_id"
)
_CLAIM = (
    "UPDATE push_delivery SET status = 'sending', next_attempt_at = {}, attempts = attempts + 1 "
    "WHERE id IN (SELECT id FROM push_delivery WHERE publication = {} "
    "AND status IN ('pending', 'retry', 'sending') AND next_attempt_at <= {} "
    "ORDER BY next_attempt_at LIMIT {} %s) RETURNING id, subscription_id, attempts"
)



@dataclass(slots=True)
class Result:
    delivery_id: Any
    subscription_id: Any
    status: str  # sent | gone | retry | failed | release (claimed, not sent: the process is stopping)
    http_status: int = 0
    error: str = ""
    retry_at: datetime | None = None


def retry_after(value: str | None, at: datetime) -> datetime:
    """Retry-After in seconds or as an HTTP date; a minute when missing or unreadable."""
    if value:
        if value.strip().isdigit():
            return at + timedelta(seconds=min(int(value), 24 * 3600))
        try:
            return max(at, parsedate_to_datetime(value).astimezone(UTC))
        except (TypeError, ValueError):
            pass
    return at + timedelta(seconds=60)


async def _publication(pub_id: Any) -> dict[str, Any] | None:
    return await Publication.select().where(Publication.id == uuid.UUID(str(pub_id))).first()


async def _outage(pub: dict[str, Any]) -> dict[str, Any] | None:
    """None once the outage is gone (its publications go with it: nothing left to send)."""
    return await Outage.select().where(Outage.id == pub["outage"]).output(load_json=True).first()


def _chunks(items: list[Any], size: int) -> list[list[Any]]:
    return [items[i:i + size] for i in range(0, len(items), size)]


class OutageAlerts:
    def __init__(self, settings: Settings, *, in_flight: int | None = None, batch: int = 500,
                 timeout: float = 15) -> None:
        self.settings = settings
        self.in_flight = in_flight or settings.push_in_flight
        self.batch = batch
        self.timeout = timeout

    async def __call__(self, payload: dict[str, Any]) -> None:
        pub = await _publication(payload["publication_id"])
        if pub is None:
            return
        outage = await _outage(pub)
        if outage is None:
            return
        if pub["targeted_at"] is None:
            await self.target(pub, outage)
        else:  # resumed: whatever is still due may be shared again
            await self._call_helpers(pub["id"], await PushDelivery.count().where(
                (PushDelivery.publication == pub["id"]) & PushDelivery.status.is_in(list(UNFINISHED))))
        if await Publication.exists().where((Publication.outage == pub["outage"]) & (Publication.seq > pub["seq"])):
            # a newer alert about the same outage replaces this one: what is unsent stays unsent
            await PushDelivery.update({PushDelivery.status: "superseded"}).where(
                (PushDelivery.publication == pub["id"]) & PushDelivery.status.is_in(list(UNFINISHED))
            )
        else:
            await self.send(pub, outage)
            if outbox.stopping():  # what is left goes on in another process, or after the restart
                raise outbox.RetryLater(0, "shutting down")
            await self._wait_for_helpers(pub["id"])
            wait = await self._next_due(pub["id"])
            if wait is not None:
                raise outbox.RetryLater(wait, "deliveries waiting for a retry")
        await Publication.update({Publication.finished_at: now()}).where(Publication.id == pub["id"])

    async def _call_helpers(self, pub_id: Any, due: int) -> None:
        """One helper per further sender, as long as each gets at least a couple of batches: a
        small alert is sent before a helper in another process could even pick its job up."""
        for _ in range(min(self.settings.push_senders - 1, due // (2 * self.batch))):
            await outbox.enqueue(SEND_JOB, {"publication_id": str(pub_id)})

    async def _wait_for_helpers(self, pub_id: Any) -> None:
        """Batches other processes hold are either recorded soon or their lease runs out."""
        while True:
            held = await PushDelivery.exists().where(
                (PushDelivery.publication == pub_id) & (PushDelivery.status == "sending")
                & (PushDelivery.next_attempt_at > now())
            )
            if not held:  # another process is the only one who could tell us: poll the table
                return
            if outbox.stopping():
                raise outbox.RetryLater(0, "shutting down")
            await asyncio.sleep(0.2)

    # --- who ----------------------------------------------------------------------------------

    async def target(self, pub: dict[str, Any], outage: dict[str, Any]) -> None:
        aud = await targeting.audience(outage["area"], outage["town"])
        ids = [s["id"] for s in aud.subscriptions]
        endpoints = {str(s["id"]): s["endpoint"] for s in aud.subscriptions}
        # helpers in other processes take a moment to pick their jobs up: call them now, and
        # they start claiming once the rows below are written
        await self._call_helpers(pub["id"], len(ids))
        t = now()
        columns = ("id", "publication", "subscription_id", "endpoint_origin", "status", "attempts", "http_status",
                   "next_attempt_at", "last_error")
        for chunk in _chunks(ids, 1000):
            async with transaction() as tx:  # unique per publication and device: a second targeting adds nothing
                await bulk.insert(tx, PushDelivery, columns, [
                    (uuid.uuid4(), pub["id"], sub_id, vapid.origin(endpoints[str(sub_id)])[:200], "pending", 0, 0, t, "")
                    for sub_id in chunk], skip_duplicates=True)
        await self._emails(pub, outage, aud.email_users)
        await self._sms(pub, outage, aud.sms_customers)
        await Publication.update({Publication.targeted_at: now()}).where(Publication.id == pub["id"])

    async def _emails(self, pub: dict[str, Any], outage: dict[str, Any], users: list[dict[str, Any]]) -> None:
        link = f"{self.settings.base_url}/awarie?id={outage['id']}"
        t = now()
        mails = {lang: texts.email(outage, pub["reason"], area.summary(outage["area"], lang=lang), link,
                                   self.settings.utility_name, self.settings.utility_emergency_phone, t, lang)
                 for lang in texts.MAIL}
        for chunk in _chunks(users, 100):
            marks = ", ".join("({}, {}, {}, {})" for _ in chunk)
            args: list[Any] = []
            for user in chunk:
                args += [uuid.uuid4(), pub["id"], uuid.UUID(user["id"]), now()]
            # the row and the mail job commit together: a resumed job neither loses nor repeats a mail
            async with transaction():
                inserted = await PushDelivery.raw(_INSERT_EMAILS % marks, *args)
                new = {str(r["user_id"]) for r in inserted}
                for user in chunk:
                    if user["id"] in new:
                        subject, text = mails.get(user.get("language"), mails["pl"])
                        await queue_mail(user["email"], subject, text)

    async def _sms(self, pub: dict[str, Any], outage: dict[str, Any], customers: list[dict[str, Any]]) -> None:
        """One SMS per customer and publication (the key): a resumed job queues none twice."""
        texts_by_lang = services.sms_texts(self.settings, outage, pub["reason"], now())
        await sms.queue_many(self.settings, [
            sms.Outgoing(services.sms_key(outage["id"], pub["seq"], c["customer"]), c["phone"],
                         texts_by_lang.get(c["language"], texts_by_lang["pl"]), "outage", c["customer"])
            for c in customers])

    # --- sending ------------------------------------------------------------------------------

    async def send(self, pub: dict[str, Any], outage: dict[str, Any]) -> None:
        keys = await vapid.keys()
        encryptor = push.Encryptor(keys)
        authorizer = vapid.Authorizer(keys=keys, sub=vapid.subject(self.settings))
        t = now()
        payloads = {lang: services.alert_payload(outage, pub["reason"], pub["seq"], lang, t) for lang in texts.KIND}
        common: dict[str, Any] = {"ttl": services.ttl(outage, pub["reason"], t), "urgency": services.urgency(outage),
                  "topic": services.topic(outage["id"])}
        gate = asyncio.Semaphore(self.in_flight)
        counts: dict[str, int] = {}

        async def one(client: egress.PostClient, row: dict[str, Any], sub: dict[str, Any] | None) -> Result:
            r = Result(row["id"], row["subscription_id"], "failed")
            if outbox.stopping():  # not sent yet: back to the queue, for the next process
                r.status = "release"
                return r
            if sub is None:
                r.status, r.error = "gone", "unsubscribed before sending"
                return r
            try:
                message = push.build(encryptor, authorizer, endpoint=sub["endpoint"], p256dh=sub["p256dh"],
                                     auth=sub["auth"], payload=payloads.get(sub["language"], payloads["pl"]), **common)
                async with gate:
                    if outbox.stopping():
                        r.status = "release"
                        return r
                    try:
                        response = await client.post(sub["endpoint"], message.headers, message.body)
                    except egress.NetworkError as exc:
                        return self._backoff(r, row, f"network: {exc!r}"[:300])
                return self._classify(r, row, response, sub["endpoint"])
            except Exception as exc:
                # an endpoint that cannot be parsed, keys that do not encrypt, an address refused:
                # sending again cannot help, and the batch is recorded whatever happened here
                log.warning("push to %s failed: %r", vapid.origin(sub["endpoint"]), exc)
                r.status, r.error = "failed", f"error: {exc!r}"[:300]
                return r

        # HTTP/1.1 keep-alive straight on asyncio (egress.PostClient): httpx's client, transport
        # and connection pool cost several times the encryption per request; as many connections
        # to a push service as requests may be in flight, each to a checked public address only
        async with egress.PostClient(allowed_hosts=self.settings.push_test_hosts, connections_per_origin=self.in_flight,
                                     timeout=self.timeout, ssl_context=httpx.create_ssl_context()) as client:
            while not outbox.stopping() and (rows := await self._claim(pub["id"])):
                subs = await self._subscriptions([r["subscription_id"] for r in rows])
                results = await asyncio.gather(*(one(client, r, subs.get(str(r["subscription_id"]))) for r in rows))
                await self._record(results)
                counts.clear()
                for result in results:
                    counts[result.status] = counts.get(result.status, 0) + 1
                for status, n in counts.items():  # one counter add per status and batch
                    metrics.PUSH.labels(status).inc(n)

    def _backoff(self, r: Result, row: dict[str, Any], error: str) -> Result:
        r.error = error
        if row["attempts"] >= MAX_ATTEMPTS:
            r.status = "failed"
        else:
            r.status, r.retry_at = "retry", now() + timedelta(seconds=outbox.backoff(row["attempts"]))
        return r

    def _classify(self, r: Result, row: dict[str, Any], response: egress.Response, endpoint: str) -> Result:
        code = r.http_status = response.status_code
        if code in (200, 201, 202):
            r.status = "sent"
        elif code in (404, 410):
            r.status, r.error = "gone", "subscription expired"
        elif code == 429:
            # per delivery: push services limit per subscription too, and pausing every device of
            # a push service for one device's limit would hold back an urgent alert for everyone
            r.status, r.error = "retry", "rate limited"
            r.retry_at = retry_after(response.headers.get("retry-after"), now())
            if row["attempts"] >= MAX_ATTEMPTS:
                r.status = "failed"
        elif code >= 500:
            self._backoff(r, row, f"push service error {code}")
        else:  # 400 bad request, 403 VAPID refused, 413 too large: sending again cannot help
            r.status, r.error = "failed", f"refused {code}: {response.text[:200]}"
            log.warning("push to %s refused with %s: %s", vapid.origin(endpoint), code, response.text[:200])
        return r

    async def _subscriptions(self, ids: list[Any]) -> dict[str, dict[str, Any]]:
        """The devices of a claimed batch by id (gone ones are missing): one plain query per 500."""
        subs: dict[str, dict[str, Any]] = {}
        for chunk in _chunks(ids, 500):
            for sid, endpoint, p256dh, auth, language in await db_rows(
                    "SELECT id, endpoint, p256dh, auth, language FROM push_subscription WHERE id IN ({each})",
                    each=chunk):
                subs[str(sid)] = {"endpoint": endpoint, "p256dh": p256dh, "auth": auth, "language": language}
        return subs

    async def _claim(self, pub_id: Any) -> list[dict[str, Any]]:
        t = now()
        lock = "FOR UPDATE SKIP LOCKED" if is_postgres() else ""
        async with transaction():
            return await PushDelivery.raw(_CLAIM % lock, t + LEASE, pub_id, t, self.batch)

    async def _record(self, results: list[Result]) -> None:
        t = now()
        by_status: dict[tuple[str, int], list[Any]] = {}
        for r in results:
            if r.status in ("sent", "gone"):
                by_status.setdefault((r.status, r.http_status), []).append(r)
        async with transaction() as tx:
            for (status, code), group in by_status.items():
                if status == "sent":  # the usual case, a batch at a time: one statement run per row (executemany)
                    await bulk.update(tx, PushDelivery, ("status", "http_status", "last_error", "sent_at"),
                                      [("sent", code, "", t, r.delivery_id) for r in group])
                    await bulk.update(tx, PushSubscription, ("last_sent_at",), [(t, r.subscription_id) for r in group])
                    continue
                for chunk in _chunks(group, 500):
                    await PushDelivery.update({
                        PushDelivery.status: status, PushDelivery.http_status: code,
                        PushDelivery.last_error: chunk[0].error,
                    }).where(PushDelivery.id.is_in([r.delivery_id for r in chunk]))
                    # the push service says the subscription is gone: so is our copy
                    await PushSubscription.delete().where(PushSubscription.id.is_in([r.subscription_id for r in chunk]))
            released = [r.delivery_id for r in results if r.status == "release"]
            for chunk in _chunks(released, 500):  # claimed but not sent: due again, the attempt not counted
                await PushDelivery.update({
                    PushDelivery.status: "pending", PushDelivery.next_attempt_at: t,
                    PushDelivery.attempts: PushDelivery.attempts - 1,
                }).where(PushDelivery.id.is_in(chunk))
            for r in results:
                if r.status in ("retry", "failed"):
                    await PushDelivery.update({
                        PushDelivery.status: r.status, PushDelivery.http_status: r.http_status,
                        PushDelivery.last_error: r.error[:300], PushDelivery.next_attempt_at: r.retry_at or t,
                    }).where(PushDelivery.id == r.delivery_id)

    async def _next_due(self, pub_id: Any) -> float | None:
        row = await PushDelivery.select(PushDelivery.next_attempt_at).where(
            (PushDelivery.publication == pub_id) & PushDelivery.status.is_in(list(UNFINISHED))
        ).order_by(PushDelivery.next_attempt_at).first()
        if row is None:
            return None
        return max(1.0, (row["next_attempt_at"] - now()).total_seconds())


class OutageAlertHelper(OutageAlerts):
    """The `outage_alert_send` job: claims and sends batches of a publication that its
    `outage_alert` job has targeted, until none are left; retries stay with that job."""

    async def __call__(self, payload: dict[str, Any]) -> None:
        pub = await _publication(payload["publication_id"])
        deadline = now() + LEASE
        while pub is not None and pub["targeted_at"] is None and now() < deadline and not outbox.stopping():
            await asyncio.sleep(0.1)  # the job that queued this one is still writing the delivery rows
            pub = await _publication(pub["id"])
        outage = await _outage(pub) if pub is not None else None
        if pub is None or outage is None or pub["targeted_at"] is None or pub["finished_at"] is not None:
            return
        await self.send(pub, outage)
