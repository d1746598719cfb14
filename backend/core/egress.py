"""Requests the server makes to URLs that others gave it (push endpoints): connect only to public
addresses. The name is resolved once, every address is checked, and the connection goes to an
address that was checked — a name that resolves to 127.0.0.1, 169.254.169.254 or 10.x, or changes
its answer between a check and the connection (DNS rebinding), is never reached.

`allowed_hosts` is for tests only (their local push service on 127.0.0.1, see EBOK_PUSH_TEST_HOSTS):
those host names may resolve to any address."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import ssl
from collections.abc import Iterable
from typing import Any

import httpcore
import httpx


class ForbiddenAddress(Exception):
    """The host is, or resolves to, an address that is not public."""


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


async def public_addresses(host: str, port: int, allowed_hosts: Iterable[str] = ()) -> list[str]:
    """The addresses `host` resolves to, all of them public (or `host` is allowed for tests);
    raises ForbiddenAddress otherwise. getaddrinfo also reads the numeric forms inet_aton
    accepts (127.1, 2130706433, 0x7f000001, 0177.0.0.1) as the addresses they are."""
    try:
        found = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise ForbiddenAddress(f"{host} does not resolve: {exc}") from None
    addresses = list(dict.fromkeys(str(info[4][0]) for info in found))
    if host.lower() in allowed_hosts:
        return addresses
    refused = [a for a in addresses if not is_public(a)]
    if refused or not addresses:
        raise ForbiddenAddress(f"{host} resolves to an address that is not public: {', '.join(refused)}")
    return addresses


class PublicOnlyBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network backend, connecting only to the checked addresses of each host. TLS
    still verifies the certificate against the host name (httpcore passes it as SNI)."""

    def __init__(self, allowed_hosts: Iterable[str] = ()) -> None:
        self._inner = httpcore.AnyIOBackend()
        self._allowed = frozenset(h.lower() for h in allowed_hosts)

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None,  # noqa: ASYNC109 - httpcore's signature
                          local_address: str | None = None, socket_options: Any = None) -> httpcore.AsyncNetworkStream:
        last: Exception | None = None
        try:
            async with asyncio.timeout(timeout):
                addresses = await public_addresses(host, port, self._allowed)
        except TimeoutError:
            raise httpcore.ConnectTimeout(f"resolving {host} timed out") from None
        for address in addresses:
            try:
                return await self._inner.connect_tcp(address, port, timeout=timeout, local_address=local_address,
                                                     socket_options=socket_options)
            except httpcore.ConnectError as exc:  # the next address, as a browser would
                last = exc
        assert last is not None
        raise last

    async def connect_unix_socket(self, path: str, timeout: float | None = None,  # noqa: ASYNC109
                                  socket_options: Any = None) -> httpcore.AsyncNetworkStream:
        raise ForbiddenAddress("no unix sockets")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class PublicOnlyTransport(httpx.AsyncHTTPTransport):
    """httpx's transport with the pool built on PublicOnlyBackend (httpx takes no backend itself)."""

    def __init__(self, *, allowed_hosts: Iterable[str] = (), http2: bool = False, limits: httpx.Limits | None = None,
                 retries: int = 0, ssl_context: ssl.SSLContext | None = None) -> None:
        limits = limits or httpx.Limits()
        ssl_context = ssl_context or httpx.create_ssl_context()
        super().__init__(http2=http2, limits=limits, retries=retries, verify=ssl_context)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context, max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections, keepalive_expiry=limits.keepalive_expiry,
            http1=True, http2=http2, retries=retries, network_backend=PublicOnlyBackend(allowed_hosts),
        )
