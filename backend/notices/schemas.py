"""Shapes of the notices API."""

from __future__ import annotations

import msgspec


class ReminderOut(msgspec.Struct):
    service_point_id: str
    opens: str
    stage: str  # open | closing
    channel: str  # push | email | sms
    status: str  # queued | sent | skipped | failed
    due_at: str
    sent_at: str | None
