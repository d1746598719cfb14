"""Reading multipart forms the same way everywhere: text fields with limits, and the client-made
Idempotency-Key of uploads that travel through the PWA's outbox."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request

from backend.core.errors import ApiError
from backend.core.types import is_id, is_line, is_text


def form_text(form: Any, name: str, limit: int, required: bool = True, strip: bool = False,
              multiline: bool = False) -> str:
    """A text field: one line unless `multiline` (tab, CR and LF allowed), no other control character."""
    value = form.get(name)
    if value is None or value == "":
        if required:
            raise ApiError("field_required", f"{name} is required", 400, field=name)
        return ""
    if not isinstance(value, str):
        raise ApiError("invalid_request", f"{name} must be text", 400, field=name)
    if len(value) > limit:
        raise ApiError("invalid_request", f"{name} is too long", 400, field=name)
    if not (is_text(value) if multiline else is_line(value)):
        raise ApiError("invalid_request", f"{name} contains control characters", 400, field=name)
    return value.strip() if strip else value


def form_id(form: Any, name: str, required: bool = True) -> str:
    """An id field: a UUID, or a 400 naming the field (PostgreSQL would refuse it with an error)."""
    value = form_text(form, name, 36, required=required)
    if value and not is_id(value):
        raise ApiError("invalid_request", f"{name} is not a valid id", 400, field=name)
    return value


def idempotency_key(request: Request[Any, Any, Any]) -> str:
    raw = request.headers.get("idempotency-key", "").strip()
    try:
        return str(uuid.UUID(raw))
    except ValueError:
        raise ApiError("idempotency_key_required", "Send a UUID in the Idempotency-Key header", 400,
                       field="Idempotency-Key") from None


def require_form(request: Request[Any, Any, Any]) -> None:
    if request.content_type[0] not in ("multipart/form-data", "application/x-www-form-urlencoded"):
        raise ApiError("invalid_request", "Send multipart/form-data", 400)


async def form_files(form: Any, name: str, limit: int) -> list[tuple[str, bytes]]:
    """The uploaded files of a field as (file name, content), each at most `limit` bytes."""
    files = []
    for item in form.getall(name) if name in form else []:
        if isinstance(item, str):
            continue
        data = await item.read()
        if len(data) > limit:
            raise ApiError("file_too_large", f"An attachment is larger than {limit // (1024 * 1024)} MB", 400,
                           field=name)
        files.append((item.filename or "", data))
    return files
