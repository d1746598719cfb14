"""The API's documentation page at /api/schema: Swagger UI (Apache-2.0, vendored in core/vendor/
with its licence and notice) served by the app itself, so it works under the strict CSP and
without internet.

Litestar's own render plugins load their scripts from CDNs and start them with inline scripts and
styles, which the CSP refuses (the page stayed blank); RapiDoc and ReDoc style themselves with
<style> elements, which it refuses too. Swagger UI takes its stylesheet as a file, and the page
is started by apidocs.js beside this module (which also adds the CSRF token to "try it" requests).
"""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

from litestar import Response, get
from litestar.exceptions import NotFoundException
from litestar.openapi.plugins import OpenAPIRenderPlugin
from litestar.params import FromPath

if TYPE_CHECKING:
    from litestar import Request
    from litestar.router import Router

HERE = Path(__file__).parent
VERSION = "5.30.2"
ASSETS = {  # name under the schema path -> (file, media type)
    "swagger-ui.js": (HERE / "vendor" / f"swagger-ui-bundle-{VERSION}.js", "text/javascript"),
    "swagger-ui.css": (HERE / "vendor" / f"swagger-ui-{VERSION}.css", "text/css"),
    "apidocs.js": (HERE / "apidocs.js", "text/javascript"),
}


@get("/assets/{name:str}", include_in_schema=False, sync_to_thread=False)
def asset(name: FromPath[str]) -> Response[bytes]:
    if name not in ASSETS:
        raise NotFoundException()
    path, media_type = ASSETS[name]
    return Response(path.read_bytes(), media_type=media_type,
                    headers={"cache-control": "public, max-age=86400"})


class ApiDocsPage(OpenAPIRenderPlugin):
    """Swagger UI at the schema's root, its files from the same router."""

    def __init__(self) -> None:
        super().__init__(path="/", favicon="", style="")

    def receive_router(self, router: Router) -> None:
        router.register(asset)

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        base = escape(((request.app.openapi_config and request.app.openapi_config.path) or "/schema") + "/assets")
        title = escape(str(openapi_schema["info"]["title"]))
        spec = escape(self.get_openapi_json_route(request))
        return (
            '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<title>{title}</title><link rel="stylesheet" href="{base}/swagger-ui.css">'
            f'<script src="{base}/swagger-ui.js" defer></script><script src="{base}/apidocs.js" defer></script>'
            f'</head><body><main id="swagger-ui" data-spec-url="{spec}"></main></body></html>'
        ).encode()
