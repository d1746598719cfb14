"""VAPID (RFC 8292): the key pair is generated once and kept in the `setting` table, so every
process and every restart signs with the same key the browsers subscribed with."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from backend.core.db import is_postgres
from backend.core.tables import Setting
from backend.settings import Settings

PRIVATE_KEY_SETTING = "vapid_private_key"
TOKEN_LIFETIME = 12 * 3600  # push services refuse tokens valid more than 24 h ahead
TOKEN_RENEW_BEFORE = 3600


def _vapid() -> Any:
    """webpush's VAPID helper, imported on first use (webpush brings pydantic: start-up time)."""
    from webpush.vapid import VAPID

    return VAPID


@dataclass
class VapidKeys:
    private_pem: bytes
    public_pem: bytes
    application_server_key: str  # what the browser's pushManager.subscribe() is given

    @classmethod
    def from_private_pem(cls, pem: bytes) -> VapidKeys:
        # cryptography, PyJWT and webpush are imported when push is first used, not at start-up
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import ec

        key = serialization.load_pem_private_key(pem, password=None)
        if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp256r1":
            raise ValueError("the VAPID key must be a P-256 EC key")
        public = key.public_key()
        return cls(
            private_pem=pem,
            public_pem=public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo),
            application_server_key=_vapid().get_application_server_key(public),
        )


_cached: VapidKeys | None = None


async def keys() -> VapidKeys:
    """The utility's VAPID key pair; the first process to need it generates it (race-safe:
    the loser of a concurrent insert reads the winner's key)."""
    global _cached
    if _cached is None:
        row = await Setting.select(Setting.value).where(Setting.key == PRIVATE_KEY_SETTING).first()
        if row is None:
            private_pem, _, _ = _vapid().generate_keys()
            conflict = "ON CONFLICT (key) DO NOTHING" if is_postgres() else "ON CONFLICT DO NOTHING"
            await Setting.raw(f"INSERT INTO setting (key, value) VALUES ({{}}, {{}}) {conflict}",  # noqa: S608
                              PRIVATE_KEY_SETTING, private_pem.decode())
            row = await Setting.select(Setting.value).where(Setting.key == PRIVATE_KEY_SETTING).first()
        assert row is not None
        _cached = VapidKeys.from_private_pem(row["value"].encode())
    return _cached


def forget_cached_keys() -> None:
    """Tests start from empty tables: the next call reads (or makes) the key again."""
    global _cached
    _cached = None


def subject(settings: Settings) -> str:
    """`sub`: how the push service reaches the utility (EBOK_VAPID_SUB, else the office's e-mail)."""
    return settings.vapid_sub or f"mailto:{settings.office_email}"


def origin(endpoint: str) -> str:
    """The `aud` claim: scheme://host[:port] of the endpoint. webpush 1.0.6 drops the port.
    Computed once per distinct scheme://authority (a fan-out has a handful: the push services)."""
    cut = endpoint.find("/", endpoint.find("//") + 2) if "//" in endpoint else -1
    return _origin(endpoint if cut < 0 else endpoint[:cut])


@lru_cache(maxsize=1024)
def _origin(endpoint: str) -> str:
    try:
        parts = urlsplit(endpoint)
        number = parts.port
    except ValueError:  # a broken URL stored before endpoints were checked: it fails when sent
        return ""
    host = (parts.hostname or "").lower()
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    default = {"https": 443, "http": 80}.get(parts.scheme)
    port = f":{number}" if number and number != default else ""
    return f"{parts.scheme}://{host}{port}"


@dataclass
class Authorizer:
    """`Authorization: vapid t=…, k=…` per push-service origin, signed once and reused until an
    hour before it expires (ECDSA per message would cost more than the encryption itself)."""

    keys: VapidKeys
    sub: str
    _tokens: dict[str, tuple[str, float]] = field(default_factory=dict)

    def header(self, endpoint: str, now: float | None = None) -> str:
        aud = origin(endpoint)
        t = time.time() if now is None else now
        cached = self._tokens.get(aud)
        if cached is None or cached[1] - t < TOKEN_RENEW_BEFORE:
            exp = int(t) + TOKEN_LIFETIME
            import jwt

            token = jwt.encode({"aud": aud, "exp": exp, "sub": self.sub}, self.keys.private_pem, algorithm="ES256")
            cached = (f"vapid t={token}, k={self.keys.application_server_key}", float(exp))
            self._tokens[aud] = cached
        return cached[0]
