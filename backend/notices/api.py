"""HTTP endpoints of the notices: the reminders sent to the resident's customers."""

from __future__ import annotations

from litestar import Controller, get

from backend.accounts.guards import UserDep, logged_in
from backend.notices import services
from backend.notices.schemas import ReminderOut


class RemindersController(Controller):
    path = "/api/reminders"
    guards = [logged_in]

    @get("/")
    async def mine(self, user: UserDep) -> list[ReminderOut]:
        return await services.reminders_of(user.customer_ids)


controllers = [RemindersController]
