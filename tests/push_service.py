"""A local push service for the tests and the benchmark: an HTTP server that checks what a real
one checks (the VAPID JWT: ES256 signature, `aud` = the endpoint's origin, `exp` at most 24 h
ahead, `sub`; the aes128gcm body decrypts with the subscription's keys) and answers as told."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import struct
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat


def b64d(value: str) -> bytes:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


def b64e(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _hkdf(salt: bytes, ikm: bytes, info: bytes, length: int) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=salt, info=info).derive(ikm)


def decrypt(body: bytes, ua_private: ec.EllipticCurvePrivateKey, auth_secret: bytes) -> bytes:
    """RFC 8291 + RFC 8188 (one record), as a browser does it: independent of webpush."""
    salt, rs, idlen = body[:16], struct.unpack("!L", body[16:20])[0], body[20]
    as_public = body[21:21 + idlen]
    ciphertext = body[21 + idlen:]
    assert rs >= 18 and len(ciphertext) <= rs, "the body must fit one record"
    ua_public = ua_private.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    shared = ua_private.exchange(ec.ECDH(), ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), as_public))
    ikm = _hkdf(auth_secret, shared, b"WebPush: info\x00" + ua_public + as_public, 32)
    cek = _hkdf(salt, ikm, b"Content-Encoding: aes128gcm\x00", 16)
    nonce = _hkdf(salt, ikm, b"Content-Encoding: nonce\x00", 12)
    padded = AESGCM(cek).decrypt(nonce, ciphertext, None)
    data = padded.rstrip(b"\x00")
    assert data.endswith(b"\x02"), "the last (only) record ends with the 0x02 delimiter"
    return data[:-1]


@dataclass
class Device:
    """A browser's side of a subscription: its key pair and auth secret."""

    endpoint: str
    private_key: ec.EllipticCurvePrivateKey = field(default_factory=lambda: ec.generate_private_key(ec.SECP256R1()))
    auth_secret: bytes = field(default_factory=lambda: os.urandom(16))

    def to_json(self) -> dict[str, Any]:
        """What PushSubscription.toJSON() gives the page."""
        public = self.private_key.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
        return {"endpoint": self.endpoint, "expirationTime": None,
                "keys": {"p256dh": b64e(public), "auth": b64e(self.auth_secret)}}


def verify_vapid(authorization: str, origin: str, now: float | None = None) -> dict[str, Any]:
    """Check `vapid t=<jwt>, k=<key>` the way a push service does; returns the claims."""
    assert authorization.startswith("vapid "), authorization
    parts = dict(p.strip().split("=", 1) for p in authorization[6:].split(","))
    token, key = parts["t"], parts["k"]
    head_b64, claims_b64, sig_b64 = token.split(".")
    header, claims = json.loads(b64d(head_b64)), json.loads(b64d(claims_b64))
    assert header["alg"] == "ES256", header
    public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b64d(key))
    raw = b64d(sig_b64)
    assert len(raw) == 64, "ES256 signatures are r || s, 64 bytes"
    signature = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    public.verify(signature, f"{head_b64}.{claims_b64}".encode(), ec.ECDSA(hashes.SHA256()))  # raises if forged
    t = time.time() if now is None else now
    assert claims["aud"] == origin, (claims["aud"], origin)
    assert t < claims["exp"] <= t + 24 * 3600, claims
    assert claims["sub"].startswith(("mailto:", "https://")), claims
    return {**claims, "k": key}


@dataclass
class Received:
    device: str
    headers: dict[str, str]
    payload: dict[str, Any] | None
    claims: dict[str, Any]


class PushService:
    """Serves POST /push/<device> on 127.0.0.1 in a thread of its own (HTTP/1.1, keep-alive).

    `answers[device]` is the list of statuses answered in turn (the last one repeats; default
    201); `retry_after` goes with 429; `delay` holds each answer back. Every request is checked;
    a failed check is answered 400 and kept in `errors`. `decrypt_every` > 1 (the benchmark)
    checks the JWT of every request but decrypts only every n-th body, leaving the cores to the
    sender being measured."""

    def __init__(self, decrypt_every: int = 1) -> None:
        self.devices: dict[str, Device] = {}
        self.answers: dict[str, list[int]] = {}
        self.retry_after = "1"
        self.received: list[Received] = []
        self.counts: dict[str, int] = defaultdict(int)
        self.errors: list[str] = []
        self.decrypt_every = decrypt_every
        self.delay = 0.0  # seconds before each answer, as a push service across the internet
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        self._ready.wait(10)
        self.origin = f"http://127.0.0.1:{self.port}"

    def device(self, name: str) -> Device:
        dev = Device(endpoint=f"http://127.0.0.1:{self.port}/push/{name}")
        self.devices[name] = dev
        return dev

    def received_by(self, name: str) -> list[Received]:
        return [r for r in self.received if r.device == name]

    # --- the server ------------------------------------------------------------------------

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        server = self._loop.run_until_complete(asyncio.start_server(self._client, "127.0.0.1", 0, backlog=1024))
        self.port = server.sockets[0].getsockname()[1]
        self._server = server
        self._ready.set()
        self._loop.run_forever()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                line = await reader.readline()
                if not line:
                    return
                method, path, _ = line.decode().split(" ", 2)
                headers: dict[str, str] = {}
                while (h := await reader.readline()) not in (b"\r\n", b""):
                    name, _, value = h.decode().partition(":")
                    headers[name.strip().lower()] = value.strip()
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                status, extra = self._answer(method, path, headers, body)
                if self.delay:
                    await asyncio.sleep(self.delay)
                head = f"HTTP/1.1 {status} X\r\ncontent-length: 0\r\n" + "".join(f"{k}: {v}\r\n" for k, v in extra.items())
                writer.write(head.encode() + b"\r\n")
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            return
        finally:
            writer.close()

    def _answer(self, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str]]:
        name = path.rsplit("/", 1)[-1]
        device = self.devices.get(name)
        if method != "POST" or not path.startswith("/push/") or device is None:
            return 404, {}
        n = self.counts[name]
        self.counts[name] += 1
        try:
            claims = verify_vapid(headers.get("authorization", ""), self.origin)
            assert headers.get("content-encoding") == "aes128gcm", headers
            assert 0 <= int(headers["ttl"]) <= 24 * 3600, headers
            assert len(body) <= 4096, len(body)
            payload = None
            if len(self.received) % self.decrypt_every == 0:
                payload = json.loads(decrypt(body, device.private_key, device.auth_secret))
        except Exception as exc:  # any failed check is the sender's bug: 400, kept
            self.errors.append(f"{name}: {exc!r}")
            return 400, {}
        self.received.append(Received(name, headers, payload, claims))
        plan = self.answers.get(name) or [201]
        status = plan[min(n, len(plan) - 1)]
        return status, ({"retry-after": self.retry_after} if status == 429 else {})

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._server.close)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
