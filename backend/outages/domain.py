"""The outages domain as the app composes it."""

from backend.core.domain import Domain
from backend.outages import api, services
from backend.outages.sender import SEND_JOB, OutageAlertHelper, OutageAlerts

DOMAIN = Domain(
    "outages", piccolo_app="backend.outages.piccolo_app",
    controllers=api.controllers,
    outbox_handlers=lambda settings: {"outage_alert": OutageAlerts(settings), SEND_JOB: OutageAlertHelper(settings),
                                      services.NOTICE_JOB: services.send_notices},
)
