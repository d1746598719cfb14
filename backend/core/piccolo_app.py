from pathlib import Path

from piccolo.conf.apps import AppConfig

from backend.core.tables import IdempotencyKey, OutboxJob, Setting, SmsMessage

APP_CONFIG = AppConfig(
    app_name="core",
    migrations_folder_path=str(Path(__file__).parent / "migrations"),
    table_classes=[OutboxJob, Setting, IdempotencyKey, SmsMessage],
    migration_dependencies=[],
)
