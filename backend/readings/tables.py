"""Meter readings: a value at a moment, from a source, with a status."""

from piccolo.columns import JSON, UUID, BigInt, BigSerial, Boolean, ForeignKey, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from backend.accounts.tables import User
from backend.customers.tables import Meter


class Reading(Table):
    id = UUID(primary_key=True)
    meter = ForeignKey(references=Meter, index=True)
    value_litres = BigInt()
    captured_at = Timestamptz(index=True)  # decides the billing period
    received_at = Timestamptz(default=TimestamptzNow())
    source = Varchar(length=10, default="resident")  # resident | inspector | estimate | import
    status = Varchar(length=10, default="accepted")  # accepted | flagged | rejected
    flags = JSON(default="[]")  # machine-readable reasons when flagged
    comment = Varchar(length=500)
    review_note = Varchar(length=500)  # staff note the resident sees
    photo_hash = Varchar(length=64)  # sha256 of the stored (re-encoded) photo
    photo_taken_at = Timestamptz(null=True, default=None)  # EXIF DateTimeOriginal, when the photo had it
    outside_window = Boolean(default=False)  # sent outside the utility's reading window
    reviewed_by = ForeignKey(references=User, null=True, default=None, on_delete=OnDelete.set_null)
    reviewed_at = Timestamptz(null=True, default=None)
    # what an inspector's visit found about this reading: confirmed | corrected | "" (not verified)
    verification = Varchar(length=10)
    submitted_by = ForeignKey(references=User, null=True, default=None, on_delete=OnDelete.set_null)
    # whose point the meter was on when the reading came: its notices go there even after the point
    # changed hands (null: none known)
    customer = UUID(null=True, default=None)



class ReadingChange(Table):
    """The readings feed (issue 14): one row when a reading arrives and one each time its status or
    verification changes, appended by database triggers (migration 2026-12-01 23:55) so that no path
    that writes readings can forget it. `seq` is the feed's order. On PostgreSQL the trigger takes a
    transaction-level advisory lock before drawing `seq`, so rows become visible in `seq` order and
    a reader that has seen `seq` n has seen everything below it; SQLite has one writer at a time.
    No foreign key: the rows are never deleted, so `seq` is never reused."""

    seq = BigSerial(primary_key=True)
    reading = UUID(index=True)
    kind = Varchar(length=16)  # received | status_changed
    status = Varchar(length=10)  # the reading's status at that moment
    verification = Varchar(length=10)
