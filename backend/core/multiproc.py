# SPDX-License-Identifier: AGPL-3.0-or-later
"""The folder `ebok serve` and `ebok worker` share for their Prometheus counters (multi-process mode).

prometheus-client decides when it is first imported whether values live in memory or in files of
PROMETHEUS_MULTIPROC_DIR, so `prepare` runs before anything imports it (this module does not).
One rule for both commands: PROMETHEUS_MULTIPROC_DIR when set, else EBOK_DATA_DIR/prometheus.

The folder starts empty when no process that wrote into it is alive (a fresh start: the
documented wipe between runs). While one is (a worker restarted next to a running server), the
files stay: a dead process's counters keep counting in the sums, as prometheus-client does, and
`mark_process_dead` takes its live gauges away. Processes sharing the folder share one machine
(process ids name the files)."""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


def _pid_of(file: Path) -> int | None:
    tail = file.stem.rsplit("_", 1)[-1]
    return int(tail) if tail.isdigit() else None


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return False  # a file with our id is a dead process's whose id we got
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def prepare(data_dir: Path) -> Path:
    """Set PROMETHEUS_MULTIPROC_DIR (unless set) and make the folder ready; returns it."""
    folder = Path(os.environ.get(MULTIPROC_ENV) or data_dir / "prometheus")
    folder.mkdir(parents=True, exist_ok=True)
    # before prometheus-client is first imported (below too): it picks file-backed values only if set then
    os.environ[MULTIPROC_ENV] = str(folder)
    pids = {p for f in folder.glob("*.db") if (p := _pid_of(f)) is not None}
    alive = {p for p in pids if _alive(p)}
    if not alive:
        for f in folder.iterdir():
            if f.is_dir():
                shutil.rmtree(f, ignore_errors=True)
            else:
                with contextlib.suppress(FileNotFoundError):
                    f.unlink()
    else:
        from prometheus_client import multiprocess

        for pid in pids - alive:
            multiprocess.mark_process_dead(pid, str(folder))  # type: ignore[no-untyped-call]
    return folder


def process_exited(pid: int | None = None) -> None:
    """prometheus-client's bookkeeping for a process that ends (its live gauges go)."""
    folder = os.environ.get(MULTIPROC_ENV)
    if folder and Path(folder).is_dir():
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid or os.getpid(), folder)  # type: ignore[no-untyped-call]
