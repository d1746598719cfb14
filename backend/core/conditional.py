"""Conditional GET for the JSON the app loads on start: an `ETag` over the answer's bytes and the
person asking, and 304 Not Modified when the request's `If-None-Match` still names it.

The tag is a hash of the body the handler just built from the database, so any write (the office,
another process, a background job) that changes what this person sees changes the tag; nothing is
cached on the server and nothing can go stale. The user's id is hashed in too: a tag one account
got never validates another account's copy, even where both would see the same data."""

from __future__ import annotations

import hashlib
from typing import Any

import msgspec
from litestar import Request, Response
from litestar.openapi.datastructures import ResponseSpec

# for the handlers' OpenAPI description (`responses=NOT_MODIFIED`)
NOT_MODIFIED = {304: ResponseSpec(None, description="Not Modified: the If-None-Match tag is still current")}


def etag(user_id: str, body: bytes) -> str:
    return 'W/"' + hashlib.blake2b(body, digest_size=16, person=b"ebok-etag", key=user_id.encode()[:64]).hexdigest() + '"'


def matches(header: str | None, tag: str) -> bool:
    """RFC 9110 weak comparison of If-None-Match (a list of tags, or *) with the current tag."""
    if not header:
        return False
    wanted = tag.removeprefix("W/")
    return any(t.strip() == "*" or t.strip().removeprefix("W/") == wanted for t in header.split(","))


def answer(request: Request[Any, Any, Any], user_id: str, content: Any) -> Response[Any]:
    """`content` as JSON with its ETag, or an empty 304 when the client has it already."""
    body = msgspec.json.encode(content)
    tag = etag(user_id, body)
    if matches(request.headers.get("if-none-match"), tag):
        return Response(b"", status_code=304, headers={"etag": tag})
    return Response(body, media_type="application/json", headers={"etag": tag})
