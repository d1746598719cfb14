# SPDX-License-Identifier: AGPL-3.0-or-later
"""Print the Markdown table of the runtime Python packages' licences for THIRD_PARTY.md.

`uv run python scripts/python_licences.py` reads the packages `uv` locked for the app (no dev
group) and each one's installed metadata: License-Expression, else the License field, else the
trove classifiers.
"""

from __future__ import annotations

import importlib.metadata as md
import re
import subprocess


def runtime_packages() -> list[str]:
    out = subprocess.run(["uv", "export", "--no-dev", "--no-hashes", "--no-emit-project", "--frozen"],  # noqa: S607
                         check=True, capture_output=True, text=True).stdout
    names = {re.split(r"[=<>;\[ ]", line, maxsplit=1)[0] for line in out.splitlines()
             if line and not line.startswith(("#", " ", "-"))}
    return sorted(names, key=str.lower)


def licence(meta: md.PackageMetadata) -> str:
    if meta.get("License-Expression"):
        return meta["License-Expression"]
    text = (meta.get("License") or "").strip()
    if text and "\n" not in text and len(text) < 40:
        return text
    classifiers = [c.split(" :: ")[-1] for c in meta.get_all("Classifier") or [] if c.startswith("License ::")]
    return "; ".join(classifiers) or text.splitlines()[0]


def main() -> None:
    print("| package | version | licence |\n|---|---|---|")
    for name in runtime_packages():
        try:
            meta = md.metadata(name)
        except md.PackageNotFoundError:  # a marker leaves it out on this platform (tzdata: Windows)
            continue
        print(f"| {meta['Name']} | {meta['Version']} | {licence(meta)} |")


if __name__ == "__main__":
    main()
