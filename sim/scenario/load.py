"""Load a scenario: read its file, resolve ``extends``, convert money, apply overrides, check.

The first half is the machinery any model's scenarios use (the classic games too): a
merged tree from a chain of files (:func:`resolve_extends` with a :class:`Chain`),
dotted overrides (:func:`apply_override`, or :func:`set_declared` for a flat schema),
naming the override in an error (:func:`blame_overrides`). The second half loads village
scenarios (:func:`load_scenario`). The loaded objects (Mesa's ``Scenario``) live in
``sim.scenario.loaded``, imported only once a file has passed every check, so that reading,
checking and every one-line error never pay for importing Mesa.
"""

from __future__ import annotations

import copy
import sys
import tomllib
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.scenario.files import CLASSIC_MODEL, DEFAULT_NAME, SCENARIO_DIR, available_scenarios, read_toml, scenario_path
from sim.scenario.parameter import Parameter, ScenarioError, ScenarioWarning, did_you_mean, python_value
from sim.scenario.schema import OPEN_TABLES, PARAMETERS, parameter
from sim.scenario.validate import check_own_keys, check_value, unknown_key, validate

if TYPE_CHECKING:
    from sim.scenario.loaded import VillageScenario

# ----------------------------------------------------------------------------- any model's scenarios


def flatten(tree: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested dicts to ``{dotted.path: value}`` (lists are kept as values)."""
    out: dict[str, Any] = {}
    for key, value in tree.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(flatten(value, path + "."))
        else:
            out[path] = value
    return out


def merge_tables(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """Deep-merge ``extra`` onto ``base`` (tables merge, everything else replaces)."""
    out = copy.deepcopy(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge_tables(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _merged(parent: dict[str, Any], data: dict[str, Any], path: Path) -> dict[str, Any]:
    return merge_tables(parent, data)


@dataclass(frozen=True)
class Chain:
    """How the scenario files of one model extend each other.

    Attributes:
        parent: checks one file's own tree and names the file it extends (None: the file
            is a root of the chain); raises a one-line ScenarioError for a bad file.
        combine: the tree of a file put on top of the merged tree of its parent
            (default: :func:`merge_tables`).
        cycle_names_repeat: a circular chain's message ends with the repeated file too.
    """

    parent: Callable[[Path, dict[str, Any]], Path | None]
    combine: Callable[[dict[str, Any], dict[str, Any], Path], dict[str, Any]] = _merged
    cycle_names_repeat: bool = False


def resolve_extends(path: Path, chain: Chain, seen: tuple[Path, ...] = ()) -> dict[str, Any]:
    """The raw tree of the file ``path`` merged onto the chain of files it extends."""
    if path in seen:
        shown = (*seen, path) if chain.cycle_names_repeat else seen
        raise ScenarioError(f"{path}: extends: circular chain {' -> '.join(p.stem for p in shown)}")
    data = read_toml(path)
    parent = chain.parent(path, data)
    if parent is None:
        return data
    return chain.combine(resolve_extends(parent, chain, (*seen, path)), data, path)


def extended_file(path: Path, name: Any) -> Path:
    """The file that the ``extends = name`` of the file ``path`` names: ``name`` (``.toml``
    optional) beside ``path`` first, then in the scenarios folder; never relative to the current
    directory, so a file means the same wherever it is run from (an absolute path is itself)."""
    if not isinstance(name, str) or not name.strip():
        raise ScenarioError(f"{path}: extends: must be a scenario name or a path to a .toml file (a non-empty string)")
    text = name if name.endswith(".toml") else f"{name}.toml"
    for candidate in (Path(path).parent / text, SCENARIO_DIR / text):
        if candidate.is_file():
            return candidate.resolve()
    hint = did_you_mean(name.removesuffix(".toml"), available_scenarios())
    raise ScenarioError(
        f"{path}: extends: no scenario named {name!r}{hint} (looked beside this file, then in the scenarios "
        "folder; never in the current directory)"
    )


def is_loaded(scenario: Any, loaded: str) -> bool:
    """Whether ``scenario`` is an instance of ``loaded`` ("module:Class"), without importing
    that module: before it is imported no instance of it can exist."""
    module, name = loaded.split(":")
    return module in sys.modules and isinstance(scenario, getattr(sys.modules[module], name))


def starting_tree(scenario: Any, loaded: str, chain: Chain) -> tuple[dict, str, dict]:
    """``(raw tree, source, overrides already applied)`` of a scenario given by name, by
    path, or as a scenario of the class ``loaded`` ("module:Class"; its overrides then stay applied)."""
    if is_loaded(scenario, loaded):
        return copy.deepcopy(scenario.raw), scenario.source, dict(scenario.overrides)
    path = scenario_path(scenario)
    return resolve_extends(path, chain), str(path), {}


def blame_overrides(
    error: ScenarioError, source: str, applied: Mapping[str, Any], across_keys: bool = True
) -> ScenarioError:
    """The error to show for ``error``, raised while checking ``source`` with the overrides
    ``applied``: it names the override, not the file, when the bad value came from one; with
    ``across_keys``, a rule across keys broken with overrides lists them. Else ``error``."""
    text = str(error)
    for key in applied:
        if text.startswith(f"{source}: {key}:"):
            return ScenarioError("override: " + text[len(source) + 2 :])
    if across_keys and applied and text.startswith(f"{source}: "):
        given = ", ".join(f"{k}={v!r}" for k, v in applied.items())
        return ScenarioError(f"{text} (with overrides {given})")
    return error


def parse_value(text: str) -> Any:
    """Read a ``--set`` value as TOML (numbers, booleans, lists); bare words are strings."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def apply_override(tree: dict[str, Any], path: str, value: Any, source: str) -> None:
    """Set the dotted key ``path`` in ``tree``; the key must already exist there
    (or name a field of a new form/service built with ``based_on``). A part that is a digit
    indexes a list (``shocks.scheduled.0.step``)."""
    parts = path.split(".")
    node: Any = tree
    for depth, part in enumerate(parts):
        where = ".".join(parts[: depth + 1])
        last = depth == len(parts) - 1
        if isinstance(node, list):
            if not part.isdigit() or int(part) >= len(node):
                at = "" if last else f" at {where}"
                allowed = f"0 to {len(node) - 1}" if len(node) > 1 else ("0" if node else "none, the list is empty")
                raise ScenarioError(f"{source}: {path}: index {part!r} out of range{at}; allowed: {allowed}")
            if last:
                node[int(part)] = value
                return
        elif part not in node:
            if last and parts[:-1] == ["policy", "mandate"]:  # mandates name a domain of the caller's choice
                node[part] = value
                return
            if last:
                raise ScenarioError(
                    f"{source}: {path}: unknown key {part!r}; allowed: {', '.join(node)}{did_you_mean(part, node)}"
                )
            tables = [key for key, item in node.items() if isinstance(item, (dict, list))]
            allowed = ", ".join(tables) or (f"{', '.join(node)} (values, with no sub-keys)" if node else "none")
            raise ScenarioError(
                f"{source}: {path}: unknown key {where!r}; allowed there: {allowed}{did_you_mean(part, tables or node)}"
            )
        elif last:
            if isinstance(node[part], dict):
                raise ScenarioError(f"{source}: {path}: is a table; set one of its keys instead")
            node[part] = value
            return
        node = node[int(part)] if isinstance(node, list) else node[part]
        if not isinstance(node, (dict, list)):
            raise ScenarioError(
                f"{source}: {path}: {where} is a value, not a table (it has no sub-keys); set {where} itself"
            )


def set_declared(tree: dict[str, Any], path: str, value: Any, source: str, schema: Mapping[str, Parameter]) -> None:
    """Set the dotted key ``path`` in ``tree`` if a flat ``schema`` (top-level keys and keys
    one table deep) declares it; else a one-line error listing what is allowed."""
    if path not in schema:
        if path in {key.split(".")[0] for key in schema if "." in key}:
            raise ScenarioError(f"{source}: {path}: is a table; set one of its keys instead")
        raise unknown_key(path, source, schema)
    parts = path.split(".")
    node = tree
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = python_value(value)  # a numpy number as Python's (see python_value)


# ----------------------------------------------------------------------------- village scenarios


VILLAGE_SCENARIO = "sim.scenario.loaded:VillageScenario"
# files of another kind, told by the top-level keys every one of them has and no scenario file has:
# (those keys, what the file is, the command that runs it)
OTHER_FILES = (
    ({"scenario", "design"}, "an experiment file", "sweep"),
    ({"scenario", "parameters", "statistics"}, "a calibration file", "calibrate"),
)


def _village_parent(path: Path, data: dict[str, Any]) -> Path | None:
    """A village file's parent: the file it extends, the default when it names none."""
    if data.get("model") == CLASSIC_MODEL:
        raise ScenarioError(
            f"{path}: model: {CLASSIC_MODEL!r} is a classic-game scenario, not a village one; "
            "run it with `kerjasama run` or sim.classic.SpatialGame"
        )
    for keys, kind, command in OTHER_FILES:
        if keys <= set(data):
            raise ScenarioError(f"{path}: this is {kind}: use `kerjasama {command} {path}`")
    if path == (SCENARIO_DIR / f"{DEFAULT_NAME}.toml").resolve():
        return None  # the root; the default is in poverty-line units
    name = data.get("extends") or DEFAULT_NAME
    parent = extended_file(path, name)
    if read_toml(parent).get("model") == CLASSIC_MODEL:
        raise ScenarioError(
            f"{path}: extends: {name!r} is a classic game (model = {CLASSIC_MODEL!r}); to run this file as one, "
            f"put model = {CLASSIC_MODEL!r} at its top (and only classic-game keys in it)"
        )
    return parent


def _village_combine(parent: dict[str, Any], data: dict[str, Any], path: Path) -> dict[str, Any]:
    """A village file on its parent: its own keys checked (in its own currency, so an error names
    this file and the value as written), its money in poverty lines, its new forms and services
    filled, and its own name (a file without ``name`` is named after itself, never after its parent)."""
    economy = data.get("economy")
    line = parent["economy"]["poverty_line"]
    if isinstance(economy, dict):
        line = economy.get("poverty_line", line)
    _check_line(line, str(path))
    check_own_keys(data, str(path), line, parent)
    data = _in_poverty_lines(data, line, str(path))
    merged = merge_tables(parent, _prepare_open_tables(data, parent, path))
    merged["name"] = data.get("name", Path(path).stem)
    return merged


VILLAGE_CHAIN = Chain(_village_parent, _village_combine)


def _resolve_extends(path: Path, seen: tuple[Path, ...] = ()) -> dict[str, Any]:
    """The raw tree of ``path`` merged onto its parent chain (the default at the root)."""
    return resolve_extends(path, VILLAGE_CHAIN, seen)


def _check_line(line: Any, source: str) -> None:
    """A file's poverty line, which its money values are divided by, must be a number > 0."""
    if not isinstance(line, (int, float)) or isinstance(line, bool) or not line > 0:
        raise ScenarioError(f"{source}: economy.poverty_line: must be a number > 0, got {line!r}")


def _in_poverty_lines(tree: dict[str, Any], line: Any, source: str) -> dict[str, Any]:
    """Money values written in a file's own currency, converted to poverty-line
    units (what the model uses). Inherited values are already converted, so a
    child file's currency applies to the values it writes, and only to those."""
    _check_line(line, source)
    if line == 1.0:
        return tree
    tree = copy.deepcopy(tree)
    for path, value in flatten(tree).items():
        rule = parameter(path)
        if rule is not None and rule.money and isinstance(value, (int, float)) and not isinstance(value, bool):
            node = tree
            parts = path.split(".")
            for part in parts[:-1]:
                node = node[part]
            node[parts[-1]] = value / line
    return tree


def _prepare_open_tables(data: dict[str, Any], parent: dict[str, Any], path: Path) -> dict[str, Any]:
    """Fill new forms/services from their ``based_on`` entry before merging."""
    data = copy.deepcopy(data)
    for table in OPEN_TABLES:
        entries = data.get(table)
        if not isinstance(entries, dict) or f"{table}.*.based_on" not in PARAMETERS:
            continue  # only tables whose entries declare based_on (forms; a service has none)
        known = parent.get(table, {})
        for name, entry in entries.items():
            if not isinstance(entry, dict) or name in known:
                continue
            base_name = entry.get("based_on", "")
            if base_name:
                bases = [k for k, v in known.items() if isinstance(v, dict)]
                if base_name not in bases:
                    raise ScenarioError(
                        f"{path}: {table}.{name}.based_on: no {table[:-1]} named {base_name!r}; "
                        f"allowed: {', '.join(bases)}{did_you_mean(base_name, bases)}"
                    )
                entries[name] = merge_tables(known[base_name], entry)
    return data


SHORTCUTS = {"n_villages": "landscape.n_villages", "steps": "run.steps"}  # short names of two overrides


def _parents_first(overrides: dict[str, Any]) -> list[tuple[str, Any]]:
    """The overrides in the order they are applied: fewer key parts first, so a key comes before
    every key that extends it (``shocks.scheduled`` before ``shocks.scheduled.0.step``), and a
    shortcut after its full key; otherwise as given (such keys set different values)."""
    return sorted(
        overrides.items(), key=lambda item: (SHORTCUTS.get(item[0], item[0]).count("."), item[0] in SHORTCUTS)
    )


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _overrides_in_poverty_lines(raw: dict[str, Any], money: dict[str, float], applied: dict[str, Any]) -> None:
    """Money overrides, given in the scenario's currency, converted with its final poverty line
    (after every override), so the result never depends on the order of the overrides."""
    if not money:
        return
    declared = parameter("economy.poverty_line")
    line = check_value(raw["economy"]["poverty_line"], declared, "override: economy.poverty_line")
    for target, value in money.items():
        check_value(value, parameter(target), f"override: {target}", line)  # in the currency it is given in
        apply_override(raw, target, value / line, "override")
        applied[target] = value / line


def _check_horizon(params: dict[str, Any], source: str, cut_by_override: bool) -> None:
    """A scheduled shock after the last step never happens: an error when the file sets that
    horizon itself, a warning when an override (``--steps``, an experiment's ``steps``) cut it."""
    steps = params["run"]["steps"]
    late = [(i, e["step"]) for i, e in enumerate(params["shocks"]["scheduled"]) if e["step"] > steps]
    if not late:
        return
    i, step = late[0]
    where = f"shocks.scheduled.{i}.step: {step} is after the last step ({steps})"
    if cut_by_override:
        warnings.warn(
            f"{source}: {where}, which an override set (--steps, --set run.steps, an experiment's steps); "
            "that shock will not happen",
            ScenarioWarning,
            2,
        )
        return
    raise ScenarioError(
        f"{source}: {where}; a shock after the horizon never happens: move it, or raise run.steps "
        "(shocks.scheduled = [] removes every scheduled shock)"
    )


@dataclass
class CheckedScenario:
    """A village scenario after loading and checking, without Mesa: what checking a file or an
    experiment, a sweep's manifest and its workers' instructions need (``load_scenario`` makes
    Mesa's ``Scenario`` of it, for a model). ``name``; ``source`` (the file); ``params`` (the
    checked parameter tree); ``raw`` (the merged tree before checking); ``overrides`` (applied)."""

    name: str
    source: str
    params: dict[str, Any]
    raw: dict[str, Any]
    overrides: dict[str, Any]

    def get(self, path: str) -> Any:
        """The value at a dotted key path, e.g. ``"forms.formal.enforcement"``."""
        return value_at(self.params, path)

    def flat(self) -> dict[str, Any]:
        """All parameters as one flat ``{dotted.key: value}`` dict (for manifests)."""
        return flatten(self.params)


def value_at(tree: Any, path: str) -> Any:
    """The value at a dotted key path of a parameter tree (list items by index: ``shocks.scheduled.0.step``)."""
    node = tree
    for part in path.split("."):
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


def load_scenario(
    scenario: str | Path | VillageScenario | CheckedScenario = DEFAULT_NAME,
    overrides: dict[str, Any] | None = None,
    rng: Any = None,
) -> VillageScenario:
    """A :class:`VillageScenario` (Mesa's ``Scenario``, carrying ``rng``) of :func:`check_scenario`'s result."""
    checked = check_scenario(scenario, overrides)
    from sim.scenario.loaded import VillageScenario  # Mesa, once the file is known to be good

    return VillageScenario(
        rng=python_value(rng),
        name=checked.name,
        source=checked.source,
        params=checked.params,
        raw=checked.raw,
        overrides=checked.overrides,
    )


def check_scenario(
    scenario: str | Path | VillageScenario | CheckedScenario = DEFAULT_NAME,
    overrides: dict[str, Any] | None = None,
) -> CheckedScenario:
    """Load a scenario by name, path, or from a loaded or checked one, apply dotted overrides,
    and validate everything (without importing Mesa).

    ``overrides`` maps dotted key paths of the scenario file (``"forms.formal.enforcement"``)
    to values; the shortcuts ``n_villages`` and ``steps`` set ``landscape.n_villages``
    and ``run.steps``. Money overrides are in the scenario's own currency. A value may be a
    numpy number (``np.int64(20)``, as ``mesa.batch_run`` passes the items of an array): it is
    checked and kept as the Python number of the same value, and so is a numpy integer ``rng``.

    Overrides are applied parents before children, whatever the order given: a key before any
    key that extends it with ``.index`` or ``.subkey`` (``shocks.scheduled`` before
    ``shocks.scheduled.0.step``, which then sets a step of the list just given), and a shortcut
    after the key it stands for (``steps`` wins over ``run.steps``). Keys that neither extend nor
    repeat each other set different values, so the outcome is the same in every order. The
    caller's ``overrides`` (and any list or table in it) are never changed.
    """
    if isinstance(scenario, CheckedScenario):
        raw, source, applied = copy.deepcopy(scenario.raw), scenario.source, dict(scenario.overrides)
    else:
        raw, source, applied = starting_tree(scenario, VILLAGE_SCENARIO, VILLAGE_CHAIN)
    money: dict[str, float] = {}  # money overrides, in the scenario's currency until every override is set
    # numpy numbers as Python's before anything keeps them (raw tree, overrides: manifests, hashes)
    for key, value in _parents_first(python_value(copy.deepcopy(dict(overrides or {})))):
        target = SHORTCUTS.get(key, key)
        if value is None and key in SHORTCUTS:
            continue
        if target in ("extends", "model"):
            raise ScenarioError(f"override: {target}: a file's own choice; write a scenario file that sets it")
        apply_override(raw, target, value, "override")
        applied[target] = copy.deepcopy(value)  # as given, whatever a later (child) override sets in it
        declared = parameter(target)
        if declared is not None and declared.money and _is_number(value):
            money[target] = value
    _overrides_in_poverty_lines(raw, money, applied)
    try:
        params = validate(raw, source)
    except ScenarioError as exc:
        shown = blame_overrides(exc, source, applied)
        if shown is exc:
            raise
        raise shown from None
    if not _is_village_scenario(scenario) or overrides:  # a loaded scenario was checked when it was loaded
        _check_horizon(params, source, cut_by_override="run.steps" in applied)
    return CheckedScenario(
        name=raw.get("name", Path(source).stem), source=source, params=params, raw=raw, overrides=applied
    )


def _is_village_scenario(scenario: Any) -> bool:
    """Whether ``scenario`` was loaded or checked already (its tree and overrides are then kept)."""
    return isinstance(scenario, CheckedScenario) or is_loaded(scenario, VILLAGE_SCENARIO)
