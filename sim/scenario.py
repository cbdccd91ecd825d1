"""Load, merge, override and validate scenario files.

A scenario is a TOML file in ``scenarios/``. ``scenarios/default.toml`` holds the
default of every parameter (one source of truth); any other scenario starts from
the scenario it ``extends`` (the default when it names none) and changes only what
it needs. This module knows which values are allowed (types and ranges) but holds
no default values itself.

Errors a person can fix are raised as :class:`ScenarioError` with one line that
names the file, the key path and what is allowed.
"""

from __future__ import annotations

import copy
import fnmatch
import math
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mesa.experimental.scenarios import Scenario

SCENARIO_DIR = Path(__file__).resolve().parent.parent / "scenarios"
DEFAULT_NAME = "default"
DOMAINS = ("agriculture", "services", "infrastructure")
RULES = ("conditional", "always_cooperate", "always_defect", "reinforcement", "imitate_best")
SHOCK_KINDS = ("drought", "flood", "fire", "price")
CLASSIC_MODEL = "spatial_game"  # scenarios/classic/*.toml: the classic games of sim/classic.py


class ScenarioError(ValueError):
    """A scenario, override or experiment input that cannot be used, with a one-line reason."""


@dataclass(frozen=True)
class Rule:
    """What a value may be: inclusive bounds, allowed choices, and whether it is money."""

    lo: float | None = None
    hi: float | None = None
    choices: tuple[str, ...] | None = None
    money: bool = False  # in currency units; divided by economy.poverty_line on load
    item_choices: tuple[str, ...] | None = None  # for lists of strings

    def describe(self) -> str:
        if self.choices:
            return "one of " + ", ".join(repr(c) for c in self.choices)
        if self.item_choices:
            return "a list drawn from " + ", ".join(repr(c) for c in self.item_choices)
        if self.lo is not None and self.hi is not None:
            return f"a number in [{self.lo:g}, {self.hi:g}]"
        if self.lo is not None:
            return f"a number >= {self.lo:g}"
        return "a finite number"


SHARE = Rule(0.0, 1.0)
POS = Rule(0.0, None)
MONEY = Rule(0.0, None, money=True)

# Allowed values, by key path. `*` stands for the name of a form or a service.
RULES_BY_KEY: dict[str, Rule] = {
    "model": Rule(choices=("villages",)),
    "run.steps": Rule(1, 100_000),
    "run.step_unit": Rule(choices=("year", "season")),
    "run.burn_in": Rule(0, 100_000),
    "economy.poverty_line": Rule(1e-12, None),
    "economy.save_rate": SHARE,
    "economy.subsistence": MONEY,
    "economy.food_line": MONEY,
    "economy.within_village_sd": Rule(0.0, 3.0),
    "landscape.n_villages": Rule(1, 10_000_000),
    "landscape.n_districts": Rule(1, 1_000_000),
    "landscape.reference_villages": Rule(0, 10_000_000),
    "landscape.area_km": Rule(1e-3, None),
    "landscape.district_spread_km": POS,
    "landscape.households_mean": Rule(1.0, None),
    "landscape.households_cv": Rule(0.0, 5.0),
    "landscape.land_per_household": Rule(1e-6, None),
    "landscape.land_cv": Rule(0.0, 5.0),
    "landscape.productivity_mean": Rule(1e-6, None, money=True),
    "landscape.productivity_cv": Rule(0.0, 5.0),
    "landscape.nonfarm_income": MONEY,
    "landscape.initial_wealth": MONEY,
    "landscape.initial_food_stock": MONEY,
    "landscape.expertise_mean": SHARE,
    "landscape.expertise_sd": Rule(0.0, 1.0),
    "landscape.budget_transfer": MONEY,
    "landscape.budget_per_household": MONEY,
    "behaviour.rule": Rule(choices=RULES),
    "behaviour.threshold_mean": SHARE,
    "behaviour.threshold_sd": Rule(0.0, 1.0),
    "behaviour.risk_aversion_mean": Rule(0.0, 20.0),
    "behaviour.learning_rate": Rule(1e-6, 1.0),
    "behaviour.temperature": Rule(1e-9, None, money=True),
    "behaviour.review_probability": SHARE,
    "behaviour.error_rate": Rule(0.0, 0.5),
    "behaviour.initial_trust": SHARE,
    "behaviour.initial_trust_sd": Rule(0.0, 1.0),
    "behaviour.trust_gain": SHARE,
    "behaviour.trust_loss": SHARE,
    "behaviour.rl_temperature": Rule(1e-9, None, money=True),
    "cooperation.forms": Rule(),  # checked against the defined forms
    "cooperation.domains": Rule(item_choices=DOMAINS),
    "cooperation.search_radius_km": POS,
    "cooperation.max_ties": Rule(1, 1000),
    "cooperation.search_cost": MONEY,
    "cooperation.amortisation_steps": Rule(1, 1000),
    "cooperation.collapse_steps": Rule(1, 1000),
    "cooperation.capacity.spill_rate": SHARE,
    "cooperation.capacity.self_learning": SHARE,
    "cooperation.innovation.base_rate": SHARE,
    "cooperation.innovation.diversity_rate": Rule(0.0, 100.0),
    "cooperation.innovation.productivity_gain": Rule(0.0, 1.0),
    "cooperation.identity.scale_steps": Rule(1e-6, None),
    "cooperation.identity.cost_discount": SHARE,
    "cooperation.identity.threshold_discount": SHARE,
    "forms.*.setup_cost": MONEY,
    "forms.*.running_cost": MONEY,
    "forms.*.enforcement": SHARE,
    "forms.*.fine": Rule(0.0, 100.0),
    "forms.*.sanction_trust_loss": SHARE,
    "forms.*.term": Rule(0, 100_000),
    "forms.*.exit_penalty": MONEY,
    "forms.*.trust_multiplier": Rule(0.0, 10.0),
    "forms.*.identity_rate": Rule(0.0, 100.0),
    "forms.*.domains": Rule(item_choices=DOMAINS),
    "forms.*.max_members": Rule(2, 10_000),
    "agriculture.alpha": Rule(0.0, 1.0),
    "agriculture.irrigation_bonus": Rule(0.0, 10.0),
    "agriculture.adaptation_max": SHARE,
    "agriculture.pool_share": SHARE,
    "agriculture.marketing_premium": Rule(0.0, 10.0),
    "agriculture.marketing_share": SHARE,
    "agriculture.food_store_share": SHARE,
    "agriculture.food_spoilage": SHARE,
    "services.coordination_overhead": Rule(0.0, 10.0),
    "services.cost_split": Rule(choices=("population", "equal")),
    "services.expertise_cost_saving": SHARE,
    "services.*.fixed_cost": MONEY,
    "services.*.cost_per_household": MONEY,
    "services.*.decay_km": Rule(1e-6, None),
    "services.*.utility_weight": Rule(0.0, 100.0),
    "services.*.fire_protection": SHARE,
    "infrastructure.build_cost": Rule(1e-9, None, money=True),
    "infrastructure.lifetime": Rule(1, 100_000),
    "infrastructure.upkeep": MONEY,
    "infrastructure.utility_weight": Rule(0.0, 100.0),
    "infrastructure.pledge_share": SHARE,
    "infrastructure.expertise_cost_saving": SHARE,
    "infrastructure.spillover_share": SHARE,
    "infrastructure.spillover_radius_km": POS,
    "shocks.drought.district_weight": SHARE,
    "shocks.drought.local_weight": SHARE,
    "shocks.drought.correlation_length_km": Rule(1e-6, None),
    "shocks.drought.threshold": Rule(-10.0, 10.0),
    "shocks.drought.severity": Rule(0.0, 10.0),
    "shocks.fire.probability": SHARE,
    "shocks.fire.damage": SHARE,
    "shocks.price.volatility": Rule(0.0, 3.0),
    "policy.subsidy_setup": SHARE,
    "policy.subsidy_running": SHARE,
    "policy.facilitator_radius": Rule(1.0, 100.0),
    "policy.facilitator_search_cost": SHARE,
    "policy.joint_budget_share": SHARE,
}

SCHEDULED_SHOCK_KEYS: dict[str, Rule] = {
    "kind": Rule(choices=SHOCK_KINDS),
    "step": Rule(1, 100_000),
    "duration": Rule(1, 100_000),
    "intensity": SHARE,
    "district": Rule(-1, 1_000_000),
}
# Tables whose sub-table names users may choose (a new form, a new service).
OPEN_TABLES = ("forms", "services")


def _rule_for(path: str) -> Rule | None:
    if path in RULES_BY_KEY:
        return RULES_BY_KEY[path]
    for pattern, rule in RULES_BY_KEY.items():
        if "*" in pattern and fnmatch.fnmatchcase(path, pattern):
            return rule
    return None


class LoadedScenario(Scenario):
    """A scenario file after loading and checking: Mesa's ``Scenario`` (carrying the
    run's ``rng``) with ``name``, ``source`` (the file), ``params`` (the checked
    parameter tree), ``raw`` (the merged tree before checking) and ``overrides``."""

    def get(self, path: str) -> Any:
        """The value at a dotted key path, e.g. ``"forms.formal.enforcement"``."""
        node: Any = self.params
        for part in path.split("."):
            node = node[int(part)] if isinstance(node, list) else node[part]
        return node

    def flat(self) -> dict[str, Any]:
        """All parameters as one flat ``{dotted.key: value}`` dict (for manifests)."""
        return flatten(self.params)

    def with_rng(self, rng: Any):
        """The same scenario carrying another ``rng`` (a fresh object, never shared)."""
        return type(self)(
            rng=rng,
            name=self.name,
            source=self.source,
            params=copy.deepcopy(self.params),
            raw=copy.deepcopy(self.raw),
            overrides=dict(self.overrides),
        )


class VillageScenario(LoadedScenario):
    """A loaded, validated village scenario; what ``model.scenario`` holds.

    It is Mesa's :class:`~mesa.experimental.scenarios.Scenario` (so it carries the
    run's ``rng`` and Mesa tools see one consistent object) with these parameters:

    * ``name``: the scenario's name; ``source``: the file it came from;
    * ``params``: the resolved parameter tree (nested dicts) after ``extends`` and
      overrides, all money in poverty-line units (each file's and each override's
      own currency converted with its ``economy.poverty_line``);
    * ``overrides``: the dotted overrides that were applied.
    """

    def without_scheduled_shocks(self) -> VillageScenario:
        """The counterfactual scenario: identical, but no scheduled shock."""
        twin = self.with_rng(self.rng)
        twin.params["shocks"]["scheduled"] = []
        twin.raw["shocks"]["scheduled"] = []
        return twin


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
    names = ", ".join(available_scenarios())
    raise ScenarioError(f"{text}: no such scenario file or name; available: {names}")


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


def merge_tables(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """Deep-merge ``extra`` onto ``base`` (tables merge, everything else replaces)."""
    out = copy.deepcopy(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge_tables(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _resolve_extends(path: Path, seen: tuple[Path, ...] = ()) -> dict[str, Any]:
    """The raw tree of ``path`` merged onto its parent chain (the default at the root)."""
    if path in seen:
        raise ScenarioError(f"{path}: extends: circular chain {' -> '.join(p.stem for p in seen)}")
    data = read_toml(path)
    if data.get("model") == CLASSIC_MODEL:
        raise ScenarioError(
            f"{path}: model: {CLASSIC_MODEL!r} is a classic-game scenario, not a village one; "
            "run it with `kerjasama run` or sim.classic.SpatialGame"
        )
    default_path = (SCENARIO_DIR / f"{DEFAULT_NAME}.toml").resolve()
    if path == default_path:
        return data  # the default is in poverty-line units
    parent_name = data.get("extends") or DEFAULT_NAME
    if not isinstance(parent_name, str):
        raise ScenarioError(f"{path}: extends: must be a scenario name (a string)")
    try:
        parent_path = scenario_path(parent_name)
    except ScenarioError:
        raise ScenarioError(f"{path}: extends: no scenario named {parent_name!r}") from None
    parent = _resolve_extends(parent_path, (*seen, path))
    line = data.get("economy", {}).get("poverty_line", parent["economy"]["poverty_line"])
    data = _in_poverty_lines(data, line, str(path))
    merged = merge_tables(parent, _prepare_open_tables(data, parent, path))
    return merged


def _in_poverty_lines(tree: dict[str, Any], line: Any, source: str) -> dict[str, Any]:
    """Money values written in a file's own currency, converted to poverty-line
    units (what the model uses). Inherited values are already converted, so a
    child file's currency applies to the values it writes, and only to those."""
    if not isinstance(line, (int, float)) or isinstance(line, bool) or not line > 0:
        raise ScenarioError(f"{source}: economy.poverty_line: must be a number > 0, got {line!r}")
    if line == 1.0:
        return tree
    tree = copy.deepcopy(tree)
    for path, value in flatten(tree).items():
        rule = _rule_for(path)
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
        if not isinstance(entries, dict):
            continue
        known = parent.get(table, {})
        for name, entry in entries.items():
            if not isinstance(entry, dict) or name in known:
                continue
            base_name = entry.get("based_on", "")
            if base_name:
                if base_name not in known or not isinstance(known[base_name], dict):
                    raise ScenarioError(
                        f"{path}: {table}.{name}.based_on: no {table[:-1]} named {base_name!r}; "
                        f"allowed: {', '.join(k for k, v in known.items() if isinstance(v, dict))}"
                    )
                entries[name] = merge_tables(known[base_name], entry)
    return data


def parse_value(text: str) -> Any:
    """Read a ``--set`` value as TOML (numbers, booleans, lists); bare words are strings."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def apply_override(tree: dict[str, Any], path: str, value: Any, source: str) -> None:
    """Set the dotted key ``path`` in ``tree``; the key must already exist there
    (or name a field of a new form/service built with ``based_on``)."""
    parts = path.split(".")
    node: Any = tree
    for depth, part in enumerate(parts[:-1]):
        where = ".".join(parts[: depth + 1])
        if isinstance(node, list):
            if not part.isdigit() or int(part) >= len(node):
                raise ScenarioError(f"{source}: {path}: index {part!r} out of range at {where}")
            node = node[int(part)]
        elif isinstance(node, dict) and part in node and isinstance(node[part], (dict, list)):
            node = node[part]
        else:
            raise ScenarioError(f"{source}: {path}: unknown key {where!r}")
    last = parts[-1]
    if isinstance(node, list):
        if not last.isdigit() or int(last) >= len(node):
            raise ScenarioError(f"{source}: {path}: index {last!r} out of range")
        node[int(last)] = value
        return
    if last not in node:
        if parts[:-1] == ["policy", "mandate"]:  # mandates name a domain of the caller's choice
            node[last] = value
            return
        raise ScenarioError(f"{source}: {path}: unknown key {last!r}")
    if isinstance(node[last], dict):
        raise ScenarioError(f"{source}: {path}: is a table; set one of its keys instead")
    node[last] = value


def load_scenario(
    scenario: str | Path | VillageScenario = DEFAULT_NAME,
    overrides: dict[str, Any] | None = None,
    rng: Any = None,
) -> VillageScenario:
    """Load a scenario by name, path, or from a loaded one, apply dotted overrides,
    validate everything, and return a :class:`VillageScenario`.

    ``overrides`` maps dotted key paths of the scenario file (``"forms.formal.enforcement"``)
    to values; the shortcuts ``n_villages`` and ``steps`` set ``landscape.n_villages``
    and ``run.steps``.
    """
    overrides = dict(overrides or {})
    if isinstance(scenario, VillageScenario):
        raw = copy.deepcopy(scenario.raw)
        source = scenario.source
        applied = dict(scenario.overrides)
    else:
        path = scenario_path(scenario)
        raw = _resolve_extends(path)
        source = str(path)
        applied = {}
    for key, value in overrides.items():
        target = {"n_villages": "landscape.n_villages", "steps": "run.steps"}.get(key, key)
        if value is None and key in ("n_villages", "steps"):
            continue
        rule = _rule_for(target)
        if rule is not None and rule.money and isinstance(value, (int, float)) and not isinstance(value, bool):
            value = value / raw["economy"]["poverty_line"]  # given in the scenario's currency
        apply_override(raw, target, value, "override")
        applied[target] = value
    try:
        params = validate(raw, source)
    except ScenarioError as exc:
        # name the override, not the file, when the bad value came from one
        text = str(exc)
        for key in applied:
            if text.startswith(f"{source}: {key}:"):
                raise ScenarioError("override: " + text[len(source) + 2 :]) from None
        if applied and text.startswith(f"{source}: "):  # a rule across keys, broken with overrides
            given = ", ".join(f"{k}={v!r}" for k, v in applied.items())
            raise ScenarioError(f"{text} (with overrides {given})") from None
        raise
    return VillageScenario(
        rng=rng,
        name=raw.get("name", Path(source).stem),
        source=source,
        params=params,
        raw=raw,
        overrides=applied,
    )


def _check_value(value: Any, default: Any, rule: Rule | None, where: str) -> Any:
    """Check one value against its default's type and its rule; return it (ints as
    ints, floats as floats)."""
    kind = type(default)
    if kind is bool:
        if not isinstance(value, bool):
            raise ScenarioError(f"{where}: must be true or false, got {value!r}")
        return value
    if kind in (int, float):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ScenarioError(f"{where}: must be a number, got {value!r}")
        if kind is int and not float(value).is_integer():
            raise ScenarioError(f"{where}: must be a whole number, got {value!r}")
        if not math.isfinite(value):
            raise ScenarioError(f"{where}: must be finite, got {value!r}")
        if rule is not None:
            if (rule.lo is not None and value < rule.lo) or (rule.hi is not None and value > rule.hi):
                raise ScenarioError(f"{where}: {value!r} is out of range; allowed: {rule.describe()}")
        return int(value) if kind is int else float(value)
    if kind is str:
        if not isinstance(value, str):
            raise ScenarioError(f"{where}: must be a string, got {value!r}")
        if rule is not None and rule.choices and value not in rule.choices:
            raise ScenarioError(f"{where}: {value!r} is not allowed; allowed: {rule.describe()}")
        return value
    if kind is list:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ScenarioError(f"{where}: must be a list of strings, got {value!r}")
        if rule is not None and rule.item_choices:
            bad = [v for v in value if v not in rule.item_choices]
            if bad:
                raise ScenarioError(f"{where}: {bad[0]!r} is not allowed; allowed: {rule.describe()}")
        if len(set(value)) != len(value):
            raise ScenarioError(f"{where}: has duplicates: {value!r}")
        return list(value)
    raise ScenarioError(f"{where}: unsupported value {value!r}")


def _check_table(data: Any, template: dict[str, Any], prefix: str, source: str, out: dict) -> None:
    """Check ``data`` against ``template`` (the default's table of the same kind)."""
    if not isinstance(data, dict):
        raise ScenarioError(f"{source}: {prefix.rstrip('.')}: must be a table")
    for key, value in data.items():
        path = f"{prefix}{key}"
        if key not in template:
            allowed = ", ".join(sorted(template))
            raise ScenarioError(f"{source}: {path}: unknown key; allowed: {allowed}")
        default = template[key]
        if isinstance(default, dict):
            if path == "policy.mandate":
                out[key] = _check_mandate(value, source)
                continue
            if path == "shocks.scheduled":
                raise ScenarioError(f"{source}: {path}: must be a list of tables")
            if prefix == "" and key in OPEN_TABLES:
                out[key] = _check_open_table(value, default, key, source)
                continue
            out[key] = {}
            _check_table(value, default, path + ".", source, out[key])
        elif path == "shocks.scheduled":
            out[key] = _check_scheduled(value, source)
        else:
            out[key] = _check_value(value, default, _rule_for(path), f"{source}: {path}")
    missing = [k for k in template if k not in data]
    if missing:
        raise ScenarioError(f"{source}: {prefix}{missing[0]}: missing (required key)")


def _check_open_table(data: Any, default: dict, table: str, source: str) -> dict:
    """Forms and services: every entry must have exactly the keys of the default's entries."""
    if not isinstance(data, dict):
        raise ScenarioError(f"{source}: {table}: must be a table")
    entry_template = next(v for v in default.values() if isinstance(v, dict))
    scalar_template = {k: v for k, v in default.items() if not isinstance(v, dict)}
    out: dict[str, Any] = {}
    for name, value in data.items():
        path = f"{table}.{name}"
        if name in scalar_template:
            out[name] = _check_value(value, scalar_template[name], _rule_for(path), f"{source}: {path}")
            continue
        if not isinstance(value, dict):
            raise ScenarioError(f"{source}: {path}: must be a table (a new {table[:-1]} needs all its keys)")
        out[name] = {}
        _check_table(value, entry_template, path + ".", source, out[name])
    for name in scalar_template:
        if name not in data:
            raise ScenarioError(f"{source}: {table}.{name}: missing (required key)")
    return out


def _check_mandate(data: Any, source: str) -> dict:
    if not isinstance(data, dict):
        raise ScenarioError(f'{source}: policy.mandate: must be a table of domain = "form"')
    for domain, form in data.items():
        if domain not in DOMAINS:
            raise ScenarioError(f"{source}: policy.mandate.{domain}: unknown domain; allowed: {', '.join(DOMAINS)}")
        if not isinstance(form, str):
            raise ScenarioError(f"{source}: policy.mandate.{domain}: must be a form name (a string)")
    return dict(data)


def _check_scheduled(data: Any, source: str) -> list[dict]:
    if not isinstance(data, list):
        raise ScenarioError(f"{source}: shocks.scheduled: must be a list of tables ([[shocks.scheduled]])")
    out = []
    for i, entry in enumerate(data):
        where = f"shocks.scheduled.{i}"
        if not isinstance(entry, dict):
            raise ScenarioError(f"{source}: {where}: must be a table")
        checked = {}
        template = {"kind": "", "step": 0, "duration": 0, "intensity": 0.0, "district": 0}
        for key, value in entry.items():
            if key not in SCHEDULED_SHOCK_KEYS:
                raise ScenarioError(f"{source}: {where}.{key}: unknown key; allowed: {', '.join(SCHEDULED_SHOCK_KEYS)}")
            checked[key] = _check_value(value, template[key], SCHEDULED_SHOCK_KEYS[key], f"{source}: {where}.{key}")
        for key in SCHEDULED_SHOCK_KEYS:
            if key not in checked:
                raise ScenarioError(f"{source}: {where}.{key}: missing (required key)")
        out.append(checked)
    return out


def _default_template() -> dict[str, Any]:
    return read_toml(SCENARIO_DIR / f"{DEFAULT_NAME}.toml")


def validate(raw: dict[str, Any], source: str) -> dict[str, Any]:
    """Check a merged scenario tree (money already in poverty-line units) against
    the default's shape and the rules above; return the checked parameter tree."""
    template = _default_template()
    template["shocks"]["scheduled"] = []  # a list of tables, checked on its own
    out: dict[str, Any] = {}
    _check_table(raw, template, "", source, out)
    forms = out["forms"]
    for name in out["cooperation"]["forms"]:
        if name not in forms:
            raise ScenarioError(f"{source}: cooperation.forms: unknown form {name!r}; defined: {', '.join(forms)}")
    for domain, form in out["policy"]["mandate"].items():
        if form not in forms:
            raise ScenarioError(
                f"{source}: policy.mandate.{domain}: unknown form {form!r}; defined: {', '.join(forms)}"
            )
    land = out["landscape"]
    reference = land["reference_villages"]
    if 0 < reference < land["n_villages"]:
        # more villages than the region was described for: a larger region of the same
        # kind (same density of villages, same number of villages per district)
        factor = land["n_villages"] / reference
        land["area_km"] = land["area_km"] * math.sqrt(factor)
        land["n_districts"] = max(1, round(land["n_districts"] * factor))
        land["reference_villages"] = land["n_villages"]
    drought = out["shocks"]["drought"]
    if drought["district_weight"] + drought["local_weight"] > 1.0 + 1e-12:
        raise ScenarioError(f"{source}: shocks.drought.local_weight: district_weight + local_weight must be <= 1")
    for i, event in enumerate(out["shocks"]["scheduled"]):
        if event["district"] >= out["landscape"]["n_districts"]:
            raise ScenarioError(
                f"{source}: shocks.scheduled.{i}.district: {event['district']} is not a district; "
                f"allowed: -1 (all) or 0 to {out['landscape']['n_districts'] - 1}"
            )
    if land["n_districts"] > land["n_villages"]:
        message = (
            f"{source}: landscape.n_districts: {land['n_districts']} must not exceed "
            f"landscape.n_villages ({land['n_villages']})"
        )
        if land["reference_villages"] > land["n_villages"]:  # a smaller run of a large region: say how to scale it
            factor = land["n_villages"] / land["reference_villages"]
            message += (
                f"; for this region at {land['n_villages']} villages, with its density and villages per district: "
                f"--set landscape.n_districts={max(1, round(land['n_districts'] * factor))} "
                f"--set landscape.area_km={land['area_km'] * math.sqrt(factor):.0f}"
            )
        raise ScenarioError(message)
    services = [k for k, v in out["services"].items() if isinstance(v, dict)]
    if not services:
        raise ScenarioError(f"{source}: services: define at least one service table")
    return out
