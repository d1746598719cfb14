"""Every endpoint's input goes through the shared types of backend/core/types.py: each text a
request body, path or query parameter carries refuses control characters (NUL first of all)."""

from __future__ import annotations

import re
import typing

import msgspec.inspect as mi

from backend.core.types import is_id, is_line, is_text


def _strings(t: mi.Type, where: str, seen: set) -> typing.Iterator[tuple[str, mi.StrType]]:
    if isinstance(t, mi.StrType):
        yield where, t
    elif isinstance(t, (mi.ListType, mi.SetType, mi.FrozenSetType, mi.VarTupleType)):
        yield from _strings(t.item_type, where + "[]", seen)
    elif isinstance(t, mi.DictType):
        yield from _strings(t.value_type, where + "{}", seen)
    elif isinstance(t, mi.UnionType):
        for member in t.types:
            yield from _strings(member, where, seen)
    elif isinstance(t, mi.StructType):
        if t.cls in seen:
            return
        seen.add(t.cls)
        for f in t.fields:
            yield from _strings(f.type, f"{where}.{f.name}", seen)


def _inputs():
    from backend.app import create_app
    from backend.settings import Settings

    app = create_app(Settings(), manage_resources=False)
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            sig = handler.parsed_fn_signature
            for name, param in sig.parameters.items():
                if name in ("request", "settings", "user", "viewer", "state", "scope", "self"):
                    continue
                yield f"{route.path} {name}", param.annotation, param


def _refuses_nul(pattern: str | None) -> bool:
    return bool(pattern) and not re.search(pattern, "a\x00")


def test_every_text_input_refuses_control_characters():
    unchecked = []
    for where, annotation, param in _inputs():
        try:
            info = mi.type_info(annotation)
        except (TypeError, ValueError):
            continue  # not a msgspec type: dependencies, uploads
        strings = list(_strings(info, where, set()))
        if not strings:
            continue
        if any(isinstance(t, mi.StructType) for t in _flat(info)) or where.endswith(" data"):
            unchecked += [name for name, t in strings if not _refuses_nul(t.pattern)]
        elif all(name.endswith("[]") for name, _ in strings):
            # a list in the query (?ids=…&ids=…): msgspec converts it and checks its items' Meta
            unchecked += [name for name, t in strings if not _refuses_nul(t.pattern)]
        elif not _refuses_nul(getattr(param.kwarg_definition, "pattern", None)):
            # a single path or query parameter: Litestar checks Parameter(pattern=...), not msgspec's Meta
            unchecked.append(where)
    # the client-side routes only answer index.html or 404; /api/schema/… is the OpenAPI router
    # (Litestar's, and a fixed list of Swagger UI files)
    unchecked = [u for u in unchecked if u != "/{path:path} path" and not u.startswith("/api/schema/")]
    assert unchecked == [], "\n".join(unchecked)


def _flat(t):
    return t.types if isinstance(t, mi.UnionType) else (t,)


def test_the_shared_types():
    assert is_id("12345678-1234-1234-1234-123456789abc") and not is_id("0") and not is_id("12345678123412341234123456789abc")
    assert is_line("Anna Nowak, ul. Lipowa 7") and not is_line("a\x00") and not is_line("a\n") and not is_line("\x7f")
    assert is_text("Dzień dobry,\r\n\tpozdrawiam\n") and not is_text("a\x00b") and not is_text("\x1b[31m")
