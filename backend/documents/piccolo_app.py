from pathlib import Path

from piccolo.conf.apps import AppConfig

from backend.documents.tables import CustomerDocument, PublicDocument

APP_CONFIG = AppConfig(
    app_name="documents",
    migrations_folder_path=str(Path(__file__).parent / "migrations"),
    table_classes=[CustomerDocument, PublicDocument],
    migration_dependencies=["backend.accounts.piccolo_app", "backend.customers.piccolo_app"],
)
