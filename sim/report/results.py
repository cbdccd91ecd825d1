"""What a sweep stored (``manifest.json``, ``runs.parquet``, the per-step tables; see
``docs/experiments.md``) and the context every section of the report shares."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from sim.report.document import Document, save_figures
from sim.report.wording import listing, say
from sim.scenario import ScenarioError
from sim.sweep.store import read_manifest

CONFIDENCE = 0.95  # of every interval in the report


def rebuild_advice(results_dir: Path, manifest: dict | None = None) -> str:
    """How to rebuild a sweep's damaged tables: resume it (the stored runs are checked first)."""
    if manifest is None:
        try:
            manifest = read_manifest(results_dir) or {}
        except ScenarioError:
            manifest = {}
    experiment = manifest.get("experiment_file") or "EXPERIMENT"
    quick = " --quick" if manifest.get("quick") else ""
    return f"rebuild it with `kerjasama sweep {experiment}{quick} --out {results_dir} --resume`"


def _unreadable(path: Path, exc: BaseException, results_dir: Path, manifest: dict | None = None) -> ScenarioError:
    reason = (str(exc).splitlines() or [type(exc).__name__])[0].split("': ", 1)[-1].split(". ")[0][:90]
    return ScenarioError(f"{path}: cannot read ({reason}); {rebuild_advice(results_dir, manifest)}")


def read_results(results_dir: Path) -> tuple[dict, pd.DataFrame]:
    """The manifest and the runs table (sorted by run id) of a results folder, verified
    first: a ``ScenarioError`` naming the file, and how to recover, when either is damaged
    (unreadable, no ``run_id`` column, a run stored twice)."""
    manifest = read_manifest(results_dir)
    if manifest is None:
        raise ScenarioError(f"{results_dir / 'manifest.json'}: missing; not a sweep results folder")
    _check_experiment(manifest, results_dir)
    path = results_dir / "runs.parquet"
    try:
        runs = pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises several kinds for a damaged file
        raise _unreadable(path, exc, results_dir, manifest) from None
    if "run_id" not in runs.columns:
        raise ScenarioError(f"{path}: not a runs table (no run_id column); {rebuild_advice(results_dir, manifest)}")
    twice = runs["run_id"][runs["run_id"].duplicated()]
    if len(twice):
        raise ScenarioError(
            f"{path}: run {twice.iloc[0]} is stored {int((runs['run_id'] == twice.iloc[0]).sum())} times; "
            + rebuild_advice(results_dir, manifest)
        )
    return manifest, runs.sort_values("run_id", kind="stable").reset_index(drop=True)


# what the report reads of the manifest's experiment: key -> (type, what it must be)
_EXPERIMENT_SHAPE = {
    "metrics": (list, "a list of metric names"),
    "arms": (list, "a list of arms (tables with a name)"),
    "conditions": (list, "a list of conditions (tables with a name)"),
}


_ITEM_OK = {
    "metrics": lambda v: isinstance(v, str),
    "arms": lambda v: isinstance(v, dict) and "name" in v,
    "conditions": lambda v: isinstance(v, dict) and "name" in v,
}


def _check_experiment(manifest: dict, results_dir: Path) -> None:
    """The manifest's ``experiment`` has the shape the report reads, else one line naming the key."""
    where = results_dir / "manifest.json"
    exp = manifest.get("experiment")
    if exp is None:
        return
    problem = None
    if not isinstance(exp, dict):
        problem = f"experiment: must be a table of the experiment's settings, got {type(exp).__name__}"
    else:
        for key, (kind, meaning) in _EXPERIMENT_SHAPE.items():
            value = exp.get(key)
            if value is None:
                continue
            if not (isinstance(value, kind) and all(map(_ITEM_OK[key], value))):
                problem = f"experiment.{key}: must be {meaning}, got {value!r:.60}"
                break
    if problem:
        raise ScenarioError(f"{where}: {problem}; {rebuild_advice(results_dir, {})}")


def _read_series(path: Path, results_dir: Path) -> pd.DataFrame:
    try:
        series = pd.read_parquet(path)
    except Exception as exc:
        raise _unreadable(path, exc, results_dir) from None
    if "run_id" not in series.columns or "step" not in series.columns:
        raise ScenarioError(f"{path}: not a per-step table; {rebuild_advice(results_dir)}")
    return series


def load_timeseries(results_dir: Path, runs: pd.DataFrame) -> pd.DataFrame:
    """All runs' per-step tables: ``timeseries.parquet`` (written when a sweep ends),
    else the per-run parts in ``timeseries/``; a ``ScenarioError`` naming the file when one
    is damaged or a run's step is stored twice."""
    combined = results_dir / "timeseries.parquet"
    if combined.exists():
        ts = _read_series(combined, results_dir)
    else:
        files = sorted((results_dir / "timeseries").glob("*.parquet"))
        if not files:
            print(say("no_timeseries", folder=results_dir), file=sys.stderr)
            return pd.DataFrame()
        ts = pd.concat([_read_series(f, results_dir) for f in files], ignore_index=True)
    twice = ts[ts.duplicated(["run_id", "step"])]
    if len(twice):
        where = combined if combined.exists() else results_dir / "timeseries"
        raise ScenarioError(
            f"{where}: step {twice['step'].iloc[0]} of run {twice['run_id'].iloc[0]} is stored twice; "
            + rebuild_advice(results_dir)
        )
    keys = [c for c in ("run_id", "arm", "condition", "replicate", "point") if c in runs.columns]
    ts = ts.drop(columns=[c for c in keys if c != "run_id" and c in ts.columns])
    return ts.merge(runs[keys], on="run_id", how="inner")


def posterior_of(exp: dict) -> dict | None:
    """What the manifest records of the posterior the experiment's replicates drew their
    parameters from (``sim.sweep.experiment.Experiment.posterior_record``); None without one."""
    posterior = exp.get("posterior")
    return posterior if isinstance(posterior, dict) and posterior.get("parameters") else None


def posterior_facts(posterior: dict) -> dict[str, Any]:
    """The values the sentences about a posterior fill in: the calibration's name, the number
    of particles, the parameters drawn, and the calibration file."""
    calibration = posterior.get("calibration") or {}
    return {
        "name": calibration.get("name") or posterior.get("file") or "?",
        "particles": posterior.get("particles", "?"),
        "parameters": listing([str(key) for key in posterior.get("parameters") or []]),
        "file": calibration.get("file") or "?",
    }


def observations_sentence(posterior: dict) -> str:
    """Whether the calibration's observations are real or synthetic (or that its file does not say)."""
    kind = (posterior.get("calibration") or {}).get("observations")
    key = f"observations.{kind}" if kind in ("real", "synthetic") else "observations.unstated"
    return say(key, **posterior_facts(posterior))


@dataclass
class Context:
    """What a section of the report reads (the results folder, its manifest, its
    experiment, the runs, the metrics to show) and writes (the document, the figures)."""

    results_dir: Path
    manifest: dict
    exp: dict
    runs: pd.DataFrame
    metrics: list[str]
    doc: Document
    written: list[Path] = field(default_factory=list)
    pending: list[tuple[Any, Path]] = field(default_factory=list)  # figures placed, to be saved by save_figures
    beside: Path | None = None  # where results of other experiments lie (default: the folder's parent)
    brief: Document | None = None  # the one-page brief that opens the report (arms designs: sim/report/brief.py)
    output_dir: Path | None = None  # where the report goes (default results_dir; another language: results_dir/<code>)
    cache: dict = field(default_factory=dict)  # what several parts of the report read, computed once

    @property
    def figures(self) -> Path:
        return (self.output_dir or self.results_dir) / "figures"

    @property
    def seed(self) -> int | None:
        """The experiment's master seed, as SALib's bootstrap takes it (32 bits)."""
        seed = self.exp.get("seed")
        return int(seed) % (2**32) if seed is not None else None

    def save(self, fig, name: str, caption: str) -> None:
        """Place a figure, with its caption, in the document as ``figures/<name>.png``; it is
        saved with the others by :meth:`save_figures`."""
        self.doc.figure(self.place(fig, name), caption)

    def place(self, fig, name: str) -> Path:
        """Keep a figure to be saved as ``figures/<name>.png`` without placing it in the
        document (the brief places it); returns its path."""
        path = self.figures / f"{name}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        self.pending.append((fig, path))
        self.written.append(path)
        return path

    def save_figures(self) -> None:
        """Save every figure placed so far (on all cores, ``document.save_figures``)."""
        pending, self.pending = self.pending, []
        save_figures(pending)
