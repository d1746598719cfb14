"""Documents as PDF files: per-customer ones (contract, annex, letter, notice) and public ones
(price list, contract templates, forms, the e-BOK rules, the accessibility statement).
The files live in the data directory (never the web root), named by the row id."""

from piccolo.columns import UUID, ForeignKey, Integer, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from backend.accounts.tables import User
from backend.customers.tables import Customer


class CustomerDocument(Table):
    id = UUID(primary_key=True)
    customer = ForeignKey(references=Customer, index=True)
    title = Varchar(length=200)
    category = Varchar(length=12, default="letter")  # contract | annex | letter | notice | other
    file_name = Varchar(length=200)  # the name offered for download
    size = Integer(default=0)
    pages = Integer(default=0)
    sha256 = Varchar(length=64)
    uploaded_by = ForeignKey(references=User, null=True, default=None, on_delete=OnDelete.set_null)
    uploaded_at = Timestamptz(default=TimestamptzNow(), index=True)
    first_opened_at = Timestamptz(null=True, default=None)  # by one of the customer's residents
    first_opened_by = ForeignKey(references=User, null=True, default=None, on_delete=OnDelete.set_null)


class PublicDocument(Table):
    id = UUID(primary_key=True)
    title = Varchar(length=200)
    category = Varchar(length=14, default="form")  # price_list | template | form | rules | accessibility | other
    description = Varchar(length=500)
    file_name = Varchar(length=200)
    size = Integer(default=0)
    pages = Integer(default=0)
    sha256 = Varchar(length=64)
    uploaded_by = ForeignKey(references=User, null=True, default=None, on_delete=OnDelete.set_null)
    uploaded_at = Timestamptz(default=TimestamptzNow(), index=True)
