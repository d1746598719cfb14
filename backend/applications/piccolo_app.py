from pathlib import Path

from piccolo.conf.apps import AppConfig

from backend.applications.tables import Application, ApplicationAttachment

APP_CONFIG = AppConfig(
    app_name="applications",
    migrations_folder_path=str(Path(__file__).parent / "migrations"),
    table_classes=[Application, ApplicationAttachment],
    migration_dependencies=["backend.accounts.piccolo_app", "backend.customers.piccolo_app"],
)
