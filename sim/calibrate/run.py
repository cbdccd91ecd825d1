"""A calibration from start (or ``--resume``) to its results folder.

The folder holds ``history.db`` (pyabc's SQLite history: every generation, written as soon as
it is accepted), and, once the calibration stops, ``posterior.parquet`` (the last generation's
weighted particles), ``populations.parquet`` (every generation's), ``generations.csv`` (epsilon,
simulations, acceptance rate and effective sample size per generation), ``figures/``
(marginals, pairs, epsilon) and ``manifest.json``. Each generation is run by a fresh
``pyabc.ABCSMC`` loaded from ``history.db``, so a calibration killed at any moment (even with
``kill -9``) resumes with ``--resume`` from its last stored generation along the same path it
would have taken. The folder is locked while a calibration writes it (``sim.sweep.lock``).
"""

from __future__ import annotations

import logging
import platform
import sys
import time
from pathlib import Path
from typing import Any

import pandas as pd

from sim import io
from sim.calibrate.file import Calibration
from sim.scenario import ScenarioError
from sim.sweep.store import _atomic_parquet, other_code, read_manifest

HISTORY = "history.db"
ABC_ID = 1  # the one ABC-SMC run a history.db of ours holds


def require_pyabc() -> None:
    """A one-line error naming the extra when pyabc is missing."""
    try:
        import pyabc  # noqa: F401
    except ImportError as exc:
        missing = getattr(exc, "name", None) or exc
        raise ScenarioError(
            f"calibrate needs the optional extra (missing {missing}): pip install 'kerjasama[calibrate]'"
        ) from None
    for name in ("ABC", "ABC.History", "ABC.Sampler", "ABC.Distance", "ABC.Epsilon", "ABC.Adaptation"):
        logging.getLogger(name).setLevel(logging.WARNING)  # we print one line per generation instead


def default_out(calibration: Calibration) -> Path:
    return Path("results") / "calibrations" / calibration.name


def _check_folder(folder: Path, calibration: Calibration, resume: bool) -> dict[str, Any] | None:
    """Refuse to mix results (called holding the folder's lock); the manifest to resume, if any."""
    manifest = read_manifest(folder)
    used = folder.exists() and any(p.name != ".lock" for p in folder.iterdir())
    if not used:
        return None
    if not resume:
        raise ScenarioError(f"{folder}: results already exist; use --resume to continue that calibration, or --out")
    if manifest is None:
        raise ScenarioError(f"{folder}: not a calibration results folder (no manifest.json); choose another --out")
    if manifest.get("kind") != "kerjasama calibration":
        raise ScenarioError(
            f"{folder}: holds {manifest.get('kind')!r} results, not a calibration; choose another --out"
        )
    if manifest.get("calibration_sha256") != calibration.sha256 or bool(manifest.get("quick")) != calibration.quick:
        raise ScenarioError(
            f"{folder}: was produced by a different calibration file (or --quick setting); refusing to mix results"
        )
    if problem := other_code(manifest, io.code_sha256()):
        raise ScenarioError(f"{folder}: {problem}")
    return manifest


def _manifest(calibration: Calibration, executor: str, started: str, previous: dict | None) -> dict[str, Any]:
    from importlib import metadata

    return {
        "kind": "kerjasama calibration",
        "calibration": {**calibration.describe(), "scenario_file": io.portable_path(calibration.scenario)},
        "calibration_file": io.portable_path(calibration.source),
        "calibration_sha256": calibration.sha256,
        "calibration_text": calibration.text,
        "quick": calibration.quick,
        "base_scenario": {
            "name": calibration.base.name,
            "file": io.portable_path(calibration.base.source),
            "parameters": calibration.base.flat(),
        },
        "versions": {**io.package_versions(), "pyabc": metadata.version("pyabc")},
        "git_commit": io.git_commit(),
        "code_sha256": io.code_sha256(),
        "python": sys.version,
        "platform": platform.platform(),
        "executor": executor,
        "command": io.portable_command(sys.argv),
        "started": (previous or {}).get("started", started),
        "resumed": [*(previous or {}).get("resumed", []), *([started] if previous else [])],
        "finished": None,
        "status": "running",
    }


def run_calibration(
    calibration: Calibration,
    out: str | Path | None = None,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    resume: bool = False,
    progress: bool = True,
) -> Path:
    """Run (or resume) ``calibration`` with its particles simulated where ``workers`` /
    ``scheduler`` say (default: all local cores); returns the results folder."""
    from sim.calibrate.sampler import make_map
    from sim.sweep.lock import FolderLock
    from sim.sweep.runner import check_execution, terminate_as_interrupt

    require_pyabc()
    check_execution(workers, scheduler)
    folder = Path(out) if out else default_out(calibration)
    if folder.exists() and not folder.is_dir():
        raise ScenarioError(f"{folder}: exists and is not a folder; choose another --out")
    io.check_writable(folder)
    with terminate_as_interrupt(), FolderLock(folder) as lock:
        if lock.note:
            print(f"kerjasama: {lock.note}", file=sys.stderr)
        previous = _check_folder(folder, calibration, resume)
        mapper = make_map(workers, scheduler)
        try:
            manifest = _manifest(calibration, mapper.name, io.now().isoformat(timespec="seconds"), previous)
            io.write_json(folder / "manifest.json", manifest)
            status = _generations(calibration, folder, mapper, progress)
        finally:
            mapper.close()
        manifest.update(write_results(calibration, folder))
        manifest.update(finished=io.now().isoformat(timespec="seconds"), status=status)
        io.write_json(folder / "manifest.json", manifest)
    return folder


def _db(folder: Path) -> str:
    return "sqlite:///" + str((folder / HISTORY).resolve())


def _history(folder: Path):
    """pyabc's ``History`` of ``history.db``; None when the folder holds no usable run of ours (none
    yet, or one killed before pyabc had stored its first record: it is then started afresh)."""
    from pyabc import History

    if not (folder / HISTORY).exists():
        return None
    history = History(_db(folder), _id=ABC_ID)
    try:
        usable = bool(history.all_runs()) and history.max_t is not None
    except Exception:  # SQLAlchemy: no tables yet
        usable = False
    if not usable:
        (folder / HISTORY).unlink()
    return history if usable else None


def _generations(calibration: Calibration, folder: Path, mapper, progress: bool) -> str:
    """Run generations until a stopping rule holds; the calibration's status."""
    from sim.calibrate import smc
    from sim.calibrate.sampler import main_state, seeded_globals

    sampler = smc.DeterministicSampler(mapper, calibration.seed)
    history = _history(folder)
    if progress and history is not None and history.max_t >= 0:
        print(
            f"[calibrate] resuming after generation {history.max_t + 1} (stored in {folder / HISTORY})", file=sys.stderr
        )
    while True:
        if history is not None and (reason := _stop_reason(calibration, history)):
            return reason
        abc = smc.build_abc(calibration, sampler)
        if history is None:
            abc.new(_db(folder), smc.observed(calibration))
        else:
            abc.load(_db(folder), ABC_ID)
        t = abc.history.max_t + 1
        started = time.monotonic()
        with seeded_globals(main_state(calibration.seed, t)):
            abc.run(max_nr_populations=1, min_acceptance_rate=calibration.min_acceptance_rate)
        history = abc.history
        if history.max_t < t:
            return f"stopped in generation {t + 1}: its acceptance rate fell below min_acceptance_rate"
        if progress:
            print(_progress_line(calibration, history, t, time.monotonic() - started), file=sys.stderr, flush=True)


def _stop_reason(calibration: Calibration, history) -> str | None:
    """Why no further generation is run (None: run one)."""
    stored = history.max_t + 1
    if calibration.generations is not None and stored >= calibration.generations:
        return "complete"
    if stored:
        epsilon = float(history.get_all_populations().set_index("t").loc[history.max_t, "epsilon"])
        if stored > 1 and epsilon <= calibration.min_epsilon:
            return "complete (minimum epsilon reached)"
    return None


def _progress_line(calibration: Calibration, history, t: int, seconds: float) -> str:
    row = history.get_all_populations().set_index("t").loc[t]
    total = f"/{calibration.generations}" if calibration.generations else ""
    rate = row["particles"] / row["samples"]
    return (
        f"[calibrate] generation {t + 1}{total}: epsilon {row['epsilon']:.4g}, {row['particles']} accepted of "
        f"{row['samples']} simulated ({rate:.0%}), {seconds:.1f} s"
    )


def tables(calibration: Calibration, folder: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every generation's weighted particles, and one row per generation, from ``history.db``."""
    import numpy as np
    from pyabc import History

    history = History(_db(folder), _id=ABC_ID)
    keys = [p.key for p in calibration.parameters]
    frames, rows = [], []
    populations = history.get_all_populations().set_index("t")
    for t in range(history.max_t + 1):
        found = history.get_population_extended(m=0, t=t).sort_values("particle_id", kind="stable")
        frame = pd.DataFrame({"generation": t, "particle": np.arange(len(found)), "weight": found["w"].to_numpy()})
        frame["weight"] /= frame["weight"].sum()
        for key in keys:
            frame[key] = found[f"par_{key}"].to_numpy()
        frame["distance"] = found["distance"].to_numpy()
        for s in calibration.statistics:
            frame[f"simulated.{s.name}"] = found[f"sumstat_{s.name}"].to_numpy(dtype=float)
        frames.append(frame)
        weights = frame["weight"].to_numpy()
        row = populations.loc[t]
        rows.append(
            {
                "generation": t,
                "epsilon": float(row["epsilon"]),
                "simulations": int(row["samples"]),
                "accepted": int(row["particles"]),
                "acceptance_rate": float(row["particles"] / row["samples"]),
                "effective_sample_size": float(weights.sum() ** 2 / (weights**2).sum()),
                "seconds": float(row["wall_time"]),
            }
        )
    return pd.concat(frames, ignore_index=True), pd.DataFrame(rows)


def intervals(calibration: Calibration, posterior: pd.DataFrame) -> dict[str, dict[str, float]]:
    """Per parameter: the prior's interval, the posterior's median and its 95 % and 50 % intervals."""
    from sim.calibrate.figures import weighted_quantiles

    out = {}
    weights = posterior["weight"].to_numpy()
    for p in calibration.parameters:
        q = weighted_quantiles(posterior[p.key].to_numpy(), weights, (0.025, 0.25, 0.5, 0.75, 0.975))
        out[p.key] = {"prior_low": p.low, "prior_high": p.high, "median": q[2], "low95": q[0], "high95": q[4]}
        out[p.key].update(low50=q[1], high50=q[3])
    return out


def write_results(calibration: Calibration, folder: Path) -> dict[str, Any]:
    """The tables and figures of the generations stored so far; what the manifest adds about them."""
    from sim.calibrate.figures import write_figures

    populations, generations = tables(calibration, folder)
    if generations.empty:
        return {"generations": [], "posterior": {}}
    last = int(generations["generation"].max())
    posterior = populations[populations["generation"] == last].drop(columns="generation").reset_index(drop=True)
    _atomic_parquet(posterior, folder / "posterior.parquet")
    _atomic_parquet(populations, folder / "populations.parquet")
    io.write_text(folder / "generations.csv", generations.to_csv(index=False))
    priors = {p.key: (p.low, p.high) for p in calibration.parameters}
    write_figures(posterior, generations, priors, folder / "figures")
    return {"generations": generations.to_dict(orient="records"), "posterior": intervals(calibration, posterior)}
