"""What Litestar cannot know when it writes the OpenAPI schema, added to it: the error shape every
4xx answer has (backend/core/errors.py: {code, message, field}, not Litestar's {status_code,
detail, extra}), the statuses guards and services answer with, and the multipart bodies and
Idempotency-Key header of the uploads, which the handlers read from the request themselves."""

from __future__ import annotations

import copy
from typing import Any

from litestar.enums import OpenAPIMediaType
from litestar.openapi.plugins import OpenAPIRenderPlugin

from backend.core.types import LINE_PATTERN

ERROR_REF = {"$ref": "#/components/schemas/Error"}
ERROR_SCHEMA = {
    "type": "object", "required": ["code", "message", "field"],
    "properties": {"code": {"type": "string", "description": "stable; the PWA words it in Polish or English"},
                   "message": {"type": "string", "description": "for developers"},
                   "field": {"type": ["string", "null"], "description": "the input it is about"}},
    "additionalProperties": True,  # some errors carry their parameters (e.g. minutes to wait)
}
_STATUS_TEXT = {
    400: "Invalid input (the field is named)", 401: "Not logged in", 403: "CSRF token missing or wrong",
    404: "Not found, or not yours", 405: "Method not allowed", 409: "In progress or in conflict",
    410: "Gone (a removed meter)", 413: "Body too large", 422: "Idempotency key used for other content",
    429: "Too many attempts: wait (Retry-After)",
}
_ALWAYS = (400, 401, 404, 405, 429)
_UNSAFE = (403, 409, 410, 413, 422)

_ID = {"type": "string", "format": "uuid"}
_TEXT = {"type": "string"}
_FILE = {"type": "string", "format": "binary"}
_READING = {"value": {**_TEXT, "maxLength": 20, "description": "m³, ASCII digits, `,` or `.` before up to 3 decimals"},
            "captured_at": {**_TEXT, "format": "date-time"}, "comment": {**_TEXT, "maxLength": 500},
            "photo": {**_FILE, "description": "JPEG, PNG or WebP, at most 10 MB"}}
MULTIPART: dict[tuple[str, str], tuple[dict[str, Any], list[str], bool]] = {
    # (path, method) -> (fields, required, idempotent)
    ("/api/readings", "post"): ({"meter_id": _ID, **_READING}, ["meter_id", "value", "captured_at"], True),
    ("/api/inspector/visits/{visit_id}/result", "post"): (
        {"result": {"type": "string", "enum": ["confirmed", "corrected", "damaged", "no_access"]}, **_READING},
        ["result", "captured_at"], True),
    ("/api/contact/messages", "post"): ({
        "customer_id": _ID, "category": {**_TEXT, "maxLength": 20}, "subject": {**_TEXT, "maxLength": 200},
        "body": _TEXT, "attachment": {"type": "array", "items": _FILE}}, ["customer_id", "category", "subject", "body"],
        True),
    ("/api/staff/billing/statements", "post"): ({"file": {**_FILE, "description": "CSV or MT940"}}, ["file"], False),
    ("/api/staff/documents", "post"): ({"file": _FILE, "title": _TEXT, "category": _TEXT, "description": _TEXT,
                                        "customer_id": _ID}, ["file", "title", "category", "customer_id"], False),
    ("/api/staff/information", "post"): ({"file": _FILE, "title": _TEXT, "category": _TEXT, "description": _TEXT},
                                         ["file", "title", "category"], False),
}
IDEMPOTENCY_KEY = {"name": "Idempotency-Key", "in": "header", "required": True, "schema": _ID,
                   "description": "made by the client once per item; a replay gets the first answer"}


# JSON Schema patterns are ECMA-262 regular expressions, where `$` is the end of the text: the
# lookahead Python needs (core/types.py) is written without it, which generators can handle.
_ECMA_PATTERNS = {LINE_PATTERN: r"^[^\x00-\x1f\x7f]*$"}


def _ecma(node: Any) -> None:
    if isinstance(node, dict):
        if node.get("pattern") in _ECMA_PATTERNS:
            node["pattern"] = _ECMA_PATTERNS[node["pattern"]]
        for value in node.values():
            _ecma(value)
    elif isinstance(node, list):
        for value in node:
            _ecma(value)


def complete(schema: dict[str, Any]) -> dict[str, Any]:
    """A copy of Litestar's schema, made true to what the API answers and accepts."""
    out = copy.deepcopy(schema)
    _ecma(out)
    out.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    for path, operations in out.get("paths", {}).items():
        for method, op in operations.items():
            if not isinstance(op, dict) or "responses" not in op:
                continue
            responses = op["responses"]
            # a handler's own error examples (ResponseSpec with examples) stay, with the Error shape
            examples = {code: r["content"]["application/json"]["examples"] for code, r in responses.items()
                        if code.startswith("4") and "examples" in r.get("content", {}).get("application/json", {})}
            statuses = [*_ALWAYS, *(_UNSAFE if method in ("post", "put", "patch", "delete") else ())]
            for status in statuses:
                if str(status) not in examples:
                    responses[str(status)] = {"description": _STATUS_TEXT[status],
                                              "content": {"application/json": {"schema": ERROR_REF}}}
            for code, response in responses.items():  # Litestar's own 4xx shapes are not what we send
                if code.startswith("4"):
                    response["content"] = {"application/json": {"schema": ERROR_REF, **(
                        {"examples": examples[code]} if code in examples else {})}}
                elif code == "204":  # no body, so no media type
                    response.pop("content", None)
                elif "" in response.get("content", {}):  # a File: a photo, a PDF, a ZIP
                    response["content"]["*/*"] = response["content"].pop("")
            if (path, method) in MULTIPART:
                fields, required, idempotent = MULTIPART[(path, method)]
                op["requestBody"] = {"required": True, "content": {"multipart/form-data": {
                    "schema": {"type": "object", "properties": fields, "required": required}}}}
                if idempotent:
                    op["parameters"] = [p for p in op.get("parameters", []) if p.get("name") != "Idempotency-Key"]
                    op["parameters"].append(IDEMPOTENCY_KEY)
                    responses["200"] = {"description": "A replay: the first answer again",
                                        "content": responses.get("201", {}).get("content", {})}
    return out


class CompleteJson(OpenAPIRenderPlugin):
    """/api/schema/openapi.json, completed."""

    def __init__(self) -> None:
        super().__init__(path="/openapi.json", media_type=OpenAPIMediaType.OPENAPI_JSON)

    def render(self, request: Any, openapi_schema: dict[str, Any]) -> bytes:
        return self.render_json(request, complete(openapi_schema))
