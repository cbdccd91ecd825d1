"""``kerjasama calibrate FILE [--quick] [--out DIR] [--resume] [--workers N] [--scheduler tcp://HOST:PORT]``.

Registered by ``sim.cli.build_parser`` through :func:`add_parser`; this module imports neither
pyabc nor the model, so building the parser stays fast. A bad file, folder or option is one line
and exit 2 (``ScenarioError``), before any work.
"""

from __future__ import annotations

import argparse
import sys
from concurrent.futures.process import BrokenProcessPool


def add_parser(sub) -> None:
    """The ``calibrate`` subcommand on the ``kerjasama`` parser's subparsers ``sub``."""
    from sim.cli import _folder

    calibrate = sub.add_parser(
        "calibrate", help="fit free parameters to observed statistics with ABC-SMC (needs kerjasama[calibrate])"
    )
    calibrate.add_argument("file", help="calibration name (see calibrations/) or path to a .toml file")
    calibrate.add_argument("--quick", action="store_true", help="use the file's [quick] settings")
    calibrate.add_argument("--out", type=_folder, help="results folder (default results/calibrations/<name>)")
    calibrate.add_argument(
        "--resume", action="store_true", help="continue an interrupted calibration in --out from its history.db"
    )
    calibrate.add_argument(
        "--workers", type=int, help="local worker processes (default: all cores; 1 = in this process)"
    )
    calibrate.add_argument("--scheduler", metavar="tcp://HOST:PORT", help="simulate on this Dask cluster instead")
    calibrate.set_defaults(func=cmd_calibrate)


def cmd_calibrate(args: argparse.Namespace) -> int:
    from sim.calibrate.file import load_calibration
    from sim.sweep.runner import check_execution

    calibration = load_calibration(args.file, quick=args.quick)  # a bad file: one line, before pyabc
    check_execution(args.workers, args.scheduler)
    from sim.calibrate.run import require_pyabc, run_calibration

    require_pyabc()
    try:
        folder = run_calibration(
            calibration, args.out, workers=args.workers, scheduler=args.scheduler, resume=args.resume
        )
    except KeyboardInterrupt:
        print(
            "kerjasama: interrupted; the generations finished so far are in history.db - rerun with --resume to continue",
            file=sys.stderr,
        )
        return 130
    except BrokenProcessPool:  # a local worker process died (killed, out of memory)
        print(
            "kerjasama: a worker process died; the generations finished so far are in history.db - rerun with --resume",
            file=sys.stderr,
        )
        return 1
    print(summary_text(folder))
    return 0


def summary_text(folder) -> str:
    """What the command prints at the end: where the results are, and each parameter's intervals."""
    from sim.sweep.store import read_manifest

    manifest = read_manifest(folder) or {}
    lines = [
        f"Calibration {manifest.get('status', '?')}: {len(manifest.get('generations', []))} generation(s)",
        f"Wrote {folder}/posterior.parquet, populations.parquet, generations.csv, figures/, manifest.json"
        " (history in history.db)",
    ]
    for key, found in (manifest.get("posterior") or {}).items():
        lines.append(
            f"  {key}: prior [{found['prior_low']:.4g}, {found['prior_high']:.4g}] -> posterior median "
            f"{found['median']:.4g}, 95 % [{found['low95']:.4g}, {found['high95']:.4g}]"
        )
    return "\n".join(lines)
