"""The notices domain as the app composes it: the reading reminders' daily scan and their sending."""

from datetime import time

from backend.core.domain import Domain
from backend.notices import api
from backend.notices.reminders import SCAN_JOB, SEND_JOB, ReadingReminders, ReminderSender
from backend.notices.rules import QUIET_UNTIL

DOMAIN = Domain(
    "notices", piccolo_app="backend.notices.piccolo_app",
    controllers=api.controllers,
    outbox_handlers=lambda settings: {SCAN_JOB: ReadingReminders(settings), SEND_JOB: ReminderSender(settings)},
    daily_jobs={SCAN_JOB: time(QUIET_UNTIL.hour, QUIET_UNTIL.minute)},
)
