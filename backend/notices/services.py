"""What other parts read of the notices: the reminders a resident's customers were sent."""

from __future__ import annotations

from collections.abc import Sequence

from backend.core.clock import iso
from backend.notices.schemas import ReminderOut
from backend.notices.tables import Reminder


async def reminders_of(customer_ids: Sequence[str], limit: int = 50) -> list[ReminderOut]:
    if not customer_ids:
        return []
    rows = await Reminder.select().where(Reminder.customer.is_in(list(customer_ids))).order_by(
        Reminder.created_at, ascending=False).limit(limit)
    return [ReminderOut(service_point_id=str(r["service_point"]), opens=r["opens"].isoformat(), stage=r["stage"],
                        channel=r["channel"], status=r["status"], due_at=iso(r["due_at"]),
                        sent_at=iso(r["sent_at"])) for r in rows]
