"""Time the whole `kerjasama run` command: wall time and peak memory, as a user sees them.

Run from the repository root::

    .venv/bin/python benchmarks/bench_cli.py                         # 75,000 villages, 50 steps
    .venv/bin/python benchmarks/bench_cli.py --quick                 # 1,000 villages
    .venv/bin/python benchmarks/bench_cli.py --sizes 1000 10000 75000 --save cli.json
    .venv/bin/python benchmarks/bench_cli.py --startup                # start-up of whole commands

For each size N it runs ``kerjasama run SCENARIO --villages N --steps 50 --out <tmpdir>/run --figures --quiet``
(the default scenario, whose scheduled drought makes the run step a counterfactual twin) as a
subprocess under ``/usr/bin/time -v`` and reports the wall time and the command's peak resident set
size, which include start-up, imports, set-up, the run, the figures and the output files. Without
``/usr/bin/time`` the command runs under a small Python wrapper that reads
``resource.getrusage(RUSAGE_CHILDREN)`` after it exits (the same peak RSS, from the kernel).

The issue's targets (wall <= 30 s and peak RSS <= 2 GiB at 75,000 villages) are printed as
pass/fail for information; they never change the exit code, which is non-zero only when a run fails.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_model import REPO_ROOT, machine_info, machine_line, result_header, write_json_atomic  # noqa: E402

TIME = "/usr/bin/time"
TARGET_WALL_S = 30.0
TARGET_PEAK_MIB = 2048.0  # 2 GiB
TARGET_VILLAGES = 75_000  # the targets are set for this size...
TARGET_STEPS = 50  # ...and this horizon
DEFAULT_SIZES = [75_000]
QUICK_SIZES = [1000]
WARMUP_STEPS = 2

# Runs the command given after the report path and writes what the kernel says about it there.
WRAPPER = """
import json, resource, subprocess, sys
status = subprocess.run(sys.argv[2:]).returncode
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
scale = 1.0 if sys.platform == "darwin" else 1024.0  # ru_maxrss: bytes on macOS, KiB on Linux
report = {"peak_bytes": usage.ru_maxrss * scale, "user_s": usage.ru_utime, "sys_s": usage.ru_stime, "status": status}
with open(sys.argv[1], "w") as handle:
    json.dump(report, handle)
sys.exit(status)
"""


def kerjasama_command() -> list[str]:
    """The ``kerjasama`` of the interpreter running this script (``.venv/bin/kerjasama``).

    sys.executable is not resolved: a venv's python is often a symlink to the system one."""
    script = Path(sys.executable).parent / "kerjasama"
    if script.is_file() and os.access(script, os.X_OK):
        return [str(script)]
    return [sys.executable, "-m", "sim"]  # the same command (sim/__main__.py)


def parse_time_report(text: str) -> dict:
    """Peak RSS and CPU times from GNU time's ``-v`` report."""
    out: dict[str, float] = {}
    for line in text.splitlines():
        key, _, value = line.strip().rpartition(": ")
        if key == "Maximum resident set size (kbytes)":
            out["peak_bytes"] = float(value) * 1024.0
        elif key == "User time (seconds)":
            out["user_s"] = float(value)
        elif key == "System time (seconds)":
            out["sys_s"] = float(value)
        elif key == "Exit status":
            out["status"] = int(value)
    if "peak_bytes" not in out:
        raise RuntimeError(f"no 'Maximum resident set size' in the report of {TIME} -v:\n{text[-2000:]}")
    return out


def measure(
    n: int,
    steps: int,
    scenario: str,
    seed: int,
    sets: list[str],
    use_time: bool,
    timeout: float | None,
) -> dict:
    """Run the command once for ``n`` villages in a temporary folder; return its numbers."""
    with tempfile.TemporaryDirectory(prefix="kerjasama-bench-") as tmp:
        out_dir = Path(tmp) / "run"
        report = Path(tmp) / "report.txt"
        command = [
            *kerjasama_command(),
            "run",
            scenario,
            "--villages",
            str(n),
            "--steps",
            str(steps),
            "--seed",
            str(seed),
            *(arg for kv in sets for arg in ("--set", kv)),
            "--out",
            str(out_dir),
            "--figures",
            "--quiet",
        ]
        if use_time:
            full = [TIME, "-v", "-o", str(report), *command]
        else:
            full = [sys.executable, "-c", WRAPPER, str(report), *command]
        t0 = time.perf_counter()
        proc = subprocess.run(full, cwd=REPO_ROOT, capture_output=True, text=True, timeout=timeout)
        wall = time.perf_counter() - t0
        if proc.returncode != 0:
            raise RuntimeError(
                f"`{' '.join(command)}` failed (exit {proc.returncode}):\n{(proc.stderr or proc.stdout)[-3000:]}"
            )
        if not (out_dir / "summary.json").is_file():
            raise RuntimeError(f"`{' '.join(command)}` wrote no summary.json")
        text = report.read_text()
        usage = parse_time_report(text) if use_time else json.loads(text)
    peak_mib = usage["peak_bytes"] / (1024.0 * 1024.0)
    return {
        "kind": "cli",
        "command": " ".join(["kerjasama", *command[len(kerjasama_command()) :]]).replace(tmp, "<tmpdir>"),
        "scenario": scenario,
        "n": n,
        "steps": steps,
        "seed": seed,
        "wall_s": wall,
        "user_s": usage.get("user_s"),
        "sys_s": usage.get("sys_s"),
        "peak_mib": peak_mib,
        "rss_source": f"{TIME} -v" if use_time else "getrusage(RUSAGE_CHILDREN)",
        "wall_ok": wall <= TARGET_WALL_S,
        "peak_ok": peak_mib <= TARGET_PEAK_MIB,
    }


def fmt_row(cells: list[str], widths: list[int]) -> str:
    return "  ".join(c.rjust(w) for c, w in zip(cells, widths, strict=True))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", help="numbers of villages (default: 75000)")
    ap.add_argument("--quick", action="store_true", help="one run of 1,000 villages")
    ap.add_argument("--steps", type=int, default=50, help="steps per run (default: 50)")
    ap.add_argument("--scenario", default="default", help="scenario name or path (default: default)")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument(
        "--set", dest="sets", action="append", default=[], metavar="KEY=VALUE", help="passed on to kerjasama run"
    )
    ap.add_argument(
        "--no-warmup", action="store_true", help="time a cold start: no untimed 2-step run before the table"
    )
    ap.add_argument("--no-time", action="store_true", help=f"do not use {TIME} -v (use the getrusage wrapper)")
    ap.add_argument("--save", type=Path, metavar="PATH", help="also write machine info and every row as JSON")
    ap.add_argument("--timeout", type=float, default=None, help="seconds before a single run is abandoned")
    ap.add_argument(
        "--startup", action="store_true", help="instead: the start-up table (--help, errors, run default, demo)"
    )
    ap.add_argument("--repeats", type=int, default=5, help="--startup: runs per command (median printed)")
    ap.add_argument("--no-demo", action="store_true", help="--startup: leave out the demo (a minute)")
    args = ap.parse_args(argv)
    if args.startup:
        from bench_startup import startup_table

        print(f"kerjasama start-up benchmark: {machine_line(machine_info())}\n")
        rows = startup_table(kerjasama_command(), args.repeats, demo=not args.no_demo)
        if args.save:
            write_json_atomic(args.save, {"kind": "startup", "rows": rows})
        return 0

    sizes = args.sizes or (QUICK_SIZES if args.quick else DEFAULT_SIZES)
    use_time = not args.no_time and shutil.which(TIME) is not None
    info = machine_info()
    started = datetime.datetime.now(datetime.UTC)
    print(f"kerjasama run benchmark: {machine_line(info)}")
    print(
        f"Command: {' '.join(kerjasama_command())} run {args.scenario} --villages N --steps {args.steps} "
        f"--seed {args.seed}{''.join(f' --set {kv}' for kv in args.sets)} --out <tmpdir>/run --figures --quiet"
    )
    print(f"Peak RSS from {TIME + ' -v' if use_time else 'getrusage(RUSAGE_CHILDREN) in a wrapper process'}.\n")

    warmup = None
    if not args.no_warmup:
        w = measure(min(sizes), WARMUP_STEPS, args.scenario, args.seed, args.sets, use_time, args.timeout)
        warmup = {"n": w["n"], "steps": w["steps"], "wall_s": w["wall_s"], "peak_mib": w["peak_mib"]}
        print(
            f"Warm-up (untimed in the table): the same command with {w['n']:,} villages and {WARMUP_STEPS} steps took "
            f"{w['wall_s']:.1f} s. It fills the on-disk caches (compiled code), so the rows time a usual run, not the "
            "first one after installing or editing the code (--no-warmup times that).\n"
        )

    header = ["villages", "steps", "wall (s)", "CPU (s)", "peak RSS (MiB)", "wall <= 30 s", "RSS <= 2 GiB"]
    widths = [max(len(h), 8) for h in header]
    print(fmt_row(header, widths))
    print(fmt_row(["-" * w for w in widths], widths))
    rows = []
    for n in sizes:
        r = measure(n, args.steps, args.scenario, args.seed, args.sets, use_time, args.timeout)
        rows.append(r)
        cpu = r["user_s"] + r["sys_s"] if r["user_s"] is not None and r["sys_s"] is not None else None
        print(
            fmt_row(
                [
                    f"{n:,}",
                    str(args.steps),
                    f"{r['wall_s']:.1f}",
                    f"{cpu:.1f}" if cpu is not None else "-",
                    f"{r['peak_mib']:.0f}",
                    "pass" if r["wall_ok"] else "FAIL",
                    "pass" if r["peak_ok"] else "FAIL",
                ],
                widths,
            ),
            flush=True,
        )
    print(
        "\nwall = the whole command (start-up, imports, set-up, run, figures, files); CPU = user + system; "
        "peak RSS = the command's high-water mark."
    )
    print(
        f"Targets of the national-scale issue: wall <= {TARGET_WALL_S:.0f} s and peak RSS <= 2 GiB for "
        f"{TARGET_VILLAGES:,} villages over {TARGET_STEPS} steps. Pass/fail is information only "
        "(the exit code does not depend on it)."
    )
    if any(r["n"] != TARGET_VILLAGES or r["steps"] != TARGET_STEPS for r in rows):
        print(f"Rows of other sizes or horizons than {TARGET_VILLAGES:,} x {TARGET_STEPS} are for orientation only.")

    if args.save:
        payload = {
            **result_header("bench_cli", started, info),
            "settings": {
                "scenario": args.scenario,
                "sizes": sizes,
                "steps": args.steps,
                "seed": args.seed,
                "sets": args.sets,
                "rss_source": rows[0]["rss_source"] if rows else None,
            },
            "targets": {"wall_s": TARGET_WALL_S, "peak_mib": TARGET_PEAK_MIB},
            "warmup": warmup,
            "rows": rows,
        }
        write_json_atomic(args.save, payload)
        print(f"\nSaved {len(rows)} rows to {args.save}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
