from pathlib import Path

from piccolo.conf.apps import AppConfig

from backend.webhooks.tables import WebhookDelivery, WebhookEndpoint, WebhookEvent

APP_CONFIG = AppConfig(
    app_name="webhooks",
    migrations_folder_path=str(Path(__file__).parent / "migrations"),
    table_classes=[WebhookEndpoint, WebhookEvent, WebhookDelivery],
    migration_dependencies=["backend.core.piccolo_app"],
)
