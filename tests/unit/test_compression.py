"""The gzip middleware (backend/core/compression.py): what it sends decodes to what the app answered,
whatever the body's size (its compressor's window is sized to the body), streamed or not."""

from __future__ import annotations

import gzip
import random
from typing import Any

import pytest

from backend.core.compression import MINIMUM_SIZE, compression_middleware


def _json(size: int) -> bytes:
    rnd = random.Random(size)  # varied, repetitive text like the API's JSON, the same every run
    parts = []
    while sum(map(len, parts)) < size:
        parts.append(f'{{"id":"{rnd.getrandbits(64):016x}","street":"ul. Lipowa","n":{rnd.randint(1, 99)}}},'.encode())
    return b"[" + b"".join(parts)[: size - 2] + b"]"


async def _call(chunks: list[bytes], accept: str = "gzip") -> tuple[dict[str, Any], bytes]:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(sum(map(len, chunks))).encode())]})
        for i, chunk in enumerate(chunks):
            await send({"type": "http.response.body", "body": chunk, "more_body": i < len(chunks) - 1})

    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "path": "/api/dashboard", "headers": [(b"accept-encoding", accept.encode())]}
    await compression_middleware(app)(scope, None, send)
    start = sent[0]
    return start, b"".join(m.get("body", b"") for m in sent[1:])


@pytest.mark.parametrize("size", [MINIMUM_SIZE, 300, 1812, 5000, 40_000, 200_000])
async def test_a_body_of_any_size_comes_back_whole(size):
    body = _json(size)
    start, out = await _call([body])
    headers = dict(start["headers"])
    assert headers[b"content-encoding"] == b"gzip" and headers[b"vary"] == b"Accept-Encoding"
    assert int(headers[b"content-length"]) == len(out)
    assert gzip.decompress(out) == body
    # a window the size of the body loses nothing against zlib's full one
    assert len(out) <= len(gzip.compress(body, compresslevel=1)) + 8


async def test_a_streamed_answer_is_compressed_chunk_by_chunk():
    chunks = [_json(70_000), _json(30_000), _json(500)]
    start, out = await _call(chunks)
    headers = dict(start["headers"])
    assert headers[b"content-encoding"] == b"gzip" and b"content-length" not in headers
    assert gzip.decompress(out) == b"".join(chunks)


async def test_small_or_unwanted_answers_pass_as_they_are():
    small = _json(MINIMUM_SIZE - 1)
    start, out = await _call([small])
    assert b"content-encoding" not in dict(start["headers"]) and out == small
    body = _json(5000)
    start, out = await _call([body], accept="br")
    assert b"content-encoding" not in dict(start["headers"]) and out == body
