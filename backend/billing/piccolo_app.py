from pathlib import Path

from piccolo.conf.apps import AppConfig

from backend.billing.tables import (
    Allocation,
    BilledMeter,
    BillingRun,
    Document,
    DocumentLine,
    NumberSequence,
    OnlinePayment,
    Payment,
    PaymentReport,
    ReminderItem,
    StatementImport,
    Tariff,
)

APP_CONFIG = AppConfig(
    app_name="billing",
    migrations_folder_path=str(Path(__file__).parent / "migrations"),
    table_classes=[
        Tariff, NumberSequence, Document, DocumentLine, ReminderItem, BilledMeter, StatementImport, Payment, Allocation,
        OnlinePayment, BillingRun, PaymentReport,
    ],
    # consents: the migration that moved the e-Faktura history into its register needs its table
    migration_dependencies=[
        "backend.accounts.piccolo_app", "backend.customers.piccolo_app", "backend.consents.piccolo_app",
    ],
)
