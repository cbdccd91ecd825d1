"""Check a merged scenario tree against a schema: every key known, types, ranges, choices.

:func:`check_value` checks one value against its :class:`Parameter`; :func:`check_flat_tree`
checks a tree of top-level keys and one level of tables against any flat schema (the
classic games'); :func:`validate` checks a village scenario against
``sim.scenario.schema`` (open tables of forms and services, scheduled shocks, mandates)
and the rules across its keys; :func:`check_own_keys` checks the keys one file of a chain
writes itself, in its own currency, so that an error names that file. Every error is one
line naming the file and the key; a mistyped key or name gets "did you mean".
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sim.scenario.parameter import Parameter, Rule, ScenarioError, did_you_mean, python_value
from sim.scenario.schema import DOMAINS, OPEN_TABLES, SCHEDULED_SHOCK_KEYS, default_tree, parameter


def check_value(value: Any, declared: Parameter, where: str, line: float = 1.0) -> Any:
    """Check one value against its declaration (type, bounds, choices); return it (ints as
    ints, floats as floats; a numpy number as the Python number). ``where`` starts the one-line
    error ("file: key.path").

    ``line`` is the poverty line of the currency ``value`` is written in: a money value is
    checked as ``value / line`` against the bounds (which are in poverty lines), and an error
    shows the value as written and the bounds in that currency."""
    return _check_typed(value, declared.kind, declared, where, line)


def _check_value(value: Any, default: Any, rule: Rule | Parameter | None, where: str) -> Any:
    """Check one value against its default's type and its rule (the older form of
    :func:`check_value`, kept for callers that have a default and a :class:`Rule`)."""
    return _check_typed(value, type(default), rule, where)


# Relative: a money value at a bound in its own currency may fall an ulp short of it in poverty lines.
MONEY_SLACK = 1e-12


def _in_currency(rule: Rule | Parameter, line: float) -> str:
    """What a money rule allows in a currency whose poverty line is ``line``: "a number >= 3e-08
    (1e-09 poverty lines at poverty_line 30)"; the rule's own words when the currency changes nothing."""
    lo, hi = rule.lo, rule.hi
    if not rule.money or line == 1.0 or not (lo or hi):
        return rule.describe()
    if lo is not None and hi is not None:
        scaled, own = f"a number in [{lo * line:.12g}, {hi * line:.12g}]", f"[{lo:g}, {hi:g}]"
    elif lo is not None:
        scaled, own = f"a number >= {lo * line:.12g}", f"{lo:g}"
    else:
        scaled, own = f"a number <= {hi * line:.12g}", f"<= {hi:g}"
    return f"{scaled} ({own} poverty lines at poverty_line {line:g})"


def _outside(value: float, rule: Rule | Parameter, line: float) -> bool:
    """Whether ``value`` breaks the bounds of ``rule``; a money value is compared in poverty lines
    (``value / line``), with a relative slack of MONEY_SLACK for the rounding of that division."""
    slack = MONEY_SLACK if rule.money else 0.0
    scaled = value / line if rule.money else value
    return (rule.lo is not None and scaled < rule.lo - abs(rule.lo) * slack) or (
        rule.hi is not None and scaled > rule.hi + abs(rule.hi) * slack
    )


def _check_typed(value: Any, kind: type, rule: Rule | Parameter | None, where: str, line: float = 1.0) -> Any:
    """Check one value against a type (bool, int, float, str, list of strings) and a rule
    (a money value written in a currency of poverty line ``line``: see :func:`check_value`).
    numpy's booleans, integers, floats and strings count as Python's (``np.int32(2)`` is the
    whole number 2, ``np.True_`` a boolean and never a number) and come back as Python's."""
    value = python_value(value)
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
            if _outside(value, rule, line):
                raise ScenarioError(f"{where}: {value!r} is out of range; allowed: {_in_currency(rule, line)}")
        return int(value) if kind is int else float(value)
    if kind is str:
        if not isinstance(value, str):
            raise ScenarioError(f"{where}: must be a string, got {value!r}")
        if rule is not None and rule.choices and value not in rule.choices:
            raise ScenarioError(
                f"{where}: {value!r} is not allowed; allowed: {rule.describe()}{did_you_mean(value, rule.choices)}"
            )
        return value
    if kind is list:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ScenarioError(f"{where}: must be a list of strings, got {value!r}")
        if rule is not None and rule.item_choices:
            bad = [v for v in value if v not in rule.item_choices]
            if bad:
                raise ScenarioError(
                    f"{where}: {bad[0]!r} is not allowed; allowed: {rule.describe()}"
                    f"{did_you_mean(bad[0], rule.item_choices)}"
                )
        if len(set(value)) != len(value):
            raise ScenarioError(f"{where}: has duplicates: {value!r}")
        return list(value)
    raise ScenarioError(f"{where}: unsupported value {value!r}")


def _tables(schema: Mapping[str, Parameter]) -> list[str]:
    """The tables of a flat schema (the first part of its dotted keys), sorted."""
    return sorted({key.split(".")[0] for key in schema if "." in key})


def unknown_key(path: str, source: str, schema: Mapping[str, Parameter]) -> ScenarioError:
    """The one-line error for a key a flat schema does not know, listing what is allowed there."""
    head, tables = path.split(".")[0], _tables(schema)
    if head in tables and "." in path:
        keys = [k for k in schema if k.startswith(head + ".")]
        hint = did_you_mean(path.split(".", 1)[1], [k.split(".", 1)[1] for k in keys], head + ".")
    elif "." in path:  # a mistyped table: "lattcie.size" -> "lattice.size"
        keys = [*(k for k in schema if "." not in k), *(f"[{t}]" for t in tables)]
        hint = did_you_mean(path, [f"{t}.{path.split('.', 1)[1]}" for t in tables])
    else:
        keys = [*(k for k in schema if "." not in k), *(f"[{t}]" for t in tables)]
        hint = did_you_mean(path, [*(k for k in schema if "." not in k), *tables])
    return ScenarioError(f"{source}: {path}: unknown key; allowed: {', '.join(keys)}{hint}")


def check_flat_tree(raw: dict[str, Any], schema: Mapping[str, Parameter], source: str) -> dict[str, Any]:
    """Check a tree of top-level keys and tables of keys (no deeper) against a flat ``schema``
    (``{"steps": Parameter, "game.b": Parameter, ...}``): every key known, every declared key
    present, each value of its kind and range; return the checked tree."""
    tables = _tables(schema)
    out: dict[str, Any] = {}
    for key, value in raw.items():
        if key in tables:
            if not isinstance(value, dict):
                raise ScenarioError(f"{source}: {key}: must be a table ([{key}])")
            out[key] = {}
            for sub, item in value.items():
                path = f"{key}.{sub}"
                if path not in schema:
                    raise unknown_key(path, source, schema)
                out[key][sub] = check_value(item, schema[path], f"{source}: {path}")
        elif key in schema:
            out[key] = check_value(value, schema[key], f"{source}: {key}")
        else:
            raise unknown_key(key, source, schema)
    for path in schema:
        node: Any = out
        for part in path.split("."):
            if not isinstance(node, dict) or part not in node:
                raise ScenarioError(f"{source}: {path}: missing (required key)")
            node = node[part]
    return out


# ----------------------------------------------------------------------------- village scenarios


@dataclass(frozen=True)
class _Reading:
    """How a village tree is checked: ``source`` names it in errors; ``whole`` (a merged tree)
    needs every required key, one file's own keys need not; ``line`` is the poverty line of the
    currency its money values are written in (1.0: poverty lines, as in a merged tree)."""

    source: str
    whole: bool = True
    line: float = 1.0


def _check_table(data: Any, template: dict[str, Any], prefix: str, reading: _Reading, out: dict) -> None:
    """Check ``data`` against ``template`` (the default's table of the same kind)."""
    source = reading.source
    if not isinstance(data, dict):
        raise ScenarioError(f"{source}: {prefix.rstrip('.')}: must be a table")
    for key, value in data.items():
        path = f"{prefix}{key}"
        if key not in template:
            allowed = ", ".join(sorted(template))
            raise ScenarioError(f"{source}: {path}: unknown key; allowed: {allowed}{did_you_mean(key, template)}")
        default = template[key]
        if isinstance(default, dict):
            if path == "policy.mandate":
                out[key] = _check_mandate(value, source)
                continue
            if path == "shocks.scheduled":
                raise ScenarioError(f"{source}: {path}: must be a list of tables")
            if prefix == "" and key in OPEN_TABLES:
                out[key] = _check_open_table(value, default, key, reading)
                continue
            out[key] = {}
            _check_table(value, default, path + ".", reading, out[key])
        elif path == "shocks.scheduled":
            out[key] = _check_scheduled(value, reading)
        else:
            out[key] = check_value(value, parameter(path), f"{source}: {path}", reading.line)
    missing = [k for k in template if k not in data]
    if missing and reading.whole:
        raise ScenarioError(f"{source}: {prefix}{missing[0]}: missing (required key)")


def _check_open_table(data: Any, default: dict, table: str, reading: _Reading) -> dict:
    """Forms and services: every entry must have exactly the keys of the default's entries."""
    source = reading.source
    if not isinstance(data, dict):
        raise ScenarioError(f"{source}: {table}: must be a table")
    entry_template = next(v for v in default.values() if isinstance(v, dict))
    scalar_template = {k: v for k, v in default.items() if not isinstance(v, dict)}
    out: dict[str, Any] = {}
    for name, value in data.items():
        path = f"{table}.{name}"
        if name in scalar_template:
            out[name] = check_value(value, parameter(path), f"{source}: {path}", reading.line)
            continue
        if not isinstance(value, dict) and name in default:
            raise ScenarioError(f"{source}: {path}: must be a table ([{path}])")
        if not isinstance(value, dict):
            keys = "".join(f"{key}, " for key in scalar_template)
            raise ScenarioError(
                f"{source}: {path}: unknown key; allowed: {keys}or a table [{path}] for a new {table[:-1]}"
                f"{did_you_mean(name, scalar_template)}"
            )
        if "based_on" in value and "based_on" not in entry_template:  # forms have it, services do not
            raise ScenarioError(
                f"{source}: {path}.based_on: no {table[:-1]} is based on another (unknown key; only a form "
                f"has based_on): give every key; allowed: {', '.join(sorted(entry_template))}"
            )
        out[name] = {}
        _check_table(value, entry_template, path + ".", reading, out[name])
    for name in scalar_template:
        if name not in data and reading.whole:
            raise ScenarioError(f"{source}: {table}.{name}: missing (required key)")
    return out


def _check_mandate(data: Any, source: str) -> dict:
    if not isinstance(data, dict):
        raise ScenarioError(f'{source}: policy.mandate: must be a table of domain = "form"')
    for domain, form in data.items():
        if domain not in DOMAINS:
            raise ScenarioError(
                f"{source}: policy.mandate.{domain}: unknown domain; allowed: {', '.join(DOMAINS)}"
                f"{did_you_mean(domain, DOMAINS)}"
            )
        if not isinstance(form, str):
            raise ScenarioError(f"{source}: policy.mandate.{domain}: must be a form name (a string)")
    return dict(data)


def _check_scheduled(data: Any, reading: _Reading) -> list[dict]:
    """The scheduled shocks: a list that a file writes whole (a file's list replaces its parent's),
    so each of its tables needs every key even in one file's own keys."""
    source = reading.source
    if not isinstance(data, list):
        raise ScenarioError(f"{source}: shocks.scheduled: must be a list of tables ([[shocks.scheduled]])")
    out = []
    for i, entry in enumerate(data):
        where = f"shocks.scheduled.{i}"
        if not isinstance(entry, dict):
            raise ScenarioError(f"{source}: {where}: must be a table")
        checked = {}
        for key, value in entry.items():
            if key not in SCHEDULED_SHOCK_KEYS:
                raise ScenarioError(
                    f"{source}: {where}.{key}: unknown key; allowed: {', '.join(SCHEDULED_SHOCK_KEYS)}"
                    f"{did_you_mean(key, SCHEDULED_SHOCK_KEYS)}"
                )
            checked[key] = check_value(value, SCHEDULED_SHOCK_KEYS[key], f"{source}: {where}.{key}", reading.line)
        for key in SCHEDULED_SHOCK_KEYS:
            if key not in checked:
                raise ScenarioError(f"{source}: {where}.{key}: missing (required key)")
        out.append(checked)
    return out


def _village_template() -> dict[str, Any]:
    template = default_tree()
    template["shocks"]["scheduled"] = []  # a list of tables, checked on its own
    return template


def check_own_keys(data: dict[str, Any], source: str, line: float, parent: dict[str, Any]) -> None:
    """Check the keys that one file of a chain writes itself (``data``, its tree as read, before
    ``extends``), on the merged tree of the files it extends (``parent``): every key known, each
    value of its kind, range and choices, money in the file's own currency (poverty line
    ``line``), and a new form or service (one ``parent`` lacks) with every key unless it is
    ``based_on`` another. Other keys come from its parents and rules across keys are left to
    :func:`validate` of the merged tree: an error here names this file, the one to fix."""
    template = _village_template()
    _check_table(data, template, "", _Reading(source, whole=False, line=line), {})
    for table in OPEN_TABLES:
        entry_template = next(v for v in template[table].values() if isinstance(v, dict))
        known = parent.get(table, {})
        for name, entry in data.get(table, {}).items():
            if not isinstance(entry, dict) or name in known or (entry.get("based_on") and "based_on" in entry_template):
                continue
            missing = [key for key in entry_template if key not in entry]
            if missing:
                raise ScenarioError(f"{source}: {table}.{name}.{missing[0]}: missing (required key)")


def validate(raw: dict[str, Any], source: str) -> dict[str, Any]:
    """Check a merged scenario tree (money already in poverty-line units) against
    the schema (the default's shape, types, ranges, choices) and the rules across keys;
    return the checked parameter tree."""
    out: dict[str, Any] = {}
    _check_table(raw, _village_template(), "", _Reading(source), out)
    _check_form_names(out, source)
    _grow_region(out["landscape"])
    _check_across_keys(out, source)
    return out


def _check_form_names(out: dict[str, Any], source: str) -> None:
    """The forms that cooperation allows and that mandates name must be defined; an
    enterprise form covers agriculture alone."""
    forms = out["forms"]
    for name in out["cooperation"]["forms"]:
        if name not in forms:
            raise ScenarioError(
                f"{source}: cooperation.forms: unknown form {name!r}; defined: {', '.join(forms)}"
                f"{did_you_mean(name, forms)}"
            )
    for name, form in forms.items():
        if isinstance(form, dict) and form.get("enterprise") and list(form["domains"]) != ["agriculture"]:
            raise ScenarioError(
                f"{source}: forms.{name}.domains: an enterprise (enterprise = true) runs joint marketing, so it "
                f'must cover agriculture alone: domains = ["agriculture"]'
            )
        if isinstance(form, dict) and form.get("trading_margin", 0.0) > out["agriculture"]["marketing_cost"]:
            raise ScenarioError(
                f"{source}: forms.{name}.trading_margin: {form['trading_margin']:g} exceeds "
                f"agriculture.marketing_cost ({out['agriculture']['marketing_cost']:g}): the margin is the part of the "
                "marketing costs members pay that the enterprise keeps"
            )
    for domain, form in out["policy"]["mandate"].items():
        if form not in forms:
            raise ScenarioError(
                f"{source}: policy.mandate.{domain}: unknown form {form!r}; defined: {', '.join(forms)}"
                f"{did_you_mean(form, forms)}"
            )


def _grow_region(land: dict[str, Any]) -> None:
    """More villages than the region was described for: a larger region of the same
    kind (same density of villages, same number of villages per district)."""
    reference = land["reference_villages"]
    if 0 < reference < land["n_villages"]:
        factor = land["n_villages"] / reference
        land["area_km"] = land["area_km"] * math.sqrt(factor)
        land["n_districts"] = max(1, round(land["n_districts"] * factor))
        land["reference_villages"] = land["n_villages"]


def _check_across_keys(out: dict[str, Any], source: str) -> None:
    """Rules that tie keys together: drought shares, districts of scheduled shocks,
    districts per village, at least one service."""
    land = out["landscape"]
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
