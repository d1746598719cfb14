"""Serving the PWA: static files, the service worker (stamped with a content hash so a deploy
updates it), the manifest, and index.html for every client-side route."""

from __future__ import annotations

import hashlib
import json
import os
from functools import cache
from pathlib import Path
from typing import Any

from litestar import Response, get
from litestar.connection import ASGIConnection
from litestar.datastructures import CacheControlHeader
from litestar.exceptions import NotFoundException
from litestar.handlers import BaseRouteHandler
from litestar.params import FromPath
from litestar.static_files import create_static_files_router
from litestar.types import ControllerRouterHandler

from backend.core.types import is_line
from backend.settings import ROOT

PWA = ROOT / "pwa"
SW = ROOT / "service-worker" / "sw.js"
MANIFEST = ROOT / "manifest.json"
PAGE_ONLY = {"index.html", "offline.html"}


def _shell_files() -> list[Path]:
    return sorted(p for p in PWA.rglob("*") if p.is_file() and not p.name.startswith("."))


@cache
def service_worker_source() -> str:
    """sw.js with the shell list and a version derived from every file it caches."""
    files = _shell_files()
    # EBOK_RELEASE lets a deploy that changed no shell file (only the server) still roll clients over
    h = hashlib.sha256(os.environ.get("EBOK_RELEASE", "").encode())
    for path in [*files, SW, MANIFEST]:
        h.update(path.relative_to(ROOT).as_posix().encode())
        h.update(path.read_bytes())
    # the accessibility statement is the server's page: both languages, so it reads offline too
    statement = [f"/deklaracja-dostepnosci?lang={code}" for code in ("pl", "en", "uk")]
    shell = ["/", "/offline.html", "/manifest.json", *statement] + [
        "/static/" + p.relative_to(PWA).as_posix() for p in files if p.relative_to(PWA).as_posix() not in PAGE_ONLY
    ]
    header = f"const EBOK_VERSION = {json.dumps(h.hexdigest()[:16])};\nconst EBOK_SHELL = {json.dumps(shell)};\n"
    return header + SW.read_text()


# Litestar adds "; charset=utf-8" to every text/ media type itself
NO_CACHE = {"cache-control": "no-cache"}  # always revalidate: the service worker does the caching


@get("/sw.js", include_in_schema=False)
async def service_worker() -> Response[str]:
    return Response(
        service_worker_source(), media_type="text/javascript",
        headers={**NO_CACHE, "service-worker-allowed": "/"},
    )


@get("/manifest.json", include_in_schema=False)
async def manifest() -> Response[bytes]:
    return Response(MANIFEST.read_bytes(), media_type="application/manifest+json", headers=NO_CACHE)


@get("/offline.html", include_in_schema=False)
async def offline_page() -> Response[bytes]:
    return Response((PWA / "offline.html").read_bytes(), media_type="text/html", headers=NO_CACHE)


def _index() -> Response[bytes]:
    return Response((PWA / "index.html").read_bytes(), media_type="text/html", headers=NO_CACHE)


@get("/", include_in_schema=False)
async def index() -> Response[bytes]:
    return _index()


@get("/{path:path}", include_in_schema=False)
async def client_route(path: FromPath[str]) -> Response[bytes]:
    """Client-side routes (/odczyty, /aktywacja, ...) all load the app; the app shows its own
    'not found' for unknown ones. API and file-like paths get a real 404."""
    if path.startswith("/api") or path.startswith("api") or "." in path.rsplit("/", 1)[-1]:
        raise NotFoundException()
    return _index()


async def _no_control_characters(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """A file path with a NUL (`main.js%00.png`) made os.stat raise and answer 500."""
    if not is_line(connection.scope["path"]):
        raise NotFoundException()


static_files = create_static_files_router(
    path="/static", directories=[PWA], cache_control=CacheControlHeader(no_cache=True),
    guards=[_no_control_characters],
)

controllers: list[ControllerRouterHandler] = [service_worker, manifest, offline_page, index, client_route, static_files]
