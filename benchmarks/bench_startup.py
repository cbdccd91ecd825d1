"""Start-up of whole ``kerjasama`` commands, as a user waits for them (``bench_cli.py --startup``).

Each command runs as a subprocess from the repository root, ``--repeats`` times (default 5;
the median and the range are printed), after one untimed run that fills the on-disk caches
(compiled rules, matplotlib's font list). The targets of the hardening issue are printed as
pass/fail for information:

* ``kerjasama --help`` and a one-line error: <= 0.4 s;
* ``kerjasama run default`` (200 villages, 50 steps, with its drought twin, figures and files): <= 2 s;
* ``kerjasama demo``: <= 1.3 x the time of its runs (the sweep's run phase, timed by the demo's
  own progress bar start and end in the manifest: ``started``/``finished``, whole seconds).
"""

from __future__ import annotations

import json
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from bench_model import REPO_ROOT

# label, arguments, target wall time in seconds (None: relative target, see demo)
COMMANDS = [
    ("kerjasama --help", ["--help"], 0.4),
    ("one-line error: a mistyped name", ["run", "defualt"], 0.4),
    ("one-line error: an unknown key", ["run", "default", "--set", "forms.formal.x=1"], 0.4),
    ("one-line error: a bad flag", ["run", "default", "--steps", "0"], 0.4),
    ("kerjasama check default", ["check", "default"], None),
    ("kerjasama run default", ["run", "default", "--out", "{tmp}/run", "--quiet"], 2.0),
]


def _time(command: list[str], repeats: int) -> list[float]:
    times = []
    with tempfile.TemporaryDirectory(prefix="kerjasama-startup-") as tmp:
        full = [part.replace("{tmp}", tmp) for part in command]
        subprocess.run(full, cwd=REPO_ROOT, capture_output=True)  # untimed: fills the caches
        for _ in range(repeats):
            t0 = time.perf_counter()
            subprocess.run(full, cwd=REPO_ROOT, capture_output=True)
            times.append(time.perf_counter() - t0)
    return times


def demo_ratio(kerjasama: list[str]) -> tuple[float, float]:
    """(wall time of ``kerjasama demo``, seconds its runs took by its manifest) in a temporary folder."""
    with tempfile.TemporaryDirectory(prefix="kerjasama-demo-") as tmp:
        t0 = time.perf_counter()
        subprocess.run([*kerjasama, "demo", "--out", f"{tmp}/demo"], cwd=REPO_ROOT, capture_output=True, check=True)
        wall = time.perf_counter() - t0
        manifest = json.loads((Path(tmp) / "demo" / "manifest.json").read_text())
    from datetime import datetime

    runs = (datetime.fromisoformat(manifest["finished"]) - datetime.fromisoformat(manifest["started"])).total_seconds()
    return wall, runs


def startup_table(kerjasama: list[str], repeats: int = 5, demo: bool = True) -> list[dict]:
    """Print the start-up table and return its rows."""
    print(f"{'command':<40} {'median (s)':>10} {'range (s)':>13} {'target':>8}  result")
    rows = []
    for label, args, target in COMMANDS:
        times = _time([*kerjasama, *args], repeats)
        median = statistics.median(times)
        verdict = "-" if target is None else ("pass" if median <= target else "FAIL")
        shown = "-" if target is None else f"<= {target:g}"
        print(f"{label:<40} {median:>10.2f} {min(times):>6.2f}-{max(times):<6.2f} {shown:>8}  {verdict}", flush=True)
        rows.append({"command": label, "times_s": times, "median_s": median, "target_s": target})
    if demo:
        wall, runs = demo_ratio(kerjasama)
        ratio = wall / runs if runs > 0 else float("inf")
        verdict = "pass" if ratio <= 1.3 else "FAIL"
        print(
            f"{'kerjasama demo (once)':<40} {wall:>10.1f} {'runs ' + format(runs, '.0f') + ' s':>13} {'<= 1.3x':>8}  "
            f"{verdict} ({ratio:.2f}x its runs)"
        )
        rows.append({"command": "kerjasama demo", "wall_s": wall, "runs_s": runs, "ratio": ratio})
    print(
        f"\nMedian of {repeats} runs after one untimed run; whole commands as subprocesses (start-up, imports, "
        "work, files). Pass/fail is information only."
    )
    return rows
