"""Migrations that move data keep it, on SQLite and on PostgreSQL (each run gets a new database)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.support import database_url_for


def _step(name: str) -> dict:
    env = {**os.environ, "DATABASE_URL": database_url_for(f"migrations_{name}")}
    done = subprocess.run([sys.executable, "-m", "tests.migration_steps", name], env=env, capture_output=True,
                          text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_idempotency_keys_keep_their_answers_when_the_table_moves_from_readings_to_core():
    result = _step("keys_move")
    assert result["replay"] == [201, {"id": "reading-1"}]  # a key completed before the move still replays
    assert result["rows"] == 1
    assert result["after_deletion"] == 0  # the foreign key to the account still cascades
