"""Web Push encryption and VAPID through the app's own code path (backend.outages.push/vapid)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from backend.outages import push
from backend.outages.vapid import Authorizer, VapidKeys, origin
from tests.push_service import b64d, decrypt, verify_vapid

VECTOR = json.loads((Path(__file__).parent / "rfc8291_appendix_a.json").read_text())


def _private(raw: bytes) -> ec.EllipticCurvePrivateKey:
    return ec.derive_private_key(int.from_bytes(raw, "big"), ec.SECP256R1())


def _keys() -> VapidKeys:
    from webpush.vapid import VAPID

    return VapidKeys.from_private_pem(VAPID.generate_keys()[0])


def test_rfc8291_appendix_a_byte_for_byte():
    # the vector fixes the salt and the sender's ephemeral key, which are fresh for every real message
    body = push.Encryptor(_keys()).encrypt(b64d(VECTOR["plaintext"]), VECTOR["ua_public"], VECTOR["auth_secret"],
                                           salt=b64d(VECTOR["salt"]), sender_key=_private(b64d(VECTOR["as_private"])))
    assert len(body) == VECTOR["body_length_octets"] == 144
    assert body[:86] == b64d(VECTOR["header"])
    assert body[86:] == b64d(VECTOR["ciphertext"])
    assert body == b64d(VECTOR["body"])


def test_the_vector_decrypts_as_a_browser_would():
    plain = decrypt(b64d(VECTOR["body"]), _private(b64d(VECTOR["ua_private"])), b64d(VECTOR["auth_secret"]))
    assert plain.decode() == VECTOR["plaintext_utf8"]


def test_each_message_has_a_fresh_salt_and_key_and_decrypts():
    ua = ec.generate_private_key(ec.SECP256R1())
    from tests.push_service import Device

    device = Device(endpoint="https://push.example/x", private_key=ua)
    keys = device.to_json()["keys"]
    enc = push.Encryptor(_keys())
    a, b = (enc.encrypt(b'{"a":1}', keys["p256dh"], keys["auth"]) for _ in range(2))
    assert a[:16] != b[:16] and a[21:86] != b[21:86]
    assert decrypt(a, ua, device.auth_secret) == b'{"a":1}'


def test_payload_must_fit_one_4096_byte_record():
    from tests.push_service import Device

    device = Device(endpoint="https://push.example/x")
    keys = device.to_json()["keys"]
    enc = push.Encryptor(_keys())
    largest = b"x" * push.MAX_PAYLOAD
    body = enc.encrypt(largest, keys["p256dh"], keys["auth"])
    assert len(body) == 4096
    assert decrypt(body, device.private_key, device.auth_secret) == largest
    with pytest.raises(push.PayloadTooLarge):
        enc.encrypt(largest + b"x", keys["p256dh"], keys["auth"])


def test_subscription_keys_are_checked():
    from tests.push_service import Device

    keys = Device(endpoint="https://push.example/x").to_json()["keys"]
    push.check_subscription_keys(keys["p256dh"], keys["auth"])
    with pytest.raises(push.InvalidKeys):
        push.check_subscription_keys(keys["p256dh"][:-4], keys["auth"])
    with pytest.raises(push.InvalidKeys):
        push.check_subscription_keys(keys["p256dh"], keys["auth"] + "AAAA")
    with pytest.raises(push.InvalidKeys):
        push.check_subscription_keys("B" + "A" * 86, keys["auth"])  # not a point on the curve


def test_vapid_header_keeps_the_port_and_is_reused_until_near_expiry():
    keys = _keys()
    auth = Authorizer(keys=keys, sub="mailto:bok@wodociagi-demo.pl")
    assert origin("https://fcm.googleapis.com/fcm/send/abc") == "https://fcm.googleapis.com"
    assert origin("https://push.example:8443/a") == "https://push.example:8443"
    assert origin("http://127.0.0.1:5000/push/a") == "http://127.0.0.1:5000"
    t = time.time()
    h1 = auth.header("http://127.0.0.1:5000/push/a", now=t)
    claims = verify_vapid(h1, "http://127.0.0.1:5000", now=t)
    assert claims["sub"] == "mailto:bok@wodociagi-demo.pl" and claims["k"] == keys.application_server_key
    assert auth.header("http://127.0.0.1:5000/push/b", now=t + 60) == h1  # same origin: one signature
    assert auth.header("https://other.example/x", now=t) != h1
    later = auth.header("http://127.0.0.1:5000/push/a", now=t + 12 * 3600 - 1800)
    assert later != h1
    verify_vapid(later, "http://127.0.0.1:5000", now=t + 12 * 3600 - 1800)


def test_a_forged_vapid_token_is_refused():
    keys, other = _keys(), _keys()
    h = Authorizer(keys=keys, sub="mailto:a@b.pl").header("https://p.example/x")
    forged = h.replace(keys.application_server_key, other.application_server_key)
    with pytest.raises(Exception):  # noqa: B017 - cryptography's InvalidSignature
        verify_vapid(forged, "https://p.example")


def test_message_headers():
    from tests.push_service import Device

    device = Device(endpoint="https://push.example/x")
    keys = device.to_json()["keys"]
    msg = push.build(push.Encryptor(_keys()), Authorizer(keys=_keys(), sub="mailto:a@b.pl"),
                     endpoint=device.endpoint, p256dh=keys["p256dh"], auth=keys["auth"], payload=b"{}",
                     ttl=3600, urgency="high", topic="a" * 32)
    assert msg.headers["ttl"] == "3600" and msg.headers["urgency"] == "high" and msg.headers["topic"] == "a" * 32
    assert msg.headers["content-encoding"] == "aes128gcm"
    with pytest.raises(ValueError):
        push.build(push.Encryptor(_keys()), Authorizer(keys=_keys(), sub="mailto:a@b.pl"), endpoint=device.endpoint,
                   p256dh=keys["p256dh"], auth=keys["auth"], payload=b"{}", ttl=3600, urgency="high", topic="a" * 33)
