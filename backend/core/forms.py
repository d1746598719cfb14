"""Reading multipart forms the same way everywhere: text fields with limits, and the client-made
Idempotency-Key of uploads that travel through the PWA's outbox."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request

from backend.core.errors import ApiError


def form_text(form: Any, name: str, limit: int, required: bool = True, strip: bool = False) -> str:
    value = form.get(name)
    if value is None or value == "":
        if required:
            raise ApiError("field_required", f"{name} is required", 400, field=name)
        return ""
    if not isinstance(value, str):
        raise ApiError("invalid_request", f"{name} must be text", 400, field=name)
    if len(value) > limit:
        raise ApiError("invalid_request", f"{name} is too long", 400, field=name)
    return value.strip() if strip else value


def idempotency_key(request: Request[Any, Any, Any]) -> str:
    raw = request.headers.get("idempotency-key", "").strip()
    try:
        return str(uuid.UUID(raw))
    except ValueError:
        raise ApiError("idempotency_key_required", "Send a UUID in the Idempotency-Key header", 400,
                       field="Idempotency-Key") from None
