"""Load, merge, override and validate scenario files.

A scenario is a TOML file in ``scenarios/``. ``scenarios/default.toml`` holds the
default of every parameter; any other scenario starts from the scenario it ``extends``
(the default when it names none) and changes only what it needs.

* ``schema``: every key declared once (default, unit, meaning, range, money): ``PARAMETERS``;
* ``load``: reading, ``extends``, money conversion, overrides, ``load_scenario``;
* ``validate``: checking a merged tree against the schema;
* ``files``: where scenario files live, reading one; ``parameter``: ``Parameter``, ``ScenarioError``.

Errors a person can fix are raised as :class:`ScenarioError` with one line that
names the file, the key path and what is allowed.
"""

from sim.lazy import lazy_exports
from sim.scenario.files import (
    CLASSIC_MODEL,
    DEFAULT_NAME,
    SCENARIO_DIR,
    available_scenarios,
    read_toml,
    scenario_path,
)
from sim.scenario.load import (
    VILLAGE_CHAIN,
    Chain,
    CheckedScenario,
    _in_poverty_lines,
    _prepare_open_tables,
    _resolve_extends,
    apply_override,
    blame_overrides,
    check_scenario,
    extended_file,
    flatten,
    is_loaded,
    load_scenario,
    merge_tables,
    parse_value,
    resolve_extends,
    set_declared,
    starting_tree,
)
from sim.scenario.parameter import Parameter, Rule, ScenarioError, ScenarioWarning
from sim.scenario.schema import (
    DOMAINS,
    OPEN_TABLES,
    PARAMETERS,
    RULES,
    RULES_BY_KEY,
    SCHEDULED_SHOCK_KEYS,
    SHOCK_KINDS,
    _rule_for,
    default_tree,
    markdown_table,
    parameter,
)
from sim.scenario.validate import _check_value, check_flat_tree, check_value, unknown_key, validate

# The loaded objects subclass Mesa's Scenario: imported on first use (see sim.scenario.loaded).
__getattr__ = lazy_exports(
    __name__, {"LoadedScenario": "sim.scenario.loaded", "VillageScenario": "sim.scenario.loaded"}
)

__all__ = [
    "CLASSIC_MODEL",
    "DEFAULT_NAME",
    "DOMAINS",
    "OPEN_TABLES",
    "PARAMETERS",
    "RULES",
    "RULES_BY_KEY",
    "SCENARIO_DIR",
    "SCHEDULED_SHOCK_KEYS",
    "SHOCK_KINDS",
    "VILLAGE_CHAIN",
    "apply_override",
    "available_scenarios",
    "blame_overrides",
    "Chain",
    "CheckedScenario",
    "check_flat_tree",
    "check_scenario",
    "check_value",
    "default_tree",
    "extended_file",
    "is_loaded",
    "flatten",
    "load_scenario",
    "LoadedScenario",
    "markdown_table",
    "merge_tables",
    "parameter",
    "Parameter",
    "parse_value",
    "read_toml",
    "resolve_extends",
    "Rule",
    "scenario_path",
    "ScenarioError",
    "ScenarioWarning",
    "set_declared",
    "starting_tree",
    "unknown_key",
    "validate",
    "VillageScenario",
    "_check_value",
    "_in_poverty_lines",
    "_prepare_open_tables",
    "_resolve_extends",
    "_rule_for",
]
