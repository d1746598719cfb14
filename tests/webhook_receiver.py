"""A local webhook receiver for the tests and the benchmark: an HTTP server that checks each
request's Standard Webhooks signature with its own HMAC, written from the specification
(https://www.standardwebhooks.com: `v1,` + base64 of HMAC-SHA256 over `{webhook-id}.{webhook-timestamp}.{body}`,
keyed with the base64-decoded secret after `whsec_`), not with the library e-BOK signs with, and
answers with the statuses it is told to."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def signature_valid(secret: str, headers: dict[str, str], body: bytes) -> bool:
    key = base64.b64decode(secret.removeprefix("whsec_"))
    msg_id, stamp = headers.get("webhook-id", ""), headers.get("webhook-timestamp", "")
    if not msg_id or not stamp.isdigit():
        return False
    expected = base64.b64encode(hmac.new(key, f"{msg_id}.{stamp}.".encode() + body, hashlib.sha256).digest()).decode()
    for item in headers.get("webhook-signature", "").split(" "):
        version, _, sig = item.partition(",")
        if version == "v1" and hmac.compare_digest(sig, expected):
            return True
    return False


@dataclass
class Received:
    id: str
    timestamp: int
    signature_valid: bool
    body: dict[str, Any]


class Receiver:
    """`secret` is set after the endpoint is registered (e-BOK makes it); `answers` is a queue
    of statuses to answer with (then 200); `refuse(body)`, when set, answers 500 to the events it
    picks (requests of one batch arrive in any order)."""

    def __init__(self) -> None:
        self.secret = ""
        self.answers: deque[int] = deque()
        self.refuse: Callable[[dict[str, Any]], bool] | None = None
        self.received: list[Received] = []
        self.lock = threading.Lock()
        self.arrived = threading.Condition(self.lock)
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as a real receiver

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {k.lower(): v for k, v in self.headers.items()}
                data = json.loads(body)
                with receiver.lock:
                    status = receiver.answers.popleft() if receiver.answers else 200
                    if receiver.refuse is not None and receiver.refuse(data):
                        status = 500
                    receiver.received.append(Received(
                        id=headers.get("webhook-id", ""), timestamp=int(headers.get("webhook-timestamp") or 0),
                        signature_valid=signature_valid(receiver.secret, headers, body), body=data))
                    receiver.arrived.notify_all()
                answer = b'{"ok": true}' if status < 300 else b"receiver says no"
                self.send_response(status)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/ebok"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def count(self) -> int:
        with self.lock:
            return len(self.received)

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
