"""One Web Push message: the payload encrypted with `webpush` (RFC 8291, aes128gcm) and the
headers push services need. webpush 1.0.6 sets no Urgency or Topic, defaults TTL to 0, puts a
wrong `aud` in its VAPID token (no port) and does not check the size, so the sender adds those."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from backend.outages.vapid import Authorizer, VapidKeys

RECORD_SIZE = 4096  # webpush writes rs = 4096 and the whole body must fit one record
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
    from cryptography.hazmat.primitives.asymmetric import ec  # imported on first use, like webpush

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


class Encryptor:
    def __init__(self, keys: VapidKeys) -> None:
        from webpush import WebPush  # webpush and pydantic: imported by the first sender, not at start-up

        # webpush wants the VAPID pair even though only its encryption is used here
        self._webpush = WebPush(private_key=keys.private_pem, public_key=keys.public_pem, subscriber="-")

    def encrypt(self, payload: bytes, p256dh: str, auth: str) -> bytes:
        from webpush.types import WebPushKeys, WebPushSubscription

        check_payload(payload)
        # model_construct: the keys were validated when the subscription was stored, and
        # pydantic's URL validation per message would only cost time
        subscription = WebPushSubscription.model_construct(
            endpoint=None, keys=WebPushKeys.model_construct(auth=auth, p256dh=p256dh)
        )
        # WebPush.get() would also sign a VAPID token per message with the wrong `aud` and change
        # the instance's TTL; its RFC 8291 encryption is what we take (webpush is pinned to 1.0.6).
        body = self._webpush._encrypt(payload, subscription)
        if len(body) > RECORD_SIZE:  # cannot happen after check_payload; a guard against a changed library
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
