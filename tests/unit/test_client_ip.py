"""The client address behind a trusted proxy is the hop the proxy appended, never the first entry
of X-Forwarded-For, which the client writes itself (per-IP login throttling counts it)."""

from __future__ import annotations

import msgspec
from litestar import Request

from backend.core.security import client_ip
from backend.settings import Settings


def request(peer: str, forwarded: str | None) -> Request:
    headers = [(b"x-forwarded-for", forwarded.encode())] if forwarded is not None else []
    scope = {"type": "http", "method": "POST", "path": "/api/session", "headers": headers,
             "client": (peer, 40000), "query_string": b"", "app": None}
    return Request(scope)  # type: ignore[arg-type]


def test_behind_a_trusted_proxy_the_last_hop_counts() -> None:
    proxied = msgspec.structs.replace(Settings.from_env(), trusted_proxies=True)
    assert client_ip(request("127.0.0.1", "203.0.113.7"), proxied) == "203.0.113.7"
    # a client that writes its own X-Forwarded-For does not choose its address
    assert client_ip(request("127.0.0.1", "198.51.100.1, 203.0.113.7"), proxied) == "203.0.113.7"
    assert client_ip(request("127.0.0.1", None), proxied) == "127.0.0.1"


def test_without_a_trusted_proxy_the_header_is_ignored() -> None:
    direct = msgspec.structs.replace(Settings.from_env(), trusted_proxies=False)
    assert client_ip(request("192.0.2.10", "203.0.113.7"), direct) == "192.0.2.10"
