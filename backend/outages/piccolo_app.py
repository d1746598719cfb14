from pathlib import Path

from piccolo.conf.apps import AppConfig

from backend.outages.tables import AlertEmail, AlertEmailConsent, Outage, Publication, PushDelivery, PushSubscription

APP_CONFIG = AppConfig(
    app_name="outages",
    migrations_folder_path=str(Path(__file__).parent / "migrations"),
    table_classes=[Outage, Publication, PushSubscription, PushDelivery, AlertEmailConsent, AlertEmail],
    migration_dependencies=["backend.accounts.piccolo_app", "backend.customers.piccolo_app"],
)
