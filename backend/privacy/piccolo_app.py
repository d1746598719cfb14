from pathlib import Path

from piccolo.conf.apps import AppConfig

from backend.privacy.tables import DeletionRequest

APP_CONFIG = AppConfig(
    app_name="privacy",
    migrations_folder_path=str(Path(__file__).parent / "migrations"),
    table_classes=[DeletionRequest],
    migration_dependencies=["backend.accounts.piccolo_app"],
)
