"""The domains the app is made of, in the order of their migrations' dependencies. `app.py` takes
their controllers and outbox handlers from here, `piccolo_conf.py` their Piccolo apps."""

from backend.accounts.domain import DOMAIN as accounts
from backend.applications.domain import DOMAIN as applications
from backend.audit.domain import DOMAIN as audit
from backend.billing.domain import DOMAIN as billing
from backend.consents.domain import DOMAIN as consents
from backend.contact.domain import DOMAIN as contact
from backend.core import accessibility, ops, static
from backend.core import api as core_api
from backend.core.domain import Domain
from backend.core.mail import MailDelivery
from backend.core.sms import JOB as SMS_JOB
from backend.core.sms import SmsDelivery
from backend.customers.domain import DOMAIN as customers
from backend.dashboard.domain import DOMAIN as dashboard
from backend.documents.domain import DOMAIN as documents
from backend.imports.domain import DOMAIN as imports
from backend.inspections.domain import DOMAIN as inspections
from backend.integration.domain import DOMAIN as integration
from backend.notices.domain import DOMAIN as notices
from backend.office.domain import DOMAIN as office
from backend.outages.domain import DOMAIN as outages
from backend.privacy.domain import DOMAIN as privacy
from backend.readings.domain import DOMAIN as readings
from backend.webhooks.domain import DOMAIN as webhooks

# the shared mechanisms' own tables, endpoints (config, health, the PWA's files) and mail delivery
core = Domain(
    "core", piccolo_app="backend.core.piccolo_app",
    controllers=[*core_api.controllers, *accessibility.controllers, *ops.controllers, *static.controllers],
    outbox_handlers=lambda settings: {"mail": MailDelivery(settings), SMS_JOB: SmsDelivery(settings)},
)

DOMAINS: tuple[Domain, ...] = (
    core, audit, webhooks, customers, accounts, readings, inspections, billing, outages, consents, documents, contact,
    privacy, dashboard, integration, applications, imports, notices, office,
)
