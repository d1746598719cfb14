from pathlib import Path

from piccolo.conf.apps import AppConfig

from backend.customers.tables import Customer, Meter, ServicePoint

APP_CONFIG = AppConfig(
    app_name="customers",
    migrations_folder_path=str(Path(__file__).parent / "migrations"),
    table_classes=[Customer, ServicePoint, Meter],
    migration_dependencies=[],
)
