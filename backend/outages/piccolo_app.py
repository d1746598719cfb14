from pathlib import Path

from piccolo.conf.apps import AppConfig

from backend.outages.tables import AlertEmail, Outage, Publication, PushDelivery, PushSubscription

APP_CONFIG = AppConfig(
    app_name="outages",
    migrations_folder_path=str(Path(__file__).parent / "migrations"),
    table_classes=[Outage, Publication, PushSubscription, PushDelivery, AlertEmail],
    # consents: the migration that moved the alert e-mail choices into its register needs its table
    migration_dependencies=[
        "backend.accounts.piccolo_app", "backend.customers.piccolo_app", "backend.consents.piccolo_app",
    ],
)
