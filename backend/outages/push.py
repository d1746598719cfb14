"""One Web Push message: the payload encrypted per RFC 8291 (aes128gcm, one record) and the
headers push services need (TTL, Urgency, Topic, the VAPID Authorization of vapid.Authorizer).

The encryption is written out here on `cryptography` and the standard library's HMAC: it is the
fan-out's unavoidable work per device (an ephemeral P-256 key and an ECDH per message, as RFC 8291
asks); webpush's version of it costs the same but needs pydantic and sets up five HKDF objects a
message. tests/unit/test_push_crypto.py checks it byte for byte against the RFC's Appendix A."""

from __future__ import annotations

import base64
import binascii
import hmac
import os
from dataclasses import dataclass
from typing import Any

from backend.outages.vapid import Authorizer, VapidKeys

RECORD_SIZE = 4096  # rs = 4096 and the whole body must fit one record
HEADER_SIZE = 16 + 4 + 1 + 65  # salt, rs, idlen, the sender's ephemeral public key
MAX_PAYLOAD = RECORD_SIZE - HEADER_SIZE - 16 - 1  # AES-GCM tag and the 0x02 padding delimiter
MAX_TTL = 24 * 3600


class PayloadTooLarge(ValueError):
    pass


class InvalidKeys(ValueError):
    pass


def _b64url_decode(value: str) -> bytes:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


def check_subscription_keys(p256dh: str, auth: str) -> None:
    """The browser's keys must be a P-256 point and a 16-byte secret, or encryption fails later."""
    from cryptography.hazmat.primitives.asymmetric import ec  # imported on first use
    try:
        point, secret = _b64url_decode(p256dh), _b64url_decode(auth)
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
    except (ValueError, binascii.Error) as exc:
        raise InvalidKeys(str(exc)) from exc
    if len(point) != 65 or len(secret) != 16:
        raise InvalidKeys("p256dh must be 65 bytes and auth 16 bytes")


def check_payload(payload: bytes) -> None:
    if len(payload) > MAX_PAYLOAD:
        raise PayloadTooLarge(f"payload of {len(payload)} bytes; one 4096-byte record holds {MAX_PAYLOAD}")


_RS = RECORD_SIZE.to_bytes(4, "big")
_KEY_INFO = b"WebPush: info\x00"
_CEK_INFO = b"Content-Encoding: aes128gcm\x00\x01"  # HKDF-Expand of one block: info || 0x01
_NONCE_INFO = b"Content-Encoding: nonce\x00\x01"

# cryptography is imported by the first Encryptor, not at start-up (tests/unit/test_startup_imports.py)
ec: Any = None
AESGCM: Any = None
_X962: Any = None
_UNCOMPRESSED: Any = None
_CURVE: Any = None


def load_crypto() -> None:
    global ec, AESGCM, _X962, _UNCOMPRESSED, _CURVE
    if ec is None:
        from cryptography.hazmat.primitives.asymmetric import ec as ec_module
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM as aesgcm
        from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

        ec, AESGCM = ec_module, aesgcm
    if _CURVE is None:
        from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

        _X962, _UNCOMPRESSED, _CURVE = Encoding.X962, PublicFormat.UncompressedPoint, ec.SECP256R1()


class Encryptor:
    """RFC 8291: a fresh salt and sender key pair per message, ECDH with the browser's key,
    HKDF-SHA-256 (each output fits one HMAC block, so HKDF is HMAC-extract + one HMAC-expand),
    AES-128-GCM over the payload and the 0x02 delimiter. The VAPID keys are not needed."""

    def __init__(self, keys: VapidKeys | None = None) -> None:  # the keys were webpush's; no longer needed
        load_crypto()

    def encrypt(self, payload: bytes, p256dh: str, auth: str, *, salt: bytes | None = None,
                sender_key: Any = None) -> bytes:
        """`salt` and `sender_key` (an ec private key) are fresh for every message; given only to
        reproduce a known body (RFC 8291 Appendix A fixes both: tests/unit/test_push_crypto.py)."""
        check_payload(payload)
        ua_public = _b64url_decode(p256dh)
        auth_secret = _b64url_decode(auth)
        salt = os.urandom(16) if salt is None else salt
        as_private = ec.generate_private_key(_CURVE) if sender_key is None else sender_key
        as_public = as_private.public_key().public_bytes(_X962, _UNCOMPRESSED)
        secret = as_private.exchange(ec.ECDH(), ec.EllipticCurvePublicKey.from_encoded_point(_CURVE, ua_public))
        prk_key = hmac.digest(auth_secret, secret, "sha256")
        ikm = hmac.digest(prk_key, _KEY_INFO + ua_public + as_public + b"\x01", "sha256")
        prk = hmac.digest(salt, ikm, "sha256")
        cek = hmac.digest(prk, _CEK_INFO, "sha256")[:16]
        nonce = hmac.digest(prk, _NONCE_INFO, "sha256")[:12]
        body = b"".join((salt, _RS, bytes((len(as_public),)), as_public,
                         AESGCM(cek).encrypt(nonce, payload + b"\x02", None)))
        if len(body) > RECORD_SIZE:  # cannot happen after check_payload; a guard all the same
            raise PayloadTooLarge(f"encrypted body of {len(body)} bytes")
        return body


@dataclass(frozen=True, slots=True)
class Message:
    body: bytes
    headers: dict[str, str]


def build(encryptor: Encryptor, authorizer: Authorizer, *, endpoint: str, p256dh: str, auth: str,
          payload: bytes, ttl: int, urgency: str, topic: str) -> Message:
    if not 0 <= ttl <= MAX_TTL:
        raise ValueError("ttl out of range")
    if len(topic) > 32 or not topic.replace("-", "").replace("_", "").isalnum() or not topic.isascii():
        raise ValueError("a Topic is at most 32 URL-safe base64 characters")
    return Message(
        body=encryptor.encrypt(payload, p256dh, auth),
        headers={
            "authorization": authorizer.header(endpoint),
            "content-encoding": "aes128gcm",
            "content-type": "application/octet-stream",
            "ttl": str(ttl),
            "urgency": urgency,
            "topic": topic,
        },
    )
