"""House numbers: one parser for outage ranges and inspectors' walking order."""

from __future__ import annotations

from backend.core.addresses import house_number, house_order


def test_the_leading_number_of_a_house_number():
    assert [house_number(t) for t in ["12", "12A", "12/14", " 7 b", "", "bez numeru"]] == [12, 12, 12, 7, None, None]


def test_houses_sort_in_walking_order_unnumbered_last():
    assert sorted(["12A", "2", "bez numeru", "12", "10/2"], key=house_order) == ["2", "10/2", "12", "12A", "bez numeru"]
