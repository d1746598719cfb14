from pathlib import Path

from piccolo.conf.apps import AppConfig

from backend.notices.tables import Notice, Reminder

APP_CONFIG = AppConfig(
    app_name="notices",
    migrations_folder_path=str(Path(__file__).parent / "migrations"),
    table_classes=[Reminder, Notice],
    migration_dependencies=[],
)
