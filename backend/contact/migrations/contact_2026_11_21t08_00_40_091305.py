from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-11-21T08:00:40:091305"
VERSION = "1.38.0"
DESCRIPTION = ""


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="contact", description=DESCRIPTION
    )

    manager.drop_table(
        class_name="ContactRequestKey",
        tablename="contact_request_key",
        schema=None,
    )

    return manager
