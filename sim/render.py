"""Saving many matplotlib figures on all cores.

Rendering a PNG is most of the time of a report or a run's figures (a many-panel figure takes
about a second), and the figures are independent, so :func:`save_all` shares them out between
this process and forked copies of it, which already hold the figures in memory.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt

RENDER_DEADLINE_S = 60.0  # seconds a forked copy may take for its share of the figures


def save_all(pending: Sequence[tuple[Any, Path]], save: Callable[[Any, Path], Any]) -> None:
    """Save every (figure, path) with ``save(fig, path)``, on all cores where that is safe, then close the figures.

    Rendering a PNG is most of a report's time (a many-panel figure takes about a second), so
    on Linux, with more than one core and no other Python thread running, copies of this
    process (``os.fork``: the figures are already in memory) render their share while this one
    renders its own. A copy dies with this process (``PR_SET_PDEATHSIG``). A share whose copy
    failed, or has not finished within ``RENDER_DEADLINE_S`` (forking a process that holds
    library threads, e.g. NumPy's and Arrow's, can in principle deadlock the copy: Python warns
    of it), is rendered again here, so an error surfaces as it would without the copies. The
    bytes are the same either way."""
    try:
        workers = _render_workers(len(pending))
        children = {}
        for k in range(1, workers):
            with warnings.catch_warnings():  # the deadlock risk the warning names is handled by the deadline
                warnings.simplefilter("ignore", DeprecationWarning)
                pid = os.fork()
            if pid == 0:  # the copy: render its share and leave without running this process's exit code
                status = 1
                try:
                    _die_with_parent()
                    for fig, path in pending[k::workers]:
                        save(fig, path)
                    status = 0
                finally:
                    os._exit(status)
            children[pid] = k
        for fig, path in pending[0::workers]:
            save(fig, path)
        for pid, k in children.items():
            if not _finished(pid, time.monotonic() + RENDER_DEADLINE_S):
                for fig, path in pending[k::workers]:
                    save(fig, path)
    finally:
        for fig, _ in pending:
            plt.close(fig)


def _finished(pid: int, deadline: float) -> bool:
    """Whether the copy ``pid`` rendered its share by ``deadline`` (killed and reaped if not)."""
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return status == 0
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return False
        time.sleep(0.005)


def _render_workers(figures: int) -> int:
    """How many processes render ``figures`` figures: 1 unless forking is safe and worth it."""
    if figures < 2 or not sys.platform.startswith("linux") or threading.active_count() > 1:
        return 1
    return max(1, min(figures, len(os.sched_getaffinity(0))))


def _die_with_parent() -> None:
    """Have the kernel kill this process when its parent dies (Linux prctl PR_SET_PDEATHSIG)."""
    parent = os.getppid()
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # 1 = PR_SET_PDEATHSIG
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)
