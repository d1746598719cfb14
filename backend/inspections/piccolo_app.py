from pathlib import Path

from piccolo.conf.apps import AppConfig

from backend.inspections.tables import Route, Visit

APP_CONFIG = AppConfig(
    app_name="inspections",
    migrations_folder_path=str(Path(__file__).parent / "migrations"),
    table_classes=[Route, Visit],
    migration_dependencies=["backend.readings.piccolo_app"],
)
