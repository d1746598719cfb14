"""Consents that carry others: withdrawing the contact-data consent says what it ends (e-Faktura
and alert e-mails) before and after, and they stay off until it is given again; the push consent on
the account screen is the device's alerts, as on Awarie."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.conftest import assert_accessible, log_in


def given(card) -> None:
    expect(card.get_by_text(re.compile("^Zgoda wyrażona"))).to_be_visible()


def withdrawn(card) -> None:
    expect(card.get_by_text(re.compile("^Zgoda wycofana"))).to_be_visible()


def test_withdrawing_contact_data_ends_e_invoice_and_says_so(page):
    log_in(page, "anna.nowak@example.com")
    page.goto("/konto")
    contact = page.get_by_test_id("consent-contact_data").first
    einvoice = page.get_by_test_id("consent-e_invoice").first
    if contact.get_by_role("button", name="Wyrażam zgodę").is_visible():
        contact.get_by_role("button", name="Wyrażam zgodę").click()  # the demo's Anna may have none yet
    given(contact)
    given(einvoice)

    asked = []
    page.once("dialog", lambda d: (asked.append(d.message), d.accept()))
    contact.get_by_role("button", name="Wycofuję zgodę").click()
    withdrawn(contact)
    assert asked and "e-Faktura i alerty e-mail zostaną wyłączone" in asked[0]
    expect(contact.get_by_test_id("contact-data-effect")).to_contain_text("e-Faktura i alerty e-mail są wyłączone")
    withdrawn(einvoice)  # ended with it, shown without reloading
    einvoice.get_by_role("button", name="Wyrażam zgodę").click()
    expect(einvoice.get_by_role("alert")).to_contain_text("Najpierw wyraź zgodę na przetwarzanie danych kontaktowych")
    withdrawn(einvoice)
    assert_accessible(page)

    page.goto("/awarie")
    expect(page.get_by_role("checkbox", name="Powiadomienia e-mail o awariach")).not_to_be_checked()

    # given again: e-Faktura can be given again too (the demo's state for the other journeys)
    page.goto("/konto")
    contact = page.get_by_test_id("consent-contact_data").first
    contact.get_by_role("button", name="Wyrażam zgodę").click()
    given(contact)
    einvoice = page.get_by_test_id("consent-e_invoice").first
    einvoice.get_by_role("button", name="Wyrażam zgodę").click()
    given(einvoice)


def test_push_consent_on_the_account_screen_is_the_devices_alerts(page, context):
    context.grant_permissions(["notifications"])
    log_in(page, "anna.nowak@example.com")
    page.goto("/konto")
    push = page.get_by_test_id("consent-push_alerts").first
    push.get_by_role("button", name="Wyrażam zgodę").click()
    # headless Chromium may have no push service behind pushManager.subscribe(): then the screen
    # says so and records nothing; else the device is on, and Awarie says the same
    failed = push.get_by_role("alert")
    expect(push.get_by_text(re.compile("^Zgoda wyrażona")).or_(failed)).to_be_visible(timeout=20_000)
    if failed.is_visible():
        expect(push.get_by_text(re.compile("^Zgoda wyrażona"))).to_have_count(0)
        return
    page.goto("/awarie")
    expect(page.get_by_test_id("push-settings")).to_contain_text("Powiadomienia o awariach są włączone na tym urządzeniu.")
    page.goto("/konto")
    push = page.get_by_test_id("consent-push_alerts").first
    push.get_by_role("button", name="Wycofuję zgodę").click()
    withdrawn(push)
    page.goto("/awarie")
    expect(page.get_by_test_id("push-settings")).to_contain_text("Powiadomienia o awariach są wyłączone na tym urządzeniu.")
