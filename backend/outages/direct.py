"""Web Push to a list of devices, each with its own payload (reading reminders and notices of
the notices domain, which asks through services.push_to): the same encryption, VAPID token and
public-only connections as the outage alerts, without their publication's bookkeeping (the
caller records what it sent). A device the push service says is gone loses its subscription."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import httpx

from backend.core import egress
from backend.outages import push, vapid
from backend.outages.tables import PushSubscription
from backend.settings import Settings

log = logging.getLogger("ebok.outages.push")

_tls: list[Any] = []  # one TLS context for every call: loading the CA store takes ~65 ms each time


def _tls_context() -> Any:
    """The CA store once per process (a reminders' send job of 200 messages called this each
    time: a third of its CPU, measured by tests/perf/bench_reminders.py)."""
    if not _tls:
        _tls.append(httpx.create_ssl_context())
    return _tls[0]


async def send(settings: Settings, payloads: dict[str, bytes], *, ttl: int, urgency: str,
               topics: dict[str, str], in_flight: int = 50) -> dict[str, str]:
    """`payloads`: subscription id -> its message. Returns subscription id -> sent | gone | retry | failed."""
    subscription_ids = list(payloads)
    out: dict[str, str] = {}
    subs: list[dict[str, Any]] = []
    for i in range(0, len(subscription_ids), 500):
        subs += await PushSubscription.select(
            PushSubscription.id, PushSubscription.endpoint, PushSubscription.p256dh, PushSubscription.auth,
        ).where(PushSubscription.id.is_in(subscription_ids[i:i + 500]))
    out.update({s: "gone" for s in subscription_ids})
    if not subs:
        return out
    keys = await vapid.keys()
    encryptor = push.Encryptor(keys)
    authorizer = vapid.Authorizer(keys=keys, sub=vapid.subject(settings))
    gate = asyncio.Semaphore(in_flight)
    async with egress.PostClient(allowed_hosts=settings.push_test_hosts, connections_per_origin=in_flight,
                                 ssl_context=_tls_context()) as client:
        async def one(sub: dict[str, Any]) -> None:
            sid = str(sub["id"])
            try:
                message = push.build(encryptor, authorizer, endpoint=sub["endpoint"], p256dh=sub["p256dh"],
                                     auth=sub["auth"], payload=payloads[sid], ttl=ttl, urgency=urgency,
                                     topic=topics[sid])
                async with gate:
                    response = await client.post(sub["endpoint"], message.headers, message.body)
            except egress.NetworkError:
                out[sid] = "retry"
                return
            except Exception as exc:  # keys that do not encrypt, an address refused: trying again cannot help
                log.warning("push to %s failed: %r", vapid.origin(sub["endpoint"]), exc)
                out[sid] = "failed"
                return
            code = response.status_code
            out[sid] = ("sent" if code in (200, 201, 202) else "gone" if code in (404, 410)
                        else "retry" if code == 429 or code >= 500 else "failed")

        await asyncio.gather(*(one(s) for s in subs))
    gone = [s for s, status in out.items() if status == "gone"]
    for i in range(0, len(gone), 500):
        await PushSubscription.delete().where(PushSubscription.id.is_in(gone[i:i + 500]))
    return out
