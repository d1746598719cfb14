"""The PWA's pure modules (formatting, translations, preload list) tested with Node's runner."""

import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).parents[2]


def test_pwa_modules_with_node():
    assert shutil.which("node"), "Node.js runs the PWA's module tests: apt-get install nodejs"
    result = subprocess.run(["node", "--test", "tests/js/"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "# fail 0" in result.stdout
