"""HTTP endpoints of consents: the resident's consents with history, give and withdraw."""

from __future__ import annotations

from litestar import Controller, Request, get, put
from litestar.params import FromPath, JSONBody

from backend.accounts.guards import logged_in
from backend.consents import services
from backend.consents.schemas import ConsentIn, ConsentOut, CustomerConsentsOut


class ConsentsController(Controller):
    path = "/api/consents"
    guards = [logged_in]

    @get("/")
    async def list_consents(self, request: Request) -> list[CustomerConsentsOut]:
        return await services.consents_of(request.scope["user"].customer_ids)

    @put("/{customer_id:str}/{kind:str}")
    async def decide(self, request: Request, customer_id: FromPath[str], kind: FromPath[str],
                     data: JSONBody[ConsentIn]) -> ConsentOut:
        return await services.set_consent(request.scope["user"], customer_id, kind, data.given)


controllers = [ConsentsController]
