"""Requests the server makes to URLs that others gave it (push endpoints): connect only to public
addresses. The name is resolved once, every address is checked, and the connection goes to an
address that was checked — a name that resolves to 127.0.0.1, 169.254.169.254 or 10.x, or changes
its answer between a check and the connection (DNS rebinding), is never reached.

`allowed_hosts` is for tests only (their local push service on 127.0.0.1, see EBOK_PUSH_TEST_HOSTS):
those host names may resolve to any address."""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import socket
import ssl
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

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


# --- many small POSTs to few origins (Web Push) -------------------------------------------------


class NetworkError(OSError):
    """The request did not get an answer: refused, reset, timed out, a malformed response."""


class Response:
    __slots__ = ("body", "headers", "status_code")

    def __init__(self, status_code: int, headers: dict[str, str], body: bytes) -> None:
        self.status_code, self.headers, self.body = status_code, headers, body

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


_MAX_HEAD = 64 * 1024
_MAX_BODY = 1024 * 1024


class _Connection(asyncio.Protocol):
    """One HTTP/1.1 keep-alive connection, one request at a time. The response is parsed from
    the bytes as they arrive (status line, headers, a Content-Length or chunked body)."""

    def __init__(self, pool: _OriginPool) -> None:
        self.pool = pool
        self.transport: asyncio.Transport | None = None
        self.waiter: asyncio.Future[Response] | None = None
        self.buffer = bytearray()
        self.closed = False
        self.used = 0
        self.got_bytes = False

    # asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.got_bytes = True
        self.buffer += data
        if self.waiter is None:  # bytes nobody asked for: the connection cannot be trusted
            self.close()
            return
        try:
            response = self._parse()
        except NetworkError as exc:
            self._fail(exc)
            return
        if response is not None:
            waiter, self.waiter = self.waiter, None
            if not waiter.done():
                waiter.set_result(response)

    def eof_received(self) -> bool | None:
        if self.waiter is not None:
            try:
                response = self._parse(eof=True)
            except NetworkError as exc:
                response = None
                self._fail(exc)
            if response is not None and not self.waiter.done():
                self.waiter.set_result(response)
                self.waiter = None
        self.close()
        return None

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.pool.forget(self)
        self._fail(NetworkError(f"connection lost: {exc!r}" if exc else "connection closed by the server"))

    # the client side
    def _fail(self, exc: Exception) -> None:
        waiter, self.waiter = self.waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_exception(exc)
        self.close()

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.pool.forget(self)
            if self.transport is not None:
                self.transport.close()

    def send(self, data: bytes) -> asyncio.Future[Response]:
        assert self.transport is not None and self.waiter is None
        self.buffer.clear()
        self.got_bytes = False
        self.used += 1
        self.waiter = asyncio.get_running_loop().create_future()
        self.transport.write(data)
        return self.waiter

    def _parse(self, eof: bool = False) -> Response | None:
        buf = self.buffer
        while True:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                if len(buf) > _MAX_HEAD:
                    raise NetworkError("response head too large")
                if eof:
                    raise NetworkError("connection closed before the response ended")
                return None
            lines = bytes(buf[:end]).decode("latin-1").split("\r\n")
            try:
                version, code_text = lines[0].split(" ", 2)[:2]
                code = int(code_text)
            except ValueError:
                raise NetworkError(f"malformed status line {lines[0][:100]!r}") from None
            if not version.startswith("HTTP/1."):
                raise NetworkError(f"malformed status line {lines[0][:100]!r}")
            if 100 <= code < 200:  # an interim answer: the real one follows
                del buf[:end + 4]
                continue
            break
        headers: dict[str, str] = {}
        for line in lines[1:]:
            name, sep, value = line.partition(":")
            if not sep:
                raise NetworkError("malformed header line")
            name = name.strip().lower()
            value = value.strip()
            headers[name] = f"{headers[name]}, {value}" if name in headers else value
        start = end + 4
        keep = version == "HTTP/1.1" and "close" not in headers.get("connection", "").lower()
        if "chunked" in headers.get("transfer-encoding", "").lower():
            body = bytearray()
            pos = start
            while True:
                line_end = buf.find(b"\r\n", pos)
                if line_end < 0:
                    break
                try:
                    size = int(bytes(buf[pos:line_end]).split(b";", 1)[0], 16)
                except ValueError:
                    raise NetworkError("malformed chunk") from None
                if size == 0:
                    trailer_end = buf.find(b"\r\n\r\n", line_end)
                    if trailer_end < 0 and buf[line_end:line_end + 4] != b"\r\n\r\n":
                        break
                    return self._done(code, headers, bytes(body), keep)
                if line_end + 2 + size + 2 > len(buf):
                    break
                body += buf[line_end + 2:line_end + 2 + size]
                pos = line_end + 2 + size + 2
                if len(body) > _MAX_BODY:
                    raise NetworkError("response body too large")
            if eof:
                raise NetworkError("connection closed inside a chunked body")
            return None
        if code in (204, 304):
            return self._done(code, headers, b"", keep)
        if "content-length" in headers:
            try:
                length = int(headers["content-length"])
            except ValueError:
                raise NetworkError("malformed content-length") from None
            if length > _MAX_BODY:
                raise NetworkError("response body too large")
            if len(buf) - start < length:
                if eof:
                    raise NetworkError("connection closed before the body ended")
                return None
            return self._done(code, headers, bytes(buf[start:start + length]), keep)
        if not eof:  # the body runs until the server closes
            if len(buf) - start > _MAX_BODY:
                raise NetworkError("response body too large")
            return None
        return self._done(code, headers, bytes(buf[start:]), False)

    def _done(self, code: int, headers: dict[str, str], body: bytes, keep: bool) -> Response:
        self.buffer.clear()
        if keep:
            self.pool.release(self)
        else:
            self.close()
        return Response(code, headers, body)


class _OriginPool:
    def __init__(self, client: PostClient, scheme: str, host: str, port: int) -> None:
        self.client, self.scheme, self.host, self.port = client, scheme, host, port
        self.idle: list[_Connection] = []
        self.busy: set[_Connection] = set()
        self.opening = 0
        self.waiting: list[asyncio.Future[_Connection | None]] = []
        default = 443 if scheme == "https" else 80
        name = f"[{host}]" if ":" in host else host
        self.host_header = (name if port == default else f"{name}:{port}").encode("idna")

    def forget(self, conn: _Connection) -> None:
        self.busy.discard(conn)
        with contextlib.suppress(ValueError):
            self.idle.remove(conn)
        self._wake(None)

    def release(self, conn: _Connection) -> None:
        self.busy.discard(conn)
        if conn.closed:
            return
        while self.waiting:
            waiter = self.waiting.pop(0)
            if not waiter.done():
                self.busy.add(conn)
                waiter.set_result(conn)
                return
        self.idle.append(conn)

    def _wake(self, conn: _Connection | None) -> None:
        while self.waiting:  # someone may open the connection that was closed
            waiter = self.waiting.pop(0)
            if not waiter.done():
                waiter.set_result(conn)
                return

    async def _open(self) -> _Connection:
        loop = asyncio.get_running_loop()
        addresses = await public_addresses(self.host, self.port, self.client.allowed_hosts)
        last: Exception | None = None
        for address in addresses:
            try:
                _, conn = await loop.create_connection(
                    lambda: _Connection(self), address, self.port,
                    ssl=self.client.ssl_context if self.scheme == "https" else None,
                    server_hostname=self.host if self.scheme == "https" else None)
                return conn
            except (OSError, ssl.SSLError) as exc:  # the next address, as a browser would
                last = exc
        raise NetworkError(f"cannot connect to {self.host}:{self.port}: {last!r}")

    async def acquire(self) -> tuple[_Connection, bool]:
        """A connection for one request and whether it was used before."""
        while True:
            while self.idle:
                conn = self.idle.pop()
                if not conn.closed:
                    self.busy.add(conn)
                    return conn, True
            if len(self.busy) + self.opening < self.client.connections_per_origin:
                self.opening += 1
                try:
                    conn = await self._open()
                except BaseException:
                    self.opening -= 1
                    self._wake(None)  # a waiter may try where this one failed
                    raise
                self.opening -= 1
                self.busy.add(conn)
                return conn, False
            waiter: asyncio.Future[_Connection | None] = asyncio.get_running_loop().create_future()
            self.waiting.append(waiter)
            try:
                got = await waiter
            except asyncio.CancelledError:
                if waiter.done() and not waiter.cancelled() and (handed := waiter.result()) is not None:
                    self.release(handed)  # handed over just as the wait was given up
                raise
            if got is not None:
                return got, True

    def close(self) -> None:
        for conn in [*self.idle, *self.busy]:
            conn.close()


class PostClient:
    """HTTP/1.1 POSTs with keep-alive, up to `connections_per_origin` connections to each
    origin, each connecting only to public addresses (checked as above, `allowed_hosts` for
    tests). Built for a fan-out of small requests (Web Push), where httpx's layers cost several
    times the request's own work; no redirects, cookies or proxies."""

    def __init__(self, *, allowed_hosts: Iterable[str] = (), connections_per_origin: int = 16,
                 timeout: float = 15, ssl_context: ssl.SSLContext | None = None) -> None:
        self.allowed_hosts = frozenset(h.lower() for h in allowed_hosts)
        self.connections_per_origin = connections_per_origin
        self.timeout = timeout
        self.ssl_context = ssl_context or ssl.create_default_context()
        self._pools: dict[tuple[str, str, int], _OriginPool] = {}

    async def __aenter__(self) -> PostClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        for pool in self._pools.values():
            pool.close()
        self._pools.clear()

    async def post(self, url: str, headers: dict[str, str], body: bytes) -> Response:
        """Raises ValueError for a URL it cannot send to, ForbiddenAddress for a host that is
        not public, NetworkError when no answer came."""
        parts = urlsplit(url)
        scheme, host, port = parts.scheme, parts.hostname, parts.port  # port: ValueError when malformed
        if scheme not in ("http", "https") or not host:
            raise ValueError(f"cannot send to {url[:100]!r}")
        if any(c in url for c in "\r\n\t "):
            raise ValueError("whitespace in the URL")
        port = port or (443 if scheme == "https" else 80)
        key = (scheme, host, port)
        pool = self._pools.get(key)
        if pool is None:
            pool = self._pools[key] = _OriginPool(self, scheme, host, port)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        head = [f"POST {target} HTTP/1.1\r\n".encode("ascii"), b"host: ", pool.host_header,
                b"\r\ncontent-length: ", str(len(body)).encode()]
        for name, value in headers.items():
            if "\r" in value or "\n" in value:
                raise ValueError(f"newline in the {name} header")
            head += [b"\r\n", name.encode("ascii"), b": ", value.encode("latin-1")]
        head.append(b"\r\n\r\n")
        data = b"".join(head) + body
        try:
            async with asyncio.timeout(self.timeout):
                for tries in range(3):
                    conn, reused = await pool.acquire()
                    try:
                        return await conn.send(data)
                    except NetworkError:
                        # a kept-alive connection the server closed just before the request
                        # reached it: once more on a new one (nothing of an answer came back)
                        if reused and not conn.got_bytes and tries < 2:
                            continue
                        raise
                    except BaseException:  # timed out or cancelled: the answer may still come
                        conn.close()
                        raise
                raise AssertionError("unreachable")
        except TimeoutError:
            raise NetworkError(f"no answer from {host} within {self.timeout:g} s") from None
