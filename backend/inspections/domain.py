"""The inspections domain as the app composes it."""

from backend.core.domain import Domain
from backend.inspections import api, services
from backend.readings import services as readings

readings.set_inspector_scope(services.inspector_sees_meter)  # inspectors see what their routes hold

DOMAIN = Domain(
    "inspections", piccolo_app="backend.inspections.piccolo_app",
    controllers=api.controllers,
)
