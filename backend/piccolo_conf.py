"""Piccolo configuration: the engine follows DATABASE_URL (SQLite file by default); the apps are
the domains' (backend/domains.py)."""

from piccolo.conf.apps import AppRegistry

from backend.core.db import engine_from_env
from backend.domains import DOMAINS

DB = engine_from_env()

APP_REGISTRY = AppRegistry(apps=[domain.piccolo_app for domain in DOMAINS if domain.piccolo_app])
