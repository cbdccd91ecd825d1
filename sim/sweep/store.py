"""Where sweep results go: one Parquet part per finished run, written atomically.

A run counts as stored once ``parts/<run_id>.parquet`` exists; its per-step table
(``timeseries/<run_id>.parquet``) is written first, so a stored run always has
both. A sweep killed at any moment therefore leaves only complete runs behind,
and ``--resume`` skips exactly those. ``runs.parquet`` is rebuilt from the parts.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from sim.io import check_writable, is_temporary, signals_held, to_json, write_atomically, write_json
from sim.scenario import ScenarioError
from sim.sweep.lock import LOCK, FolderLock

ID_COLUMNS = ("run_id", "point", "arm", "condition", "replicate", "seed")
BOOL_KEYS = ("resilience.recovered",)
INT_KEYS = ("resilience.recovery_steps", "steps", "n_villages", "point", "replicate", "seed", "particle")
DAMAGED = "damaged"  # where stored files that cannot be trusted are set aside (never deleted)


def read_manifest(folder: Path) -> dict[str, Any] | None:
    """A results folder's manifest (None when it has none); a one-line ``ScenarioError``
    saying how to recover when it is damaged."""
    path = Path(folder) / "manifest.json"
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ScenarioError(damaged_manifest(path, reason)) from None
    if not isinstance(manifest, dict):
        raise ScenarioError(damaged_manifest(path, "not a JSON object"))
    return manifest


def damaged_manifest(path: Path, reason: str) -> str:
    return (
        f"{path}: damaged ({reason}); it records which experiment made these runs, so they cannot be trusted "
        f"without it: restore it (e.g. `git checkout -- {path}` if the folder is committed), or move "
        f"{path.parent} aside and run the sweep again"
    )


def other_code(manifest: dict[str, Any], code_sha256: str) -> str | None:
    """Why the runs a manifest records may not be resumed by this code (None: same code).
    A manifest without ``code_sha256`` (made before it was recorded) is refused too: nothing
    says its runs came from this code, and mixing runs of two models is silent and permanent."""
    recorded = manifest.get("code_sha256")
    if recorded == code_sha256:
        return None
    rerun = "rerun without --resume into another --out"
    if recorded is None:
        return (
            "records no code identity (made before Kerjasama recorded code_sha256 in manifests), so nothing "
            f"says this code would give the same runs; refusing to mix results: {rerun}"
        )
    commit = str(manifest.get("git_commit") or "")
    checkout = f", or check out commit {commit.removesuffix('-dirty')} to resume it" if commit else ""
    if commit.endswith("-dirty"):
        checkout += " (it had uncommitted changes, so that commit alone may not be that code)"
    return (
        f"was produced by different code (sim/ sha256 {str(recorded)[:12]}... vs {code_sha256[:12]}... now); "
        f"refusing to mix results: {rerun}{checkout}"
    )


def _unreadable(path: Path, exc: BaseException) -> str:
    """Why a stored Parquet file cannot be read, in a few words (pyarrow's without the path)."""
    if path.stat().st_size == 0:
        return "empty (0 bytes)"
    text = (str(exc).splitlines() or [type(exc).__name__])[0]
    return f"not a readable Parquet file ({text.split(chr(39) + ': ', 1)[-1].split('. ')[0][:90]})"


def _same(stored: Any, expected: Any) -> bool:
    """A stored id value equals the run's (a missing value equals only a missing one)."""
    return stored == expected if stored is not None and expected is not None else stored is expected


def part_problem(path: Path, specs: dict) -> tuple[str | None, tuple[str, ...]]:
    """Why the stored row ``parts/<run_id>.parquet`` cannot be trusted (None: it can), and its
    columns: unreadable, not one row, columns missing, or not the run of this experiment it is named after."""
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except Exception as exc:  # pyarrow raises several kinds for a damaged file
        return _unreadable(path, exc), ()
    columns = tuple(table.column_names)
    missing = [c for c in ID_COLUMNS if c not in columns]
    if missing or table.num_rows != 1:
        return (
            f"not one run's row (missing {', '.join(missing)})" if missing else f"{table.num_rows} rows, not one"
        ), ()
    values = table.to_pylist()[0]
    stored_id = values["run_id"]
    spec = specs.get(path.stem)
    if spec is None:
        return (f"a second part for run {stored_id}" if stored_id in specs else "not a run of this sweep"), ()
    if stored_id != path.stem:
        return f"holds run {stored_id}, not {path.stem}", ()
    missing = [key for key in (*spec.factors, *spec.drawn) if key not in columns]
    if missing:
        return f"missing the factor column {missing[0]}", ()
    ids = {"point": spec.point, "replicate": spec.replicate, "seed": spec.seed}
    ids.update(arm=spec.arm, condition=spec.condition, **({"particle": spec.drawn["particle"]} if spec.drawn else {}))
    wrong = [key for key, value in ids.items() if not _same(values[key], value)]
    return (f"its {wrong[0]} is not this run's" if wrong else None), columns


# A run's tables beside its row: (subfolder, the column that tells its rows apart, what it is).
RUN_TABLES = (("timeseries", "step", "per-step table"), ("villages", "village", "per-village table"))


def series_problem(path: Path, run_id: str, key: str = "step", what: str = "per-step table") -> str | None:
    """Why one of a run's tables (by default its per-step table; ``RUN_TABLES``) cannot be
    trusted (None: it can)."""
    import pyarrow.parquet as pq

    if not path.exists():
        return "missing"
    try:
        stored = pq.ParquetFile(path)
        if not {"run_id", key} <= set(stored.schema_arrow.names):
            return f"not a {what} (no run_id and {key} columns)"
        table = stored.read(columns=["run_id", key])
    except Exception as exc:  # pyarrow raises several kinds for a damaged file
        return _unreadable(path, exc)
    if table.num_rows == 0:
        return f"not a {what} (no rows)"
    if set(table.column("run_id").to_pylist()) != {run_id}:
        return f"holds another run than {run_id}"
    return None


def _require_parquet() -> None:
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        raise ScenarioError("sweeps write Parquet and need pyarrow: pip install pyarrow") from None


def _atomic_parquet(frame: pd.DataFrame, path: Path) -> None:
    with signals_held():  # a signal inside pyarrow's writer can be lost (see signals_held)
        write_atomically(path, lambda tmp: frame.to_parquet(tmp, index=False))


def read_stacked(files: list[Path]) -> pd.DataFrame:
    """The Parquet ``files`` one under the other, as ``pd.concat`` of each file read gives them
    (columns missing from a file are null there). Read as one Arrow table and converted to
    pandas once, which is three times faster than converting each file; files whose column
    types Arrow cannot unify are concatenated by pandas, file by file."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    tables = [pq.read_table(f) for f in files]
    try:
        return pa.concat_tables(tables, promote_options="default").to_pandas()
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)


def typed_row(row: dict[str, Any]) -> pd.DataFrame:
    """One run's row with stable column types across runs (nullable where a value may be missing).
    Each column is built with its type (one ``pd.array`` per value; casting a built frame column
    by column took five times as long, in the main process of every sweep)."""
    columns = {}
    for column, value in row.items():
        if column in ("run_id", "arm", "condition", "scenario"):
            dtype = "string"
        elif column in BOOL_KEYS:
            dtype = "boolean"
        elif column in INT_KEYS:
            dtype = "Int64"
        elif isinstance(value, bool):
            dtype = "boolean"
        elif value is None or isinstance(value, (int, float)):
            dtype = "Float64"
        else:  # text, lists: the type pandas gives them
            dtype = None
        columns[column] = [value] if dtype is None else pd.array([value], dtype=dtype)
    return pd.DataFrame(columns)


class ResultStore:
    """A results folder: parts, time series, the consolidated table and the manifest."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.parts = self.folder / "parts"
        self.series = self.folder / "timeseries"
        self.villages = self.folder / "villages"

    def exists(self) -> bool:
        """Does the folder hold results? (A folder left by a sweep that failed before
        storing anything - empty subfolders, no manifest - counts as empty.)"""
        if not self.folder.exists():
            return False
        if (self.folder / "manifest.json").exists():
            return True
        return any(
            p.is_file() and not p.name.endswith(".tmp") and not p.name.startswith(LOCK) for p in self.folder.rglob("*")
        )

    def manifest(self) -> dict[str, Any] | None:
        return read_manifest(self.folder)

    def lock(self) -> FolderLock:
        """The folder's lock (see sim/sweep/lock.py): held for one sweep, another sweep on the
        folder is refused while it is held."""
        _require_parquet()
        if self.folder.exists() and not self.folder.is_dir():
            raise ScenarioError(f"{self.folder}: exists and is not a folder; choose another --out")
        check_writable(self.folder)
        return FolderLock(self.folder)

    def check(
        self,
        experiment_sha256: str,
        quick: bool,
        resume: bool,
        base_parameters: dict[str, Any],
        code_sha256: str,
        posterior_sha256: str | None = None,
    ) -> None:
        """Refuse to mix results (called holding :meth:`lock`): a non-empty folder needs
        --resume, and --resume needs the same experiment file (and --quick setting), the
        same base scenario, the same posterior table (``posterior_sha256``: None when the
        experiment draws from none) and the same code (``sim.io.code_sha256``) as its manifest records."""
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
            recorded_posterior = ((manifest.get("experiment") or {}).get("posterior") or {}).get("sha256")
            if recorded_posterior != posterior_sha256:
                raise ScenarioError(
                    f"{self.folder}: the experiment's posterior table changed since these results were stored "
                    "(its SHA-256 differs from the manifest's), so its replicates would draw other parameters; "
                    "refusing to mix results"
                )
            if problem := other_code(manifest, code_sha256):
                raise ScenarioError(f"{self.folder}: {problem}")

    def open(self) -> None:
        """Create the subfolders and clear the temporary files a killed sweep left behind."""
        self.parts.mkdir(parents=True, exist_ok=True)
        for name, _, _ in RUN_TABLES:
            (self.folder / name).mkdir(parents=True, exist_ok=True)
        self.clear_temporary()

    def clear_temporary(self) -> None:
        """Remove every temporary file of an atomic write (``sim.io.is_temporary``) anywhere in
        the folder but ``damaged/``: parts, time series, tables, manifest, report, figures. Called
        holding the folder's lock, so none of them is being written; nothing else is touched."""
        for here, folders, names in os.walk(self.folder):
            if Path(here) == self.folder:
                folders[:] = [name for name in folders if name != DAMAGED]
            for name in names:
                path = Path(here) / name
                if is_temporary(name) and path.is_file() and not path.is_symlink():
                    path.unlink(missing_ok=True)

    def verify(self, specs: Iterable) -> list[str]:
        """Check every stored part before it is trusted (readable Parquet, one row with the
        id columns of the run it is named after, the columns the other runs have, a
        readable per-step table) and set aside into ``damaged/`` every file that fails, so
        that its run is redone. One line per file set aside."""
        specs = {spec.run_id: spec for spec in specs}
        notes, good = [], {}
        for path in sorted(self.parts.glob("*.parquet")):
            problem, columns = part_problem(path, specs)
            if problem:
                notes.append(self._set_aside(path, problem, path.stem if path.stem in specs else None))
            else:
                good[path.stem] = columns
        usual = Counter(good.values()).most_common(1)[0][0] if good else ()
        for run_id, columns in good.items():
            part = self.parts / f"{run_id}.parquet"
            if columns != usual:
                notes.append(self._set_aside(part, "its columns differ from the other runs'", run_id))
                continue
            for name, key, what in RUN_TABLES:
                table = self.folder / name / f"{run_id}.parquet"
                if problem := series_problem(table, run_id, key, what):
                    moved = "it and its run's part" if table.exists() else "its run's part"
                    if table.exists():
                        self._set_aside(table, problem, None)
                    self._set_aside(part, problem, run_id)
                    notes.append(
                        f"{table}: {problem}; moved {moved} to {self.folder / DAMAGED}/; run {run_id} will be redone"
                    )
                    break
        for name, _, _ in RUN_TABLES:
            for path in sorted((self.folder / name).glob("*.parquet")):
                if path.stem not in specs:
                    notes.append(self._set_aside(path, "not a run of this sweep", None))
        return notes

    def _set_aside(self, path: Path, problem: str, run_id: str | None) -> str:
        """Move a stored file into ``damaged/<subfolder>/`` (a new name if one is there already)."""
        shelf = self.folder / DAMAGED / path.parent.name
        shelf.mkdir(parents=True, exist_ok=True)
        target, n = shelf / path.name, 0
        while target.exists():
            n += 1
            target = shelf / f"{path.stem}.{n}{path.suffix}"
        os.replace(path, target)
        redo = f"; run {run_id} will be redone" if run_id else ""
        return f"{path}: {problem}; moved to {target.parent}/{redo}"

    def done(self) -> set[str]:
        """Ids of the runs already stored."""
        return {p.stem for p in self.parts.glob("*.parquet")}

    def save(self, result) -> None:
        """Persist one finished run (``runner.Result``): its per-step and per-village tables
        first, then its row, whose part marks the run as done."""
        run_id = result.row["run_id"]
        for (name, _, _), table in zip(RUN_TABLES, (result.series, result.villages), strict=True):
            table = table.copy()
            table.insert(0, "run_id", run_id)
            _atomic_parquet(table, self.folder / name / f"{run_id}.parquet")
        _atomic_parquet(typed_row(result.row), self.parts / f"{run_id}.parquet")

    def consolidate(self) -> pd.DataFrame:
        """Rebuild ``runs.parquet`` from the parts (sorted by run id) and return it."""
        files = sorted(self.parts.glob("*.parquet"))
        runs = read_stacked(files) if files else pd.DataFrame(columns=list(ID_COLUMNS))
        runs = runs.sort_values("run_id", kind="stable").reset_index(drop=True)
        _atomic_parquet(runs, self.folder / "runs.parquet")
        if len(runs):  # all runs' per-step and per-village tables in one file each too
            for name, _, _ in RUN_TABLES:
                stacked = read_stacked([self.folder / name / f"{rid}.parquet" for rid in runs["run_id"]])
                _atomic_parquet(stacked, self.folder / f"{name}.parquet")
        return runs

    def write_manifest(self, manifest: dict[str, Any]) -> None:
        write_json(self.folder / "manifest.json", to_json(manifest))
