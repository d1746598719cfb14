"""The notices domain as the app composes it: the reading reminders' daily scan and their sending,
and the notices about a resident's own data (core/notify's events) fanned out and sent."""

from datetime import time

from backend.core.domain import Domain
from backend.notices import api
from backend.notices.fanout import FANOUT_JOB, NoticeFanout, NoticeSender
from backend.notices.fanout import SEND_JOB as NOTICE_SEND_JOB
from backend.notices.reminders import SCAN_JOB, SEND_JOB, ReadingReminders, ReminderSender
from backend.notices.rules import QUIET_UNTIL

DOMAIN = Domain(
    "notices", piccolo_app="backend.notices.piccolo_app",
    controllers=api.controllers,
    outbox_handlers=lambda settings: {SCAN_JOB: ReadingReminders(settings), SEND_JOB: ReminderSender(settings),
                                      FANOUT_JOB: NoticeFanout(settings), NOTICE_SEND_JOB: NoticeSender(settings)},
    daily_jobs={SCAN_JOB: time(QUIET_UNTIL.hour, QUIET_UNTIL.minute)},
)
