from pathlib import Path

from piccolo.conf.apps import AppConfig

from backend.contact.tables import ContactAttachment, ContactMessage, ContactThread

APP_CONFIG = AppConfig(
    app_name="contact",
    migrations_folder_path=str(Path(__file__).parent / "migrations"),
    table_classes=[ContactThread, ContactMessage, ContactAttachment],
    migration_dependencies=["backend.accounts.piccolo_app", "backend.customers.piccolo_app"],
)
