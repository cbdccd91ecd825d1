"""Plot how Kerjasama's run time scales with the number of villages, from bench_model.py's JSON.

Run from the repository root::

    .venv/bin/python benchmarks/bench_model.py --save bench.json
    .venv/bin/python benchmarks/plot_scaling.py bench.json                  # writes docs/img/scaling.png
    .venv/bin/python benchmarks/plot_scaling.py bench.json --out /tmp/scaling.png --markdown /tmp/table.md

The figure is log-log: run time per step (seconds) against villages, one line per shock mode, a
dashed line of linear scaling through the largest no-shock point, and the Boltzmann reference (its
cost per agent-step times the number of villages, i.e. what the same number of Boltzmann agents would
cost). It also prints a Markdown table for the README. Files are written atomically (a temporary file
in the same folder, then os.replace), so an interrupted run leaves any earlier figure intact.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))
from sim.io import write_atomically, write_text  # noqa: E402

DEFAULT_OUT = REPO_ROOT / "docs" / "img" / "scaling.png"
TARGET = (75_000, 30.0 / 50)  # issue 6: 30 s for 50 steps at 75,000 villages (the whole command)


def load(path: Path) -> dict:
    data = json.loads(Path(path).read_text())
    if not isinstance(data, dict) or not isinstance(data.get("rows"), list):
        raise SystemExit(f"{path}: not a JSON file saved by bench_model.py --save (no 'rows' list)")
    rows = [r for r in data["rows"] if r.get("kind", "village") == "village"]
    if not rows:
        raise SystemExit(f"{path}: no village rows to plot")
    data["rows"] = rows
    return data


def markdown_table(data: dict) -> str:
    """The rows as a Markdown table, with a caption line naming the machine and the reference."""
    boltz = data.get("reference")
    lines = [
        "| villages | steps | shock | wall (s) | µs/village-step | × Boltzmann | peak MiB |",
        "|---:|---:|---|---:|---:|---:|---:|",
    ]
    for r in sorted(data["rows"], key=lambda r: (r["n"], r["shock"] != "none", r["shock"])):
        wall = r["setup_s"] + r["run_s"]
        ratio = r["us_per_unit_step"] / boltz["us_per_unit_step"] if boltz else None
        lines.append(
            f"| {r['n']:,} | {r['steps']} | {r['shock']} | {wall:.1f} | {r['us_per_unit_step']:.1f} | "
            f"{f'{ratio:.0f}' if ratio is not None else '-'} | {r['peak_mib']:.0f} |"
        )
    m = data.get("machine", {})
    caption = (
        f"Measured with `benchmarks/bench_model.py` on {m.get('cpu_model', '?')} ({m.get('cpus_usable', '?')} CPUs), "
        f"Python {m.get('python', '?')}, Mesa {m.get('mesa', '?')}, git {m.get('git', '?')}; "
        "wall = set-up + run, µs/village-step = run / (villages × steps), peak MiB includes the interpreter."
    )
    if boltz:
        caption += (
            f" × Boltzmann: against Mesa's Boltzmann wealth model with a cached partner list, "
            f"{boltz['us_per_unit_step']:.2f} µs per agent-step at {boltz['n']:,} agents."
        )
    return "\n".join(lines) + "\n\n" + caption + "\n"


def plot(data: dict, out: Path) -> None:
    """Write the log-log scaling figure to ``out`` (PNG), atomically."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = data["rows"]
    fig, ax = plt.subplots(figsize=(7.0, 5.6), dpi=120)
    shocks = list(dict.fromkeys(r["shock"] for r in sorted(rows, key=lambda r: r["shock"] != "none")))
    markers = {"none": "o", "default+twin": "s"}
    for shock in shocks:
        series = sorted((r for r in rows if r["shock"] == shock), key=lambda r: r["n"])
        xs = [r["n"] for r in series]
        ys = [r["run_s"] / r["steps"] for r in series]
        label = "Kerjasama, no scheduled shock" if shock == "none" else "Kerjasama, scheduled shock + twin"
        ax.plot(xs, ys, marker=markers.get(shock, "^"), label=label)

    all_n = sorted({r["n"] for r in rows})
    lo, hi = all_n[0], max(all_n[-1], TARGET[0])
    base = max((r for r in rows if r["shock"] == shocks[0]), key=lambda r: r["n"])
    per_village = base["run_s"] / base["steps"] / base["n"]
    ax.plot(
        [lo, hi],
        [per_village * lo, per_village * hi],
        "--",
        color="grey",
        label=f"linear scaling through {base['n']:,} villages",
    )

    boltz = data.get("reference")
    if boltz:
        us = boltz["us_per_unit_step"]
        ax.plot(
            [lo, hi],
            [us * 1e-6 * lo, us * 1e-6 * hi],
            ":",
            color="black",
            label=f"Boltzmann wealth, cached list: {us:.2f} µs/agent-step × villages",
        )
    ax.plot(*TARGET, marker="*", markersize=12, linestyle="none", color="tab:red", label="target: 30 s / 50 steps")

    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("villages")
    ax.set_ylabel("run time per step (s)")
    m = data.get("machine", {})
    ax.set_title(
        f"Run time per step vs villages ({m.get('cpu_model', '?')}, Python {m.get('python', '?')}, "
        f"Mesa {m.get('mesa', '?')}, git {m.get('git', '?')})",
        fontsize=9,
    )
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=2, frameon=False)
    fig.tight_layout()

    try:
        write_atomically(Path(out), lambda tmp: fig.savefig(tmp, format="png"))
    finally:
        plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("json", type=Path, help="JSON written by bench_model.py --save")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help="PNG to write (default: docs/img/scaling.png)")
    ap.add_argument("--markdown", type=Path, metavar="PATH", help="also write the Markdown table to PATH")
    args = ap.parse_args(argv)

    data = load(args.json)
    plot(data, args.out)
    table = markdown_table(data)
    print(table)
    if args.markdown:
        write_text(Path(args.markdown), table)
    print(f"Wrote {args.out}" + (f" and {args.markdown}" if args.markdown else ""), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
