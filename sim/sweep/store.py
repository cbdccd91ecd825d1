"""Where sweep results go: one Parquet part per finished run, written atomically.

A run counts as stored once ``parts/<run_id>.parquet`` exists; its per-step table
(``timeseries/<run_id>.parquet``) is written first, so a stored run always has
both. A sweep killed at any moment therefore leaves only complete runs behind,
and ``--resume`` skips exactly those. ``runs.parquet`` is rebuilt from the parts.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from sim.io import check_writable, to_json, write_atomically, write_json
from sim.scenario import ScenarioError

ID_COLUMNS = ("run_id", "point", "arm", "condition", "replicate", "seed")
BOOL_KEYS = ("resilience.recovered",)
INT_KEYS = ("resilience.recovery_steps", "steps", "n_villages", "point", "replicate", "seed")


def _require_parquet() -> None:
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        raise ScenarioError("sweeps write Parquet and need pyarrow: pip install pyarrow") from None


def _atomic_parquet(frame: pd.DataFrame, path: Path) -> None:
    write_atomically(path, lambda tmp: frame.to_parquet(tmp, index=False))


def typed_row(row: dict[str, Any]) -> pd.DataFrame:
    """One run's row with stable column types across runs (nullable where a value may be missing)."""
    frame = pd.DataFrame([row])
    for column in frame.columns:
        if column in ("run_id", "arm", "condition", "scenario"):
            frame[column] = frame[column].astype("string")
        elif column in BOOL_KEYS:
            frame[column] = frame[column].astype("boolean")
        elif column in INT_KEYS:
            frame[column] = frame[column].astype("Int64")
        else:
            value = row[column]
            if value is None or isinstance(value, (int, float)) and not isinstance(value, bool):
                frame[column] = frame[column].astype("Float64")
            elif isinstance(value, bool):
                frame[column] = frame[column].astype("boolean")
    return frame


class ResultStore:
    """A results folder: parts, time series, the consolidated table and the manifest."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.parts = self.folder / "parts"
        self.series = self.folder / "timeseries"

    def exists(self) -> bool:
        """Does the folder hold results? (A folder left by a sweep that failed before
        storing anything - empty subfolders, no manifest - counts as empty.)"""
        if not self.folder.exists():
            return False
        if (self.folder / "manifest.json").exists():
            return True
        return any(p.is_file() and not p.name.endswith(".tmp") for p in self.folder.rglob("*"))

    def manifest(self) -> dict[str, Any] | None:
        path = self.folder / "manifest.json"
        if not path.exists():
            return None
        return json.loads(path.read_text())

    def check(self, experiment_sha256: str, quick: bool, resume: bool, base_parameters: dict[str, Any]) -> None:
        """Refuse to mix results: a non-empty folder needs --resume, and --resume needs
        the same experiment file (and --quick setting) and the same base scenario as
        recorded in its manifest."""
        _require_parquet()
        if self.folder.exists() and not self.folder.is_dir():
            raise ScenarioError(f"{self.folder}: exists and is not a folder; choose another --out")
        check_writable(self.folder)
        if self.exists():
            if not resume:
                raise ScenarioError(
                    f"{self.folder}: results already exist; use --resume to continue that sweep, "
                    "or --out to write elsewhere"
                )
            manifest = self.manifest()
            if manifest is None:
                raise ScenarioError(
                    f"{self.folder}: not a sweep results folder (no manifest.json); choose another --out"
                )
            recorded = manifest.get("experiment_sha256")
            if recorded != experiment_sha256 or bool(manifest.get("quick")) != quick:
                raise ScenarioError(
                    f"{self.folder}: was produced by a different experiment file (or --quick setting) than this one; "
                    "refusing to mix results"
                )
            recorded_base = (manifest.get("base_scenario") or {}).get("parameters")
            if recorded_base is not None and to_json(recorded_base) != to_json(base_parameters):
                changed = sorted(
                    k
                    for k in set(recorded_base) | set(base_parameters)
                    if to_json(recorded_base.get(k)) != to_json(base_parameters.get(k))
                )
                raise ScenarioError(
                    f"{self.folder}: the base scenario changed since these results were stored "
                    f"({', '.join(changed[:3])}); refusing to mix results"
                )

    def open(self) -> None:
        """Create the subfolders and clear temporary files a killed sweep left behind."""
        self.parts.mkdir(parents=True, exist_ok=True)
        self.series.mkdir(parents=True, exist_ok=True)
        for stale in list(self.parts.glob(".*.tmp")) + list(self.series.glob(".*.tmp")):
            stale.unlink(missing_ok=True)  # left by a killed sweep

    def done(self) -> set[str]:
        """Ids of the runs already stored."""
        return {p.stem for p in self.parts.glob("*.parquet")}

    def save(self, row: dict[str, Any], series: pd.DataFrame) -> None:
        """Persist one finished run (time series first, then the run's row)."""
        run_id = row["run_id"]
        series = series.copy()
        series.insert(0, "run_id", run_id)
        _atomic_parquet(series, self.series / f"{run_id}.parquet")
        _atomic_parquet(typed_row(row), self.parts / f"{run_id}.parquet")

    def consolidate(self) -> pd.DataFrame:
        """Rebuild ``runs.parquet`` from the parts (sorted by run id) and return it."""
        files = sorted(self.parts.glob("*.parquet"))
        frames = [pd.read_parquet(f) for f in files]
        runs = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=list(ID_COLUMNS))
        runs = runs.sort_values("run_id", kind="stable").reset_index(drop=True)
        _atomic_parquet(runs, self.folder / "runs.parquet")
        series = [pd.read_parquet(self.series / f"{rid}.parquet") for rid in runs["run_id"]]
        if series:  # all runs' per-step tables in one file too (small enough to keep with the report)
            _atomic_parquet(pd.concat(series, ignore_index=True), self.folder / "timeseries.parquet")
        return runs

    def write_manifest(self, manifest: dict[str, Any]) -> None:
        write_json(self.folder / "manifest.json", to_json(manifest))
