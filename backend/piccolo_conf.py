"""Piccolo configuration: the engine follows DATABASE_URL (SQLite file by default)."""

from piccolo.conf.apps import AppRegistry

from backend.core.db import engine_from_env

DB = engine_from_env()

APP_REGISTRY = AppRegistry(
    apps=[
        "backend.core.piccolo_app",
        "backend.customers.piccolo_app",
        "backend.accounts.piccolo_app",
        "backend.readings.piccolo_app",
        "backend.inspections.piccolo_app",
        "backend.billing.piccolo_app",
        "backend.outages.piccolo_app",
        "backend.consents.piccolo_app",
        "backend.documents.piccolo_app",
        "backend.contact.piccolo_app",
        "backend.privacy.piccolo_app",
    ]
)
