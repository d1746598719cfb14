from pathlib import Path

from piccolo.conf.apps import AppConfig

from backend.consents.tables import ConsentEvent

APP_CONFIG = AppConfig(
    app_name="consents",
    migrations_folder_path=str(Path(__file__).parent / "migrations"),
    table_classes=[ConsentEvent],
    migration_dependencies=["backend.accounts.piccolo_app", "backend.customers.piccolo_app"],
)
