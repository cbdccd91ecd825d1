"""Where scenario and experiment files live, how one is read, and which kind a file is."""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sim.scenario.parameter import ScenarioError, did_you_mean

SCENARIO_DIR = Path(__file__).resolve().parent.parent.parent / "scenarios"
DEFAULT_NAME = "default"
CLASSIC_MODEL = "spatial_game"  # scenarios/classic/*.toml: the classic games of sim/classic
EXPERIMENT_DIR = SCENARIO_DIR.parent / "experiments"  # experiments/*.toml: what `kerjasama sweep` runs
CALIBRATION_DIR = SCENARIO_DIR.parent / "calibrations"  # calibrations/*.toml: what `kerjasama calibrate` runs


def scenario_path(name_or_path: str | Path) -> Path:
    """Resolve a scenario name (``"default"``) or a path to an existing file."""
    text = str(name_or_path)
    candidates = [Path(text)]
    if not text.endswith(".toml"):
        candidates.append(SCENARIO_DIR / f"{text}.toml")
    else:
        candidates.append(SCENARIO_DIR / text)
    for candidate in candidates:
        if candidate.is_file():
            return candidate.resolve()
    names = available_scenarios()
    raise ScenarioError(
        f"{text}: no such scenario file or name; available: {', '.join(names)}"
        f"{did_you_mean(text.removesuffix('.toml'), names)}"
    )


def available_scenarios(model: str | None = None) -> list[str]:
    """Names of the scenarios shipped in ``scenarios/``, then the classic games of
    ``scenarios/classic/`` as ``classic/NAME`` (``model = "spatial_game"``, run by
    ``sim/classic.py``). ``model`` keeps only the scenarios of that model ("villages"
    or "spatial_game")."""
    names = sorted(p.stem for p in SCENARIO_DIR.glob("*.toml"))
    names += sorted(f"classic/{p.stem}" for p in (SCENARIO_DIR / "classic").glob("*.toml"))
    if model is None:
        return names
    return [n for n in names if (n.startswith("classic/") == (model == CLASSIC_MODEL))]


def read_toml(path: Path) -> dict[str, Any]:
    """Parse a TOML file, turning any problem into a one-line ScenarioError."""
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ScenarioError(f"{path}: file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{path}: malformed TOML: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"{path}: cannot read: {exc}") from None


def experiment_path(name_or_path: str | Path) -> Path:
    """Resolve an experiment name (``"partnership_forms"``) or a path to an existing experiment file."""
    text = str(name_or_path)
    for candidate in (Path(text), EXPERIMENT_DIR / text, EXPERIMENT_DIR / f"{text}.toml"):
        if candidate.is_file():
            return candidate.resolve()
    names = sorted(p.stem for p in EXPERIMENT_DIR.glob("*.toml"))
    if text.removesuffix(".toml") in available_scenarios():
        raise ScenarioError(f"{text}: this is a scenario: use `kerjasama run {text}`; experiments: {', '.join(names)}")
    hint = did_you_mean(text.removesuffix(".toml"), names)
    raise ScenarioError(f"{text}: no such experiment file or name; available: {', '.join(names)}{hint}")


def is_classic_game(path: str) -> bool:
    """Whether the scenario file ``path`` is a classic game (``model = "spatial_game"``)."""
    return read_toml(Path(path)).get("model") == CLASSIC_MODEL


def refuse_scenario_file(data: dict[str, Any], path: Path, experiment_keys: Iterable[str]) -> None:
    """A scenario file (its tree ``data``) given where an experiment file belongs, one whose top-level
    keys are ``experiment_keys``: say which command runs it."""
    from sim.scenario.schema import default_tree

    scenario_keys = set(default_tree()) - set(experiment_keys)
    own = set(data) - set(experiment_keys)
    if data.get("model") == CLASSIC_MODEL or (own and own <= scenario_keys and "design" not in data):
        raise ScenarioError(
            f"{path}: this is a scenario file: use `kerjasama run {path}` "
            "(`kerjasama sweep` runs an experiment file, see experiments/)"
        )
