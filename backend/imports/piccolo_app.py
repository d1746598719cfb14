from pathlib import Path

from piccolo.conf.apps import AppConfig

from backend.imports.tables import RegistryImport, RegistryLock

APP_CONFIG = AppConfig(
    app_name="imports",
    migrations_folder_path=str(Path(__file__).parent / "migrations"),
    table_classes=[RegistryImport, RegistryLock],
    migration_dependencies=[],
)
