"""What a resident receives from the server (e-mails, push, SMS) exists in each language the PWA
offers, with the same {placeholders} as the Polish text, and the counted words take the CLDR
plural form the PWA's Intl.PluralRules would pick."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from backend.accounts import profile, registration
from backend.applications import mails as application_mails
from backend.contact import mails as contact_mails
from backend.core import i18n
from backend.notices import notice_texts as own_data_notices
from backend.notices import texts as notice_texts
from backend.outages import area
from backend.outages import texts as outage_texts

LANGUAGES = ("pl", "en", "uk")

# every table keyed by language whose texts reach a resident (or a new employee's activation)
TABLES: dict[str, dict[str, Any]] = {
    **{f"core.i18n.MAILS[{name}]": table for name, table in i18n.MAILS.items()},
    "core.i18n.ROLE_NAMES": i18n.ROLE_NAMES,
    **{f"core.i18n.UNITS[{name}]": table for name, table in i18n.UNITS.items()},
    **{f"accounts.profile.MAILS[{name}]": table for name, table in profile.MAILS.items()},
    "accounts.registration.EXISTS_MAIL": registration.EXISTS_MAIL,
    "applications.KIND_NAMES": application_mails.KIND_NAMES, "applications.FILED": application_mails.FILED,
    "applications.CHANGED": application_mails.CHANGED, "applications.WHAT": application_mails.WHAT,
    "contact.CATEGORY_NAMES": contact_mails.CATEGORY_NAMES, "contact.REPLY": contact_mails.REPLY,
    "notices.WORDS": notice_texts.WORDS, "notices.notice_texts.WORDS": own_data_notices.WORDS,
    "outages.KIND": outage_texts.KIND, "outages.WORDS": outage_texts.WORDS, "outages.MAIL": outage_texts.MAIL,
    "outages.SMS": outage_texts.SMS, "outages.area": area._WORDS,
}


def _shape(value: Any) -> Any:
    """The keys and the placeholders of a text (or of every text in a dict or tuple), not the words."""
    if isinstance(value, dict):
        return {key: _shape(v) for key, v in value.items()}
    if isinstance(value, tuple):
        return tuple(_shape(v) for v in value)
    return sorted(set(re.findall(r"\{(\w*)\}", value)))


@pytest.mark.parametrize("name", sorted(TABLES))
def test_every_resident_text_has_each_language_with_the_polish_placeholders(name):
    table = TABLES[name]
    assert set(table) == set(LANGUAGES), name
    for lang in LANGUAGES:
        if name.startswith("core.i18n.UNITS") or name == "outages.area":  # forms: pl/uk three, en two
            continue
        assert _shape(table[lang]) == _shape(table["pl"]), f"{name} {lang}"


@pytest.mark.parametrize(("count", "pl", "uk"), [
    (0, 2, 2), (1, 0, 0), (2, 1, 1), (4, 1, 1), (5, 2, 2), (11, 2, 2), (12, 2, 2), (14, 2, 2), (21, 2, 0),
    (22, 1, 1), (25, 2, 2), (101, 2, 0), (111, 2, 2), (112, 2, 2), (122, 1, 1), (1001, 2, 0)])
def test_plural_forms_are_cldrs(count, pl, uk):
    forms = ("one", "few", "many")
    assert i18n.plural(count, "pl", forms) == forms[pl]
    assert i18n.plural(count, "uk", forms) == forms[uk]
    assert i18n.plural(count, "en", ("one", "other")) == ("one" if count == 1 else "other")


def test_texts_fall_back_to_polish_for_a_language_without_words():
    params = {"utility": "W", "email": "a@b.pl", "link": "L", "minutes": 60}
    assert i18n.mail_text("reset", "de", **params) == i18n.mail_text("reset", "pl", **params)
    assert contact_mails.reply_mail("de", utility="W", link="L") == contact_mails.reply_mail("pl", utility="W", link="L")
    assert notice_texts.reminder("open", "ul. Lipowa 7", date(2026, 11, 30), "de")[0] == "Czas na odczyt wodomierza"


def test_ukrainian_reminder_and_outage_texts():
    title, body = notice_texts.reminder("closing", "ul. Lipowa 7", date(2026, 11, 30), "uk")
    assert title == "Залишилося 2 дні, щоб передати показання водоміра"
    assert body == "ul. Lipowa 7: ми ще не маємо Вашого показання. Передайте його до 30.11.2026."
    now = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)
    outage = {"kind": "planned", "title": "Wymiana zasuwy", "description": "", "starts_at": now + timedelta(days=1),
              "expected_end": None, "water_point": "ul. Kolejowa"}
    sms = outage_texts.sms(outage, "published", "ul. Lipowa", "Wodociągi", "994", now, "uk")
    assert sms == ("Wodociągi: Планові роботи: ul. Lipowa. Wymiana zasuwy. Початок: 22.11.2026 11:00. "
                   "Час завершення повідомимо незабаром. Резервна вода: ul. Kolejowa. Аварійна служба: 994")
    subject, text = application_mails.filed_mail("uk", kind="complaint", number="W/1", day="21.11.2026",
                                                  due="05.12.2026", link="L", utility="W")
    assert subject == "Підтвердження подання заяви W/1" and "заяву «Скарга» № W/1 подано 21.11.2026" in text
