"""What a sweep stored (``manifest.json``, ``runs.parquet``, time series) and the context the report's sections share."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from sim.report.document import _Doc, _save

CONFIDENCE = 0.95


def _load_timeseries(results_dir: Path, runs: pd.DataFrame) -> pd.DataFrame:
    """All runs' per-step tables: ``timeseries.parquet`` (written when a sweep ends),
    else the per-run parts in ``timeseries/``."""
    combined = results_dir / "timeseries.parquet"
    if combined.exists():
        ts = pd.read_parquet(combined)
    else:
        files = sorted((results_dir / "timeseries").glob("*.parquet"))
        if not files:
            print(
                f"kerjasama: note: {results_dir} has no time series; the report leaves out its time-series figures",
                file=sys.stderr,
            )
            return pd.DataFrame()
        ts = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
    keys = [c for c in ("run_id", "arm", "condition", "replicate", "point") if c in runs.columns]
    ts = ts.drop(columns=[c for c in keys if c != "run_id" and c in ts.columns])
    return ts.merge(runs[keys], on="run_id", how="inner")


@dataclass
class _Context:
    results_dir: Path
    manifest: dict
    exp: dict
    runs: pd.DataFrame
    metrics: list[str]
    doc: _Doc
    written: list[Path] = field(default_factory=list)
    reference: str | None = None

    @property
    def figures(self) -> Path:
        return self.results_dir / "figures"

    @property
    def seed(self) -> int | None:
        seed = self.exp.get("seed")
        return int(seed) % (2**32) if seed is not None else None

    def save(self, fig, name: str, caption: str) -> None:
        path = _save(fig, self.figures / f"{name}.png", self.written)
        self.doc.figure(path, caption)
