"""Applications (wnioski) residents file and the office answers, and their attachments."""

from piccolo.columns import JSON, UUID, Boolean, Date, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from backend.accounts.tables import User
from backend.customers.tables import Customer


class Application(Table):
    id = UUID(primary_key=True)
    number = Varchar(length=20, unique=True)  # WN/2026/00012: the case number the confirmation carries
    customer = ForeignKey(references=Customer, index=True)
    author = ForeignKey(references=User, null=True, default=None, on_delete=OnDelete.set_null)
    kind = Varchar(length=24)  # applications.kinds.KINDS
    fields = JSON(default="{}")  # the kind's fields as filed (kinds.SPECS)
    status = Varchar(length=10, default="filed", index=True)  # filed | extended | answered | closed
    filed_at = Timestamptz(default=TimestamptzNow())
    due_on = Date(index=True)  # the deadline to answer, moved once by an extension
    extension_reason = Text(default="")
    extended_at = Timestamptz(null=True, default=None)
    answer = Text(default="")
    answered_at = Timestamptz(null=True, default=None)
    answered_by = ForeignKey(references=User, null=True, default=None, on_delete=OnDelete.set_null)
    closed_at = Timestamptz(null=True, default=None)
    resident_unread = Boolean(default=False)  # the office extended or answered since the resident looked


class ApplicationAttachment(Table):
    id = UUID(primary_key=True)
    application = ForeignKey(references=Application, index=True)
    kind = Varchar(length=5)  # photo (re-encoded JPEG) | pdf
    file_name = Varchar(length=200)
    size = Integer(default=0)
    sha256 = Varchar(length=64)
