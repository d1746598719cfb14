from pathlib import Path

from piccolo.conf.apps import AppConfig

from backend.integration.tables import ApiRateWindow, ApiToken

APP_CONFIG = AppConfig(
    app_name="integration",
    migrations_folder_path=str(Path(__file__).parent / "migrations"),
    table_classes=[ApiToken, ApiRateWindow],
    migration_dependencies=["backend.readings.piccolo_app"],
)
