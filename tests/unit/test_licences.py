# SPDX-License-Identifier: AGPL-3.0-or-later
"""The licence files: the AGPL text itself and every vendored file listed with its licence."""

from __future__ import annotations

import hashlib
import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# sha256 of the FSF's agpl-3.0.txt (the text GitHub and choosealicense.com ship as AGPL-3.0)
AGPL_SHA256 = "8486a10c4393cee1c25392769ddd3b2d6c242d6ec7928e1414efff7dfb2f07ef"
VENDORED = ["pwa/vendor", "backend/core/vendor", "backend/core/fonts"]


def test_license_is_the_unchanged_agpl_v3_text_the_project_declares() -> None:
    text = (ROOT / "LICENSE").read_bytes()
    assert text.startswith(b"                    GNU AFFERO GENERAL PUBLIC LICENSE\n"
                           b"                       Version 3, 19 November 2007\n")
    assert hashlib.sha256(text).hexdigest() == AGPL_SHA256
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["license"] == "AGPL-3.0-or-later"


def test_every_vendored_file_is_listed_in_third_party_with_an_existing_licence_file() -> None:
    listing = (ROOT / "THIRD_PARTY.md").read_text()
    for folder in VENDORED:
        for path in sorted((ROOT / folder).rglob("*")):
            if path.is_file() and path.name != "README.md":
                assert path.name in listing, f"{path.relative_to(ROOT)} is not in THIRD_PARTY.md"
    for named in re.findall(r"`((?:pwa|backend)/[^`]*(?:LICENSE|NOTICE)[^`]*)`", listing):
        assert (ROOT / named).is_file(), named


def test_vendored_scripts_match_the_checksums_of_the_published_packages() -> None:
    table = (ROOT / "pwa/vendor/README.md").read_text()
    rows = re.findall(r"^\| `([^`]+)` \|.*\| `([0-9a-f]{64})` \|$", table, flags=re.M)
    assert len(rows) == 2
    for name, digest in rows:
        assert hashlib.sha256((ROOT / "pwa/vendor" / name).read_bytes()).hexdigest() == digest, name
