"""Load, merge, override and validate scenario files.

A scenario is a TOML file in ``scenarios/``. ``scenarios/default.toml`` holds the
default of every parameter; any other scenario starts from the scenario it ``extends``
(the default when it names none) and changes only what it needs.

Errors a person can fix are raised as :class:`ScenarioError` with one line that
names the file, the key path and what is allowed.
"""

from sim.scenario.files import (
    CLASSIC_MODEL,
    DEFAULT_NAME,
    SCENARIO_DIR,
    available_scenarios,
    read_toml,
    scenario_path,
)
from sim.scenario.load import (
    LoadedScenario,
    VillageScenario,
    _in_poverty_lines,
    _prepare_open_tables,
    _resolve_extends,
    apply_override,
    flatten,
    load_scenario,
    merge_tables,
    parse_value,
)
from sim.scenario.parameter import Rule, ScenarioError
from sim.scenario.schema import (
    DOMAINS,
    MONEY,
    OPEN_TABLES,
    POS,
    RULES,
    RULES_BY_KEY,
    SCHEDULED_SHOCK_KEYS,
    SHARE,
    SHOCK_KINDS,
    _rule_for,
)
from sim.scenario.validate import _check_value, validate

__all__ = [
    "CLASSIC_MODEL",
    "DEFAULT_NAME",
    "DOMAINS",
    "MONEY",
    "OPEN_TABLES",
    "POS",
    "RULES",
    "RULES_BY_KEY",
    "SCENARIO_DIR",
    "SCHEDULED_SHOCK_KEYS",
    "SHARE",
    "SHOCK_KINDS",
    "LoadedScenario",
    "Rule",
    "ScenarioError",
    "VillageScenario",
    "_check_value",
    "_in_poverty_lines",
    "_prepare_open_tables",
    "_resolve_extends",
    "_rule_for",
    "apply_override",
    "available_scenarios",
    "flatten",
    "load_scenario",
    "merge_tables",
    "parse_value",
    "read_toml",
    "scenario_path",
    "validate",
]
