"""What a sweep stored (``manifest.json``, ``runs.parquet``, the per-step tables; see
``docs/experiments.md``) and the context every section of the report shares."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from sim.report.document import Document, save_figure
from sim.report.wording import say
from sim.scenario import ScenarioError

CONFIDENCE = 0.95  # of every interval in the report


def read_results(results_dir: Path) -> tuple[dict, pd.DataFrame]:
    """The manifest and the runs table (sorted by run id) of a results folder; a
    ``ScenarioError`` naming the file when either cannot be read."""
    try:
        manifest = json.loads((results_dir / "manifest.json").read_text(encoding="utf-8"))
        if not isinstance(manifest, dict):
            raise ValueError("not a JSON object")
    except (OSError, ValueError) as exc:
        raise ScenarioError(f"{results_dir / 'manifest.json'}: cannot read: {exc}") from None
    try:
        runs = pd.read_parquet(results_dir / "runs.parquet")
    except Exception as exc:  # pyarrow raises several kinds for a damaged file
        raise ScenarioError(f"{results_dir / 'runs.parquet'}: cannot read: {exc}") from None
    if "run_id" in runs.columns:
        runs = runs.sort_values("run_id", kind="stable").reset_index(drop=True)
    return manifest, runs


def load_timeseries(results_dir: Path, runs: pd.DataFrame) -> pd.DataFrame:
    """All runs' per-step tables: ``timeseries.parquet`` (written when a sweep ends),
    else the per-run parts in ``timeseries/``."""
    combined = results_dir / "timeseries.parquet"
    if combined.exists():
        ts = pd.read_parquet(combined)
    else:
        files = sorted((results_dir / "timeseries").glob("*.parquet"))
        if not files:
            print(say("no_timeseries", folder=results_dir), file=sys.stderr)
            return pd.DataFrame()
        ts = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
    keys = [c for c in ("run_id", "arm", "condition", "replicate", "point") if c in runs.columns]
    ts = ts.drop(columns=[c for c in keys if c != "run_id" and c in ts.columns])
    return ts.merge(runs[keys], on="run_id", how="inner")


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

    @property
    def figures(self) -> Path:
        return self.results_dir / "figures"

    @property
    def seed(self) -> int | None:
        """The experiment's master seed, as SALib's bootstrap takes it (32 bits)."""
        seed = self.exp.get("seed")
        return int(seed) % (2**32) if seed is not None else None

    def save(self, fig, name: str, caption: str) -> None:
        """Save a figure as ``figures/<name>.png`` and place it, with its caption, in the document."""
        path = save_figure(fig, self.figures / f"{name}.png", self.written)
        self.doc.figure(path, caption)
