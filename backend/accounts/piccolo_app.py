from pathlib import Path

from piccolo.conf.apps import AppConfig

from backend.accounts.tables import EmailChange, LoginAttempt, LoginThrottle, OneTimeToken, Session, User, UserCustomer

APP_CONFIG = AppConfig(
    app_name="accounts",
    migrations_folder_path=str(Path(__file__).parent / "migrations"),
    table_classes=[User, UserCustomer, Session, OneTimeToken, LoginAttempt, EmailChange, LoginThrottle],
    migration_dependencies=["backend.customers.piccolo_app"],
)
