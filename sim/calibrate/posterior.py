"""Parameter sets drawn from a calibration's posterior (``kerjasama run --posterior FILE``, and a
sweep's ``posterior`` key: ``sim.sweep.design``).

A posterior table (``posterior.parquet`` of ``kerjasama calibrate``) holds weighted particles: a
``weight`` column and one column per free parameter, named by its dotted scenario key, in the
scenario file's own units. Drawing a particle in proportion to its weight, with a generator
seeded from the run's seed (``SeedSequence(seed, spawn_key=(DRAW,))``, a stream of its own), and
running the scenario with its values as overrides makes a set of runs with different seeds carry
the parameters' uncertainty as well as replicate noise. A sweep draws with the seed of each
replicate, so ``kerjasama run --seed S --posterior FILE`` draws the particle that the sweep's
replicate of seed S drew. Reading a table imports neither pyabc nor Mesa.
"""

from __future__ import annotations

import hashlib
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from sim.scenario import ScenarioError
from sim.scenario.schema import parameter

# The spawn key of the seed sequence that draws particles: outside the model's own purposes
# (sim.state.STREAM_*, 0-5, spawned from the same seed), so that the draw never shares a stream with
# the run it parameterises (it was 3 until 2026-12-03: the model's decisions stream, whose first
# number then also chose the particle). sim.calibrate.sampler's 0-2 key the calibration's seed.
DRAW = 1000
NOT_PARAMETERS = ("particle", "weight", "distance", "generation")


def read_posterior(path: str | Path, name: str = "--posterior") -> tuple[Path, list[str], np.ndarray, np.ndarray]:
    """``(file, parameter keys, values (particles x keys), normalised weights)`` of a posterior
    table, or of the ``posterior.parquet`` in a calibration's results folder; one-line errors,
    which open with ``name`` (the option or key that gave the path) and the path."""
    return _read(path, name)[:4]


def _read(path: str | Path, name: str) -> tuple[Path, list[str], np.ndarray, np.ndarray, np.ndarray]:
    """:func:`read_posterior`, and each particle's id (the table's ``particle`` column, else its row)."""
    import pandas as pd

    file = Path(path)
    if file.is_dir():
        file = file / "posterior.parquet"
    if not file.is_file():
        raise ScenarioError(f"{name} {path}: no such file (give a posterior.parquet of kerjasama calibrate)")
    try:
        table = pd.read_parquet(file)
    except Exception as exc:  # pyarrow raises several kinds for a file that is not Parquet
        raise ScenarioError(f"{name} {file}: not a readable Parquet file ({type(exc).__name__})") from None
    keys = [c for c in table.columns if c not in NOT_PARAMETERS and not c.startswith("simulated.")]
    unknown = [k for k in keys if parameter(k) is None]
    if "weight" not in table.columns or not keys or unknown or table.empty:
        why = (
            f"column {unknown[0]!r} is not a scenario parameter" if unknown else "needs a weight column and parameters"
        )
        raise ScenarioError(f"{name} {file}: not a posterior table of kerjasama calibrate ({why})")
    weights = table["weight"].to_numpy(dtype=float)
    values = table[keys].to_numpy(dtype=float)
    if not (np.all(weights >= 0) and weights.sum() > 0):
        raise ScenarioError(f"{name} {file}: weights must be >= 0 with a positive sum")
    if not np.isfinite(values).all():
        raise ScenarioError(f"{name} {file}: not a posterior table of kerjasama calibrate (a parameter is missing)")
    ids = table["particle"].to_numpy() if "particle" in table.columns else np.arange(len(table))
    return file, keys, values, weights / weights.sum(), ids


def pick(weights: np.ndarray, seed: int, n: int = 1) -> np.ndarray:
    """The rows of ``n`` particles drawn in proportion to ``weights`` (with replacement), with a
    generator of its own seeded by ``seed`` (``SeedSequence(seed, spawn_key=(DRAW,))``), never
    global state."""
    generator = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(DRAW,)))
    return generator.choice(len(weights), size=n, p=weights)


def draw(path: str | Path, seed: int, n: int = 1) -> list[tuple[int, dict[str, float]]]:
    """``n`` particles drawn in proportion to their weights (with replacement), seeded by ``seed``:
    each as (its row in the table, {parameter key: value})."""
    _, keys, values, weights = read_posterior(path)
    return [(int(row), _values(keys, values[row])) for row in pick(weights, seed, n)]


def _values(keys: list[str], row: np.ndarray) -> dict[str, float]:
    return {k: float(v) for k, v in zip(keys, row, strict=True)}


@dataclass(frozen=True)
class Posterior:
    """A posterior table read once, with where it came from: ``file`` (the table), ``keys`` (its
    parameters), ``values`` (particles x keys), ``weights`` (summing to 1), ``ids`` (each particle's
    id in the table), ``sha256`` (of the file's bytes) and ``calibration`` (what the calibration's
    ``manifest.json`` beside the table records: :func:`calibration_of`)."""

    file: Path
    keys: list[str]
    values: np.ndarray
    weights: np.ndarray
    ids: np.ndarray
    sha256: str
    calibration: dict[str, Any]

    @property
    def particles(self) -> int:
        return len(self.weights)

    def draw(self, seed: int) -> tuple[int, dict[str, float]]:
        """One particle drawn with ``seed`` as :func:`draw` draws it: (its id, {key: value})."""
        row = int(pick(self.weights, seed)[0])
        return int(self.ids[row]), _values(self.keys, self.values[row])


def load_posterior(path: str | Path, name: str = "--posterior") -> Posterior:
    """A posterior table and the calibration that made it (its ``manifest.json`` must lie beside
    it: without it nothing says which calibration, on which observations, the particles fit)."""
    file, keys, values, weights, ids = _read(path, name)
    return Posterior(
        file=file,
        keys=keys,
        values=values,
        weights=weights,
        ids=ids,
        sha256=hashlib.sha256(file.read_bytes()).hexdigest(),
        calibration=calibration_of(file, name),
    )


def calibration_of(file: Path, name: str = "--posterior") -> dict[str, Any]:
    """What the calibration that wrote the posterior table ``file`` records in its manifest beside
    it: its ``name``, calibration ``file`` and its ``sha256``, ``quick``, ``scenario``, and
    ``observations`` ("real", "synthetic", or None when its calibration file does not say)."""
    path = file.parent / "manifest.json"
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ScenarioError(
            f"{name} {file}: no manifest.json of kerjasama calibrate beside it (which calibration made it?)"
        ) from None
    except (OSError, ValueError) as exc:
        raise ScenarioError(f"{name} {path}: not a readable manifest ({type(exc).__name__})") from None
    settings = manifest.get("calibration") if isinstance(manifest, dict) else None
    if not isinstance(settings, dict) or manifest.get("kind") != "kerjasama calibration":
        raise ScenarioError(f"{name} {path}: not the manifest of kerjasama calibrate")
    return {
        "name": settings.get("name"),
        "file": manifest.get("calibration_file"),
        "sha256": manifest.get("calibration_sha256"),
        "quick": manifest.get("quick"),
        "scenario": settings.get("scenario"),
        "observations": settings.get("observations"),
        "git_commit": manifest.get("git_commit"),
        "finished": manifest.get("finished"),
    }


def posterior_overrides(path: str | Path, seed: int, overrides: dict[str, Any], quiet: bool = False) -> dict:
    """``overrides`` plus one parameter set drawn from the posterior at ``path`` (``--posterior``);
    a parameter also given with ``--set`` is an error (it would be both drawn and fixed)."""
    row, drawn = draw(path, seed)[0]
    clash = sorted(set(drawn) & set(overrides))
    if clash:
        raise ScenarioError(f"--set {clash[0]}: also drawn from --posterior {path}; give it one way")
    if not quiet:
        shown = ", ".join(f"{key} = {value:.4g}" for key, value in drawn.items())
        print(f"Drawn from the posterior (particle {row}, seed {seed}): {shown}", file=sys.stderr)
    return {**overrides, **drawn}
