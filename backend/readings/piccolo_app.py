from pathlib import Path

from piccolo.conf.apps import AppConfig

from backend.readings.tables import Reading, ReadingChange

APP_CONFIG = AppConfig(
    app_name="readings",
    migrations_folder_path=str(Path(__file__).parent / "migrations"),
    table_classes=[Reading, ReadingChange],
    migration_dependencies=["backend.accounts.piccolo_app", "backend.customers.piccolo_app"],
)
