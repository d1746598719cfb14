"""gzip for every answer of at least MINIMUM_SIZE bytes the client accepts it for, as a pure ASGI
middleware (it replaces Litestar's CompressionMiddleware, which ran through GzipFile and a BytesIO
on every request: about three times the CPU of one zlib call on the JSON the app loads on start).

The API's JSON is compressed at level 1 (the same size within a few per cent on those answers, half
the CPU of level 6: every start of the app asks for it); everything else (the shell's scripts and
styles, which the phone budget counts as sent) at level 6 as before. A streamed answer (files) is
compressed chunk by chunk with a sync flush, as Litestar's was; an answer that already has a
Content-Encoding is left alone."""

from __future__ import annotations

import zlib
from typing import Any

MINIMUM_SIZE = 256
API_LEVEL = 1
STATIC_LEVEL = 6
_GZIP = 31  # zlib's wbits for the gzip container


def _accepts_gzip(scope: dict[str, Any]) -> bool:
    for name, value in scope["headers"]:
        if name == b"accept-encoding":
            return b"gzip" in value
    return False


def _compressor(level: int, size: int | None = None) -> Any:
    """A gzip compressor; for a body of known `size`, with a window no larger than the body (and the
    hash table to match): zlib's full 32 KB window and 256 KB of state are allocated, and zeroed,
    for every answer otherwise, ~48 us for the dashboard's 1.8 KB against ~11 us, for the same bytes
    out (a window the size of the body finds every match a larger one would)."""
    if size is None:
        return zlib.compressobj(level, zlib.DEFLATED, _GZIP)
    bits = min(15, max(9, size.bit_length()))
    return zlib.compressobj(level, zlib.DEFLATED, 16 + bits, max(1, min(8, bits - 7)))


def _compressed_headers(headers: list[tuple[bytes, bytes]], length: int | None) -> list[tuple[bytes, bytes]]:
    out = []
    vary = b""
    for name, value in headers:
        lower = name.lower()
        if lower == b"content-length":
            continue
        if lower == b"vary":
            vary = value
            continue
        out.append((name, value))
    out.append((b"content-encoding", b"gzip"))
    out.append((b"vary", vary + b", Accept-Encoding" if vary else b"Accept-Encoding"))
    if length is not None:
        out.append((b"content-length", str(length).encode()))
    return out


def compression_middleware(app: Any) -> Any:
    async def middleware(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not _accepts_gzip(scope):
            await app(scope, receive, send)
            return
        level = API_LEVEL if scope["path"].startswith("/api/") else STATIC_LEVEL
        start: dict[str, Any] | None = None
        compressor: Any = None
        passing = False

        async def send_compressed(message: Any) -> None:
            nonlocal start, compressor, passing
            kind = message["type"]
            if kind == "http.response.start":
                start = message
                return
            if kind != "http.response.body" or start is None:
                await send(message)
                return
            body = message.get("body", b"")
            more = message.get("more_body", False)
            if passing:
                await send(message)
                return
            if compressor is not None:  # a streamed answer, being compressed
                data = compressor.compress(body) + compressor.flush(zlib.Z_SYNC_FLUSH if more else zlib.Z_FINISH)
                await send({"type": "http.response.body", "body": data, "more_body": more})
                return
            headers = list(start.get("headers") or ())
            encoded = any(name.lower() == b"content-encoding" for name, _ in headers)
            if encoded or (not more and len(body) < MINIMUM_SIZE):
                passing = True
                await send(start)
                await send(message)
                return
            compressor = _compressor(level, None if more else len(body))
            if more:
                data = compressor.compress(body) + compressor.flush(zlib.Z_SYNC_FLUSH)
                await send({**start, "headers": _compressed_headers(headers, None)})
            else:
                data = compressor.compress(body) + compressor.flush()
                await send({**start, "headers": _compressed_headers(headers, len(data))})
            await send({"type": "http.response.body", "body": data, "more_body": more})

        await app(scope, receive, send_compressed)

    return middleware
