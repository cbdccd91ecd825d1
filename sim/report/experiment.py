"""The report of one experiment: read its folder, write the header, hand the body to its design's section."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from sim.io import write_text
from sim.report.arms import _arms
from sim.report.document import _Doc
from sim.report.grid import _grid, _lhs
from sim.report.results import _Context
from sim.report.sensitivity import _morris, _sobol
from sim.report.wording import INTERVALS, PAIRING
from sim.scenario import ScenarioError

DEFAULT_METRICS = ("welfare.mean_consumption", "welfare.poverty_rate", "welfare.gini")


def write_report(results_dir: str | Path) -> list[Path]:
    """Write ``report.md``, ``report.html`` and ``figures/*.png`` into ``results_dir``;
    returns the files written (figures first)."""
    results_dir = Path(results_dir)
    try:
        manifest = json.loads((results_dir / "manifest.json").read_text(encoding="utf-8"))
        if not isinstance(manifest, dict):
            raise ValueError("not a JSON object")
    except (OSError, ValueError) as exc:
        raise ScenarioError(f"{results_dir / 'manifest.json'}: cannot read: {exc}") from None
    exp = manifest.get("experiment") or {}
    try:
        runs = pd.read_parquet(results_dir / "runs.parquet")
    except Exception as exc:  # pyarrow raises several kinds for a damaged file
        raise ScenarioError(f"{results_dir / 'runs.parquet'}: cannot read: {exc}") from None
    if "run_id" in runs.columns:
        runs = runs.sort_values("run_id", kind="stable").reset_index(drop=True)
    design = str(exp.get("design", "arms"))
    declared = list(exp.get("metrics") or DEFAULT_METRICS)
    metrics = [m for m in declared if m in runs.columns]
    name = exp.get("name") or results_dir.name
    doc = _Doc(title=f"Experiment {name}", folder=results_dir)
    ctx = _Context(results_dir, manifest, exp, runs, metrics, doc)
    _header(ctx, design, [m for m in declared if m not in runs.columns])
    if runs.empty:
        doc.para("No runs are stored yet, so there is nothing to report.")
    else:
        builders = {"arms": _arms, "grid": _grid, "lhs": _lhs, "sobol": _sobol, "morris": _morris}
        if design not in builders:
            doc.para(f"Unknown design {design!r}: only the header is reported.")
        else:
            builders[design](ctx)
    md_path, html_path = results_dir / "report.md", results_dir / "report.html"
    write_text(md_path, doc.markdown())
    write_text(html_path, doc.html())
    for stale in (results_dir / "figures").glob("*.png"):  # figures of an earlier report no longer used
        if stale not in ctx.written:
            stale.unlink(missing_ok=True)
    return [*ctx.written, md_path, html_path]


def _header(ctx: _Context, design: str, missing: list[str]) -> None:
    exp, manifest, runs, doc = ctx.exp, ctx.manifest, ctx.runs, ctx.doc
    doc.heading(1, f"Experiment: {exp.get('name') or ctx.results_dir.name}")
    if exp.get("description"):
        doc.para(str(exp["description"]))
    scenario = exp.get("scenario", manifest.get("scenario"))
    if isinstance(scenario, dict):
        scenario = scenario.get("name") or scenario.get("source")
    facts = [
        f"design: {design}",
        f"base scenario: {scenario if scenario else 'n/a'}",
        f"runs stored: {len(runs)}",
        f"replicates per design point: {exp.get('replicates', 'n/a')}",
        f"master seed: {exp.get('seed', 'n/a')}",
        f"steps: {exp['steps'] if exp.get('steps') is not None else 'as in the base scenario'}",
    ]
    if design in ("lhs", "sobol", "morris"):
        facts.append(f"samples: {exp.get('samples', 'n/a')}")
    for key, label in (("git_commit", "git commit"), ("started", "started"), ("finished", "finished")):
        if manifest.get(key):
            facts.append(f"{label}: {manifest[key]}")
    doc.bullets(facts)
    doc.para(INTERVALS)
    if design == "arms":
        doc.para(PAIRING)
    if missing:
        doc.para("Metrics named by the experiment but not found in runs.parquet: " + ", ".join(missing) + ".")
