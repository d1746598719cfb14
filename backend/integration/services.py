"""API tokens of machine clients, their per-minute request limit, and the feed's signed cursor."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import uuid
from datetime import UTC, datetime, timedelta

import msgspec

from backend.accounts import services as accounts
from backend.accounts.schemas import CurrentUser
from backend.core.clock import iso, now
from backend.core.db import is_unique_violation, json_list
from backend.core.errors import ApiError, not_found
from backend.core.security import secret_key
from backend.integration.schemas import OwnTokenOut, TokenInfo
from backend.integration.tables import ApiRateWindow, ApiToken
from backend.settings import Settings

SCOPES = ("readings:read", "registry:write", "documents:write", "payments:write")
OWN_SCOPE = "own:read"  # a resident's own token: the readings and balance of their customers, nothing else
MAX_OWN_TOKENS = 10
PREFIX = "ebok_"  # recognisable in a leaked config file or a secret scanner


class Client:
    """The machine client a request came from (given to handlers; not an input)."""

    __slots__ = ("customer_ids", "id", "name", "owner", "scopes")

    def __init__(self, id: str, name: str, scopes: tuple[str, ...], owner: str | None = None,
                 customer_ids: tuple[str, ...] = ()) -> None:
        self.id, self.name, self.scopes = id, name, scopes
        self.owner, self.customer_ids = owner, customer_ids


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def create_token(name: str, scopes: list[str]) -> str:
    """A new token; the only moment it exists outside the client is this return value."""
    name = name.strip()
    if not name or len(name) > 100:
        raise ApiError("name_invalid", "The name must be 1 to 100 characters", field="name")
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown or not scopes:
        raise ApiError("scope_unknown", f"Unknown scope {', '.join(unknown) or '(none given)'}; "
                       f"known: {', '.join(SCOPES)}", field="scope")
    token = PREFIX + secrets.token_urlsafe(32)
    try:
        await ApiToken.insert(ApiToken(id=uuid.uuid4(), name=name, token_hash=_hash(token),
                                       scopes=sorted(set(scopes)), created_at=now()))
    except Exception as exc:
        if is_unique_violation(exc):
            raise ApiError("name_taken", f"A token named {name!r} exists already", 409, field="name") from None
        raise
    return token


async def list_tokens() -> list[TokenInfo]:
    rows = await ApiToken.select().where(ApiToken.owner.is_null()).order_by(ApiToken.created_at)
    return [TokenInfo(name=r["name"], scopes=json_list(r["scopes"]), created_at=iso(r["created_at"]),
                      last_used_at=iso(r["last_used_at"]) if r["last_used_at"] else None,
                      revoked_at=iso(r["revoked_at"]) if r["revoked_at"] else None) for r in rows]


async def revoke_token(name: str) -> None:
    done = await ApiToken.update({ApiToken.revoked_at: now()}).where(
        (ApiToken.name == name) & ApiToken.revoked_at.is_null() & ApiToken.owner.is_null()).returning(ApiToken.id)
    if not done:
        raise ApiError("not_found", f"No active token named {name!r}", 404, field="name")


async def create_own_token(user: CurrentUser, label: str) -> tuple[OwnTokenOut, str]:
    """A resident's read-only token for their own customers; the token is returned this once."""
    if user.role != "resident":
        raise not_found("page")
    label = label.strip()
    if not label or len(label) > 100:
        raise ApiError("name_invalid", "The name must be 1 to 100 characters", field="name")
    active = await ApiToken.count().where((ApiToken.owner == user.id) & ApiToken.revoked_at.is_null())
    if active >= MAX_OWN_TOKENS:
        raise ApiError("token_limit", f"At most {MAX_OWN_TOKENS} tokens; revoke one first", 409)
    token_id = uuid.uuid4()
    token = PREFIX + secrets.token_urlsafe(32)
    await ApiToken.insert(ApiToken(id=token_id, name=f"own:{token_id}", token_hash=_hash(token), scopes=[OWN_SCOPE],
                                   created_at=now(), owner=user.id, label=label))
    (out,) = [t for t in await own_tokens(user) if t.id == str(token_id)]
    return out, token


async def own_tokens(user: CurrentUser) -> list[OwnTokenOut]:
    rows = await ApiToken.select().where((ApiToken.owner == user.id) & ApiToken.revoked_at.is_null()).order_by(
        ApiToken.created_at)
    return [OwnTokenOut(id=str(r["id"]), name=r["label"], created_at=iso(r["created_at"]),
                        last_used_at=iso(r["last_used_at"]) if r["last_used_at"] else None) for r in rows]


async def revoke_own_token(user: CurrentUser, token_id: str) -> None:
    done = await ApiToken.update({ApiToken.revoked_at: now()}).where(
        (ApiToken.id == token_id) & (ApiToken.owner == user.id) & ApiToken.revoked_at.is_null()).returning(ApiToken.id)
    if not done:
        raise not_found("token")


def _unauthorized(message: str) -> ApiError:
    return ApiError("token_invalid", message, 401, headers={"WWW-Authenticate": 'Bearer realm="e-BOK"'})


async def authenticate(authorization: str | None, scope: str | None, settings: Settings) -> Client:
    """The client an `Authorization: Bearer` header names: 401 without it or for a wrong or revoked
    token, 403 without the scope, 429 past the per-minute limit."""
    kind, _, token = (authorization or "").partition(" ")
    if kind.lower() != "bearer" or not token.strip():
        raise _unauthorized("Send Authorization: Bearer <token>")
    row = await ApiToken.select().where(ApiToken.token_hash == _hash(token.strip())).first()
    if row is None or row["revoked_at"] is not None:
        raise _unauthorized("The token is not valid")
    client = Client(id=str(row["id"]), name=row["name"], scopes=tuple(json_list(row["scopes"])),
                    owner=str(row["owner"]) if row["owner"] else None)
    if client.owner:  # a resident's token reads for the account as it is now: gone or blocked, it opens nothing
        ids = await accounts.active_customer_ids(client.owner)
        if ids is None:
            raise _unauthorized("The token is not valid")
        client.customer_ids = ids
    if scope and scope not in client.scopes:
        raise ApiError("scope_missing", f"The token lacks the scope {scope}", 403)
    await _count(client, settings.integration_requests_per_minute)
    t = now()
    if row["last_used_at"] is None or t - row["last_used_at"] > timedelta(minutes=1):  # one write a minute
        await ApiToken.update({ApiToken.last_used_at: t}).where(ApiToken.id == row["id"])
    return client


async def _count(client: Client, limit: int) -> None:
    """A fixed window per token per minute, counted by one upsert (atomic on both databases)."""
    t = now()
    minute = int(t.timestamp() // 60)
    start = datetime.fromtimestamp(minute * 60, UTC)
    rows = await ApiRateWindow.raw(
        "INSERT INTO api_rate_window (id, key, hits, window_start) VALUES ({}, {}, 1, {}) "
        "ON CONFLICT (key) DO UPDATE SET hits = api_rate_window.hits + 1 RETURNING hits",
        uuid.uuid4(), f"{client.id}:{minute}", start,
    )
    hits = int(rows[0]["hits"])
    if hits == 1:  # a new window: forget the old ones
        await ApiRateWindow.delete().where(ApiRateWindow.window_start < start - timedelta(minutes=10))
    if hits > limit:
        wait = max(1, int((start + timedelta(minutes=1) - t).total_seconds() + 0.999))
        raise ApiError("rate_limited", f"More than {limit} requests a minute; try again later", 429,
                       headers={"Retry-After": str(wait)}, extra={"retry_after": wait})


# --- the feed's cursor: opaque, signed, so a client cannot forge a position -------------------------


def _cursor_key(settings: Settings, feed: str) -> bytes:
    # each feed its own key: a readings cursor is not a payments cursor
    label = b"integration-cursor" if feed == "readings" else f"integration-cursor:{feed}".encode()
    return hmac.new(secret_key(settings).encode(), label, hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def encode_cursor(settings: Settings, seq: int, feed: str = "readings") -> str:
    payload = _b64(msgspec.json.encode({"v": 1, "seq": seq}))
    mac = hmac.new(_cursor_key(settings, feed), payload.encode(), hashlib.sha256).digest()[:16]
    return f"{payload}.{_b64(mac)}"


def decode_cursor(settings: Settings, cursor: str | None, feed: str = "readings") -> int:
    if not cursor:
        return 0
    bad = ApiError("cursor_invalid", "The cursor is not one this server gave out", 400, field="cursor")
    payload, _, mac = cursor.partition(".")
    expected = _b64(hmac.new(_cursor_key(settings, feed), payload.encode(), hashlib.sha256).digest()[:16])
    if not hmac.compare_digest(mac.encode(), expected.encode()):
        raise bad
    try:
        seq = msgspec.json.decode(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["seq"]
    except (ValueError, KeyError, TypeError, msgspec.DecodeError):
        raise bad from None
    if not isinstance(seq, int) or seq < 0:
        raise bad
    return seq
