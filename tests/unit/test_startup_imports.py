# SPDX-License-Identifier: AGPL-3.0-or-later
"""Start-up stays light: importing the app (what `ebok serve` and `ebok worker` do before they answer)
loads none of the libraries only some requests need — PDFs (fpdf and its fonts, pypdf), Web Push
(webpush, pydantic through it, PyJWT, cryptography), IBANs (schwifty), QR codes (segno), bank
statements (mt940), spreadsheets (openpyxl), the object store's client (obstore). They are imported
where they are used; a restarted instance is ready sooner, most of all on a loaded machine."""

from __future__ import annotations

import json
import os
import subprocess
import sys

LAZY = ("fpdf", "fontTools", "pypdf", "webpush", "jwt", "cryptography", "schwifty", "segno", "mt940", "openpyxl",
        "obstore", "boto3", "moto")


def test_importing_the_app_loads_no_library_that_waits_for_its_first_use() -> None:
    code = ("import json, sys; import backend.app; "
            f"print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}} & set({list(LAZY)!r}))))")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.setdefault("PICCOLO_CONF", "backend.piccolo_conf")
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120,
                          check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []
