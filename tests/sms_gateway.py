"""A local SMS gateway for the tests and the benchmark that speaks SMSAPI.pl's protocol: POST
/sms.do with a Bearer token and form fields (to, message, from, format=json, encoding, idx,
check_idx, notify_url, normalize), JSON answers ({"count", "list": [...]} or {"error", "message"}),
and its delivery-report callback (GET notify_url?MsgId=..&status=..&status_name=..&idx=..).

It checks what the real one checks (the token, a number it can deliver to, a message, a repeated
idx under check_idx) and can be told to fail: `fail_next` answers with an HTTP status, `error_next`
with one of SMSAPI's error codes, `hang_next` holds the answer longer than the client waits."""

from __future__ import annotations

import asyncio
import json
import threading
import time
import urllib.parse
import uuid
from dataclasses import dataclass, field
from typing import Any

TOKEN = "test-smsapi-token"


@dataclass
class Sent:
    id: str
    to: str
    message: str
    sender: str
    idx: str
    notify_url: str
    fields: dict[str, str]
    at: float = field(default_factory=time.time)


class SmsGateway:
    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.sent: list[Sent] = []
        self.requests = 0
        self.fail_next: list[int] = []  # HTTP statuses for the next requests (500, 503, 429)
        self.error_next: list[int] = []  # SMSAPI error codes for the next requests
        self.hang_next = 0  # requests whose answer comes too late
        self.hang_seconds = 3.0
        self._idx: set[str] = set()
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        self._ready.wait(5)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

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
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                method, target, _ = lines[0].split(" ", 2)
                headers = {k.strip().lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:] if ln)}
                body = await reader.readexactly(int(headers.get("content-length", "0") or 0))
                hang = False
                with self._lock:
                    if self.hang_next:
                        self.hang_next -= 1
                        hang = True
                status, answer = self._answer(method, target, headers, body)
                if hang:
                    await asyncio.sleep(self.hang_seconds)
                data = json.dumps(answer).encode()
                writer.write(f"HTTP/1.1 {status} X\r\ncontent-type: application/json\r\n"
                             f"content-length: {len(data)}\r\n\r\n".encode() + data)
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass
        finally:
            writer.close()

    def _answer(self, method: str, target: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, Any]]:
        with self._lock:
            self.requests += 1
            if urllib.parse.urlsplit(target).path != "/sms.do" or method != "POST":
                return 404, {"error": 8, "message": "Error in request"}
            if headers.get("authorization") != f"Bearer {self.token}":
                return 401, {"error": 101, "message": "Authorization failed"}
            if self.fail_next:
                return self.fail_next.pop(0), {"error": 201, "message": "System internal error"}
            if self.error_next:
                return 200, {"error": self.error_next.pop(0), "message": "Error told by the test"}
            form = dict(urllib.parse.parse_qsl(body.decode(), keep_blank_values=True))
            to, message = form.get("to", ""), form.get("message", "")
            if form.get("format") != "json":
                return 200, {"error": 8, "message": "Error in request (format)"}
            if not message:
                return 200, {"error": 11, "message": "Message empty"}
            if not (to.isdigit() and len(to) == 11 and to.startswith("48")):
                return 200, {"error": 13, "message": "No correct phone numbers"}
            idx = form.get("idx", "")
            if form.get("check_idx") == "1" and idx:
                if idx in self._idx:
                    return 200, {"error": 53, "message": "Message with this idx was already sent"}
                self._idx.add(idx)
            sent = Sent(id=uuid.uuid4().hex[:20].upper(), to=to, message=message, sender=form.get("from", ""),
                        idx=idx, notify_url=form.get("notify_url", ""), fields=form)
            self.sent.append(sent)
            gsm = all(ord(c) < 128 for c in message)
            parts = 1 if len(message) <= (160 if gsm else 70) else -(-len(message) // (153 if gsm else 67))
            return 200, {"count": 1, "list": [{
                "id": sent.id, "points": 0.16 * parts, "number": to, "date_sent": int(sent.at),
                "submitted_number": to, "status": "QUEUE", "error": None, "idx": idx or None, "parts": parts}]}

    def report(self, sent: list[Sent], status: str = "DELIVERED") -> tuple[str, dict[str, str]]:
        """The callback the gateway would make for these messages: (path of notify_url, query)."""
        codes = {"DELIVERED": "404", "UNDELIVERED": "405", "FAILED": "406", "SENT": "403"}
        url = urllib.parse.urlsplit(sent[0].notify_url)
        query = dict(urllib.parse.parse_qsl(url.query))
        query.update({
            "MsgId": ",".join(s.id for s in sent), "status": ",".join(codes.get(status, "402") for _ in sent),
            "status_name": ",".join(status for _ in sent), "idx": ",".join(s.idx for s in sent),
            "donedate": ",".join(str(int(time.time())) for _ in sent), "username": "ebok",
            "points": ",".join("0.16" for _ in sent), "to": ",".join(s.to for s in sent),
        })
        return url.path, query

    def stop(self) -> None:
        async def _close() -> None:
            self._server.close()
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(_close(), self._loop).result(5)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
