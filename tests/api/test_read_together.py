"""db.read_together(): reads that need nothing of each other, sent as one statement on PostgreSQL and one
after the other on SQLite, give each read its own rows, in its own order, with its own values."""

from __future__ import annotations

from backend.core import db

ORDERED = "SELECT column1, CAST($1 AS TEXT) FROM (VALUES (3), (1), (2)) v ORDER BY column1 DESC"
SUM = "SELECT CAST($1 AS INTEGER) + CAST($2 AS INTEGER)"
LISTED = "SELECT column1 FROM (VALUES (1), (2), (3), (4)) v WHERE column1 IN ({each}) AND column1 > $1 ORDER BY column1"


def _tuples(found):
    return [tuple(r) for r in found]


async def test_each_read_gets_its_own_rows_in_its_own_order(client):
    ordered = db.read(ORDERED, "x", then=_tuples)
    total = db.read(SUM, 2, 5, then=lambda found: found[0][0])
    listed = db.read(LISTED, 1, each=[4, 1, 2], then=lambda found: [r[0] for r in found])
    nothing = db.read("", then=lambda found: ("nothing", list(found)))
    got = await db.read_together(ordered, nothing, total, listed)
    assert got == ([(3, "x"), (2, "x"), (1, "x")], ("nothing", []), 7, [2, 4])
    # the same as each read alone, and the same again (the combined text is kept per shape)
    assert got == (await db.run(ordered), await db.run(nothing), await db.run(total), await db.run(listed))
    other = db.read(LISTED, 0, each=[3, 1], then=lambda found: [r[0] for r in found])
    assert await db.read_together(db.read(SUM, 10, 20, then=lambda found: found[0][0]), other) == (30, [1, 3])


async def test_a_read_with_no_rows_and_a_single_read(client):
    empty = db.read(LISTED, 9, each=[1, 2], then=_tuples)
    assert await db.read_together(empty, db.read(SUM, 1, 1, then=lambda found: found[0][0])) == ([], 2)
    assert await db.read_together(db.read(ORDERED, "y", then=_tuples)) == ([(3, "y"), (2, "y"), (1, "y")],)
