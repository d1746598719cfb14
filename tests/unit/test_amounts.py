"""The one amount parser, in the three forms its callers accept."""

from __future__ import annotations

import pytest

from backend.billing.statements import grosze
from backend.core.amounts import parse_grosze


@pytest.mark.parametrize(("text", "expected"), [
    ("123,45", 12345), ("123.45", 12345), ("7", 700), ("1 234,5 zł", 123450), ("12\u00a0000,00", 1200000),
    ("0,01", 1), (" 3,44 ", 344),
])
def test_typed_amounts(text, expected):
    assert parse_grosze(text) == expected


@pytest.mark.parametrize("text", ["", "zł", "12,345", "-5", "+5", "1.234,56", "12,", ",5", "1e3", "NaN", "1234567890",
                                  "١٢,٣٤", "１２,３４"])  # digits of other scripts are not a Polish amount
def test_typed_amounts_refused(text):
    assert parse_grosze(text) is None


def test_prices_have_at_most_four_whole_digits():
    assert parse_grosze("9999,99", max_whole_digits=4) == 999999
    assert parse_grosze("10000", max_whole_digits=4) is None


@pytest.mark.parametrize(("text", "expected"), [
    ("1.234,56", 123456), ("-1 234,56 PLN", -123456), ("+50,00", 5000), ("1234.5", 123450), ("0,99 zł", 99),
])
def test_bank_statement_amounts(text, expected):
    assert grosze(text) == expected


def test_bank_statement_amount_refused():
    with pytest.raises(ValueError, match="not an amount"):
        grosze("abc")
