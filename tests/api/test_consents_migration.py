"""The migrations that made the consents register the only record move the consents written the old
way (customer.consent_contact_at, billing's e_invoice_consent, outages' alert_email_consent) into it,
on a database of its own (SQLite file, or a fresh PostgreSQL database), then drop the copies."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timedelta

from tests.support import database_url_for


def test_old_consents_move_into_the_register():
    env = {**os.environ, "DATABASE_URL": database_url_for("consents_migration")}
    run = subprocess.run([sys.executable, "-m", "tests.consents_migration"], env=env, capture_output=True, text=True,
                         timeout=300, check=False)
    assert run.returncode == 0, run.stderr[-3000:]
    out = json.loads(run.stdout)
    t0 = datetime.fromisoformat(out["t0"])

    def at(minutes: float) -> str:
        return (t0 + timedelta(minutes=minutes)).isoformat()

    history = out["history"]
    # the paper consent is the office's first decision; a withdrawal after it still counts
    assert history["paper"]["contact_data"] == [["given", at(0), "office"]]
    assert history["withdrawn"]["contact_data"] == [["withdrawn", at(10), "portal"], ["given", at(0), "office"]]
    assert out["contact_data"] == ["paper"]
    # e-Faktura: each decision has the address it was given to; a change of address billing alone
    # knew, and a row whose mirror had failed, became decisions of their own
    assert out["e_invoice_history"] == {
        "demo": [[True, "demo-faktury@example.com"]],
        "moved": [[True, "new@example.com"], [True, "old@example.com"]],
        "unmirrored": [[True, "unmirrored@example.com"]],
    }
    assert out["e_invoice_addresses"] == {"demo": "demo-faktury@example.com", "moved": "new@example.com",
                                          "unmirrored": "unmirrored@example.com"}
    # alert e-mails were chosen per account: u's choice now counts for both of its customers
    assert out["email_alerts"] == ["f", "g"]
    assert history["g"]["email_alerts"] == [["given", at(30), "portal"]]
    assert history["f"]["email_alerts"] == [["given", at(30.01), "portal"]]
    assert history["h"]["email_alerts"] == []
    assert out["old_tables"] == [] and out["old_column"] is False
