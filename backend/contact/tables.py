"""Messages between residents and the office: a thread per matter, its messages, their attachments,
and the idempotency keys that make an offline-queued message arrive exactly once."""

from piccolo.columns import UUID, Boolean, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from backend.accounts.tables import User
from backend.customers.tables import Customer


class ContactThread(Table):
    id = UUID(primary_key=True)
    customer = ForeignKey(references=Customer, index=True)
    author = ForeignKey(references=User, null=True, default=None, on_delete=OnDelete.set_null)
    category = Varchar(length=16)  # question | complaint | meter_problem | data_change | outage_report
    subject = Varchar(length=200)
    status = Varchar(length=10, default="open", index=True)  # open | answered | closed
    created_at = Timestamptz(default=TimestamptzNow())
    last_message_at = Timestamptz(default=TimestamptzNow(), index=True)
    staff_unread = Boolean(default=True)
    resident_unread = Boolean(default=False)


class ContactMessage(Table):
    id = UUID(primary_key=True)
    thread = ForeignKey(references=ContactThread, index=True)
    author = ForeignKey(references=User, null=True, default=None, on_delete=OnDelete.set_null)
    from_staff = Boolean(default=False)
    body = Text()
    created_at = Timestamptz(default=TimestamptzNow())


class ContactAttachment(Table):
    id = UUID(primary_key=True)
    message = ForeignKey(references=ContactMessage, index=True)
    kind = Varchar(length=5)  # photo (re-encoded JPEG) | pdf
    file_name = Varchar(length=200)
    size = Integer(default=0)
    sha256 = Varchar(length=64)
