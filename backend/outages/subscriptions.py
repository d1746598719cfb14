"""Devices subscribed to outage alerts: one row per browser push endpoint, owned by an account,
with the service points chosen on that device (default: all of the account's, now and later)."""

from __future__ import annotations

import re
import uuid
from typing import Any
from urllib.parse import urlsplit

import httpx

from backend.accounts.schemas import CurrentUser
from backend.consents import services as consents
from backend.core import egress
from backend.core.clock import iso, now
from backend.core.db import is_unique_violation, transaction
from backend.core.errors import ApiError, not_found
from backend.outages import push, vapid
from backend.outages.schemas import SubscriptionIn, SubscriptionOut
from backend.outages.services import my_points
from backend.outages.tables import PushSubscription
from backend.settings import Settings

# a host name of two or more labels ending in letters: no address literal in any of the forms
# inet_aton reads (127.1, 2130706433, 0x7f000001, 0177.0.0.1), no single-label intranet name,
# no trailing dot (localhost.)
HOST_NAME = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")
# names that never lead to the internet, for EBOK_PUSH_SERVICES=*
PRIVATE_SUFFIXES = ("localhost", "local", "internal", "localdomain", "lan", "home", "corp", "intranet", "arpa",
                    "test", "invalid", "example")


def is_push_service(settings: Settings, host: str) -> bool:
    if not HOST_NAME.fullmatch(host):
        return False
    if "*" in settings.push_services:
        return host.rsplit(".", 1)[-1] not in PRIVATE_SUFFIXES and not host.endswith(".home.arpa")
    return any(host == p or (p.startswith("*.") and host.endswith(p[1:])) for p in settings.push_services)


def _invalid() -> ApiError:
    return ApiError("push_endpoint_invalid", "The push endpoint must be an https URL of a push service", 400,
                    field="endpoint")


async def check_endpoint(settings: Settings, endpoint: str) -> None:
    """The server POSTs to this URL: https on the default port of a known push service
    (EBOK_PUSH_SERVICES; with `*` any public name, resolved now). The sender checks the addresses
    again whenever it connects (backend/core/egress.py)."""
    if not endpoint.isascii() or not endpoint.isprintable() or " " in endpoint:
        raise _invalid()
    try:
        parts = urlsplit(endpoint)
        port = parts.port
        httpx.URL(endpoint)  # what the sender will parse
    except (ValueError, httpx.InvalidURL):
        raise _invalid() from None
    host = (parts.hostname or "").lower()
    if parts.username or parts.password or not host:
        raise _invalid()
    if host in settings.push_test_hosts:  # the tests' local push service
        if parts.scheme not in ("http", "https"):
            raise _invalid()
        return
    if parts.scheme != "https" or port not in (None, 443) or not is_push_service(settings, host):
        raise _invalid()
    if "*" in settings.push_services:  # any name: one that points inside is refused now, not only when sent
        try:
            await egress.public_addresses(host, 443)
        except egress.ForbiddenAddress:
            raise _invalid() from None


def _out(row: dict[str, Any]) -> SubscriptionOut:
    return SubscriptionOut(
        id=str(row["id"]), endpoint=row["endpoint"], push_service=urlsplit(row["endpoint"]).hostname or "",
        user_agent=row["user_agent"], all_points=row["all_points"],
        service_point_ids=[str(i) for i in row["service_point_ids"]], created_at=iso(row["created_at"]) or "",
        last_sent_at=iso(row["last_sent_at"]),
    )


async def public_key() -> str:
    return (await vapid.keys()).application_server_key


async def of_users(user_ids: list[str]) -> dict[str, list[SubscriptionOut]]:
    """The devices subscribed to alerts of each account (the office's customer screen)."""
    if not user_ids:
        return {}
    rows = await PushSubscription.select().where(PushSubscription.user.is_in(user_ids)).order_by(
        PushSubscription.created_at).output(load_json=True)
    out: dict[str, list[SubscriptionOut]] = {}
    for r in rows:
        out.setdefault(str(r["user"]), []).append(_out(r))
    return out


async def mine(user: CurrentUser) -> list[SubscriptionOut]:
    rows = await PushSubscription.select().where(PushSubscription.user == user.id).order_by(
        PushSubscription.created_at
    ).output(load_json=True)
    return [_out(r) for r in rows]


async def subscribe(settings: Settings, user: CurrentUser, data: SubscriptionIn, user_agent: str) -> SubscriptionOut:
    await check_endpoint(settings, data.endpoint)
    try:
        push.check_subscription_keys(data.keys.p256dh, data.keys.auth)
    except push.InvalidKeys:
        raise ApiError("push_keys_invalid", "The subscription keys are not valid", 400, field="keys") from None
    all_points, chosen = True, []
    if data.service_point_ids is not None:
        own = {p["id"] for p in await my_points(user)}
        chosen = sorted(set(data.service_point_ids))
        if not chosen:
            raise ApiError("service_points_required", "Choose at least one service point", 400,
                           field="service_point_ids")
        if any(i not in own for i in chosen):
            raise not_found("service point")
        all_points = False
    values: dict[str, Any] = {  # by column name: both the update and the insert take them
        "user": user.id, "p256dh": data.keys.p256dh, "auth": data.keys.auth, "language": data.language,
        "user_agent": user_agent[:200],
    }
    async with transaction():
        if data.old_endpoint and data.old_endpoint != data.endpoint:
            # the browser replaced the subscription: the new one inherits the old one's choice
            old = await PushSubscription.select().where(
                (PushSubscription.endpoint == data.old_endpoint) & (PushSubscription.user == user.id)
            ).output(load_json=True).first()
            if old:
                await PushSubscription.delete().where(PushSubscription.id == old["id"])
                if data.service_point_ids is None:
                    all_points, chosen = old["all_points"], old["service_point_ids"]
        values["all_points"], values["service_point_ids"] = all_points, chosen
        # an endpoint belongs to one browser profile: whoever subscribes it last owns it
        updated = await PushSubscription.update(**values).where(PushSubscription.endpoint == data.endpoint).returning(
            PushSubscription.id
        )
        if not updated:
            try:
                await PushSubscription.insert(PushSubscription(
                    id=uuid.uuid4(), endpoint=data.endpoint, created_at=now(),
                    **values,
                ))
            except Exception as exc:
                if not is_unique_violation(exc):
                    raise
                raise ApiError("conflict", "The device subscribed twice at once; try again", 409) from None
    # turning alerts on on a device is the decision the consents screen shows (one register)
    await consents.record_for_all(user.customer_ids, "push_alerts", True, "portal", user.id)
    row = await PushSubscription.select().where(PushSubscription.endpoint == data.endpoint).output(load_json=True).first()
    assert row is not None
    return _out(row)


async def remove(user: CurrentUser, *, endpoint: str | None = None, subscription_id: str | None = None) -> None:
    if subscription_id is not None:
        try:
            condition = PushSubscription.id == uuid.UUID(subscription_id)
        except ValueError:
            raise not_found("subscription") from None
    else:
        condition = PushSubscription.endpoint == (endpoint or "")
    deleted = await PushSubscription.delete().where(condition & (PushSubscription.user == user.id)).returning(
        PushSubscription.id
    )
    if not deleted:
        raise not_found("subscription")
    if not await PushSubscription.exists().where(PushSubscription.user == user.id):
        # off on the last device: the consent screen says withdrawn
        await consents.record_for_all(user.customer_ids, "push_alerts", False, "portal", user.id)
