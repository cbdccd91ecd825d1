"""An independent corpus of malformed inputs (issue 16, "Hardening").

Built from the README ("Command line"), docs/experiments.md, the shipped scenario and
experiment files and ``sim/scenario/schema.py`` (not from tests/test_bad_inputs.py). The
promise under test: every malformed input gets ONE line on stderr naming the file (or
``override`` / the flag), the full key path and what is allowed; exit code 2; no traceback;
nothing written. Every case is one change away from a valid input, and the valid input is
checked too (``test_*_valid_baseline``), so a case fails for its one change only.

Commands run in this process (``sim.cli.main``); an exception escaping ``main`` is what a
user would see as a traceback. Each test runs in its own ``tmp_path`` with the current
directory inside it, and checks that nothing in ``tmp_path`` changed. Cases where the
program does not keep its promise are marked ``xfail(strict=True, reason="BUG: ...")``.

Not in the corpus: an empty scenario file, which is a valid scenario (it extends the default
and is named after itself, as the README says); an empty experiment file is (``sweep``).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import types
from dataclasses import dataclass
from pathlib import Path

import pytest

from sim.cli import main
from sim.scenario import load_scenario, parse_value

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
EXPERIMENTS = ROOT / "experiments"


# ----------------------------------------------------------------------------- harness


@dataclass
class Outcome:
    code: int | None
    out: str
    err: str
    escaped: BaseException | None  # an exception out of main: a traceback on the console


def invoke(argv: list[str], capsys) -> Outcome:
    """``kerjasama ARGV`` in this process."""
    capsys.readouterr()
    escaped = None
    try:
        code = main([str(a) for a in argv])
    except SystemExit as exc:  # argparse: exit(2, message)
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except Exception as exc:  # anything else would be a traceback
        code, escaped = None, exc
    captured = capsys.readouterr()
    return Outcome(code, captured.out, captured.err, escaped)


def snapshot(root: Path) -> dict[str, tuple]:
    """Every file and folder under ``root``: files with size and modification time."""
    seen: dict[str, tuple] = {}
    for path in sorted(root.rglob("*")):
        rel = str(path.relative_to(root))
        if path.is_dir() and not path.is_symlink():
            seen[rel] = ("dir",)
        else:
            st = path.lstat()
            seen[rel] = ("file", st.st_size, st.st_mtime_ns)
    return seen


def assert_refused(outcome: Outcome, fragments, before: dict, root: Path, out: Path | None = None) -> str:
    """The promise: exit 2, one line on stderr with every fragment, no traceback, nothing written."""
    assert outcome.escaped is None, f"traceback: {type(outcome.escaped).__name__}: {outcome.escaped}"
    lines = [line for line in outcome.err.splitlines() if line.strip()]
    assert "Traceback" not in outcome.err, outcome.err
    assert outcome.code == 2, f"exit code {outcome.code}; stderr: {outcome.err!r}"
    assert len(lines) == 1, f"expected one line on stderr, got {len(lines)}: {outcome.err!r}"
    line = lines[0]
    assert line.startswith("kerjasama: "), line
    for fragment in fragments:
        assert fragment in line, f"{fragment!r} not in: {line}"
    empty = re.search(r"allowed(?: there)?:\s*(?:;|\(|$)", line)
    assert not empty, f"says nothing of what is allowed: {line}"
    if out is not None:
        assert not out.exists(), f"{out} was created"
    after = snapshot(root)
    assert after == before, f"written: {sorted(set(after) ^ set(before))} changed: " + str(
        sorted(k for k in set(after) & set(before) if after[k] != before[k])
    )
    return line


@pytest.fixture
def work(tmp_path, monkeypatch):
    """``tmp_path`` with the current directory in it (so default results folders land there too)."""
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    return tmp_path


def fill(fragments, **places) -> list[str]:
    return [f.format(**places) for f in fragments]


def bug(reason: str):
    return pytest.mark.xfail(strict=True, reason=f"BUG: {reason}")


def unmarked(cases: list) -> list:
    """The cases without their xfail marks: for the tests that their valid baselines are valid."""
    return [pytest.param(*case.values, id=case.id) for case in cases]


# ----------------------------------------------------------------------------- scenario files

HEAD = 'name = "case"\n'


def scen(case_id: str, table: str, good: str, bad: str, *expect: str, marks=()):
    """A scenario file (extending the default) whose ``table`` holds ``good`` (valid) or
    ``bad`` (the one change); ``table`` is a header such as "[run]" ("" for the top level)."""
    header = f"{table}\n" if table else ""
    return pytest.param(HEAD + header + good + "\n", HEAD + header + bad + "\n", expect, id=case_id, marks=marks)


SHOCK = 'kind = "flood"\nstep = 5\nduration = 1\nintensity = 0.5\ndistrict = 1'
NEW_FORM = 'based_on = "formal"\nlabel = "Village council"'
NEW_SERVICE = (
    'label = "Town hall"\nfixed_cost = 3.0\ncost_per_household = 0.01\ndecay_km = 10.0\nutility_weight = 0.02\n'
    "fire_protection = 0.0"
)
UNKNOWN = ("{file}", "unknown key", "allowed")
NUMBER = ("{file}", "must be a number")
WHOLE = ("{file}", "must be a whole number")
BOOL = ("{file}", "must be true or false")
STRING = ("{file}", "must be a string")
STRINGS = ("{file}", "must be a list of strings")
RANGE = ("{file}", "out of range; allowed")

SCENARIO_CASES = [
    # --- top level
    scen("top-unknown", "", 'description = "d"', 'descripton = "d"', *UNKNOWN, "descripton", "'description'"),
    scen("top-mistyped-table", "", "[run]\nsteps = 30", "[rnu]\nsteps = 30", *UNKNOWN, "rnu", "did you mean 'run'"),
    scen("top-name-number", "", 'description = "d"', "description = 5", *STRING, "description"),
    scen("top-description-list", "", 'description = "d"', 'description = ["d"]', *STRING, "description"),
    scen("top-model-unknown", "", 'model = "villages"', 'model = "village"', "{file}", "model", "'villages'"),
    scen("top-table-as-number", "", "[run]\nsteps = 30", "run = 30", "{file}", "run", "must be a table"),
    # --- [run]
    scen("run-unknown", "[run]", "steps = 30", "stepz = 30", *UNKNOWN, "run.stepz", "did you mean 'steps'"),
    scen("run-steps-string", "[run]", "steps = 30", 'steps = "30"', *NUMBER, "run.steps"),
    scen("run-steps-list", "[run]", "steps = 30", "steps = [30]", *NUMBER, "run.steps"),
    scen("run-steps-bool", "[run]", "steps = 30", "steps = true", *NUMBER, "run.steps"),
    scen("run-steps-float", "[run]", "steps = 30", "steps = 30.5", *WHOLE, "run.steps"),
    scen("run-steps-zero", "[run]", "steps = 30", "steps = 0", *RANGE, "run.steps", "[1, 100000]"),
    scen("run-steps-negative", "[run]", "steps = 30", "steps = -5", *RANGE, "run.steps"),
    scen("run-steps-too-many", "[run]", "steps = 30", "steps = 100001", *RANGE, "run.steps"),
    scen("run-step-unit-enum", "[run]", 'step_unit = "season"', 'step_unit = "month"', "run.step_unit", "'year'"),
    scen("run-burn-in-negative", "[run]", "burn_in = 2", "burn_in = -1", *RANGE, "run.burn_in"),
    scen(
        "run-steps-before-shock",
        "[run]",
        "steps = 20",
        "steps = 19",
        "{file}",
        "shocks.scheduled.0.step",
        "run.steps",
    ),
    # --- [economy]
    scen(
        "economy-unknown", "[economy]", "save_rate = 0.2", "save_rat = 0.2", *UNKNOWN, "economy.save_rat", "'save_rate'"
    ),
    scen("economy-save-rate-string", "[economy]", "save_rate = 0.2", 'save_rate = "0.2"', *NUMBER, "economy.save_rate"),
    scen(
        "economy-save-rate-share",
        "[economy]",
        "save_rate = 0.2",
        "save_rate = 1.5",
        *RANGE,
        "economy.save_rate",
        "[0, 1]",
    ),
    scen(
        "economy-save-rate-nan",
        "[economy]",
        "save_rate = 0.2",
        "save_rate = nan",
        "{file}",
        "economy.save_rate",
        "finite",
    ),
    scen("economy-allow-debt-number", "[economy]", "allow_debt = true", "allow_debt = 1", *BOOL, "economy.allow_debt"),
    scen(
        "economy-allow-debt-string", "[economy]", "allow_debt = true", 'allow_debt = "no"', *BOOL, "economy.allow_debt"
    ),
    scen(
        "economy-poverty-line-zero",
        "[economy]",
        "poverty_line = 2.0",
        "poverty_line = 0",
        "{file}",
        "economy.poverty_line",
        "> 0",
    ),
    scen(
        "economy-poverty-line-negative",
        "[economy]",
        "poverty_line = 2.0",
        "poverty_line = -2.0",
        "{file}",
        "economy.poverty_line",
        "> 0",
    ),
    scen(
        "economy-poverty-line-string",
        "[economy]",
        "poverty_line = 2.0",
        'poverty_line = "2"',
        "{file}",
        "economy.poverty_line",
        "number",
    ),
    scen(
        "economy-poverty-line-bool",
        "[economy]",
        "poverty_line = 2.0",
        "poverty_line = true",
        "{file}",
        "economy.poverty_line",
        "number",
    ),
    scen(
        "economy-food-line-negative",
        "[economy]",
        "food_line = 0.5",
        "food_line = -0.1",
        *RANGE,
        "economy.food_line",
        ">= 0",
    ),
    scen("economy-currency-number", "[economy]", 'currency = "pl"', "currency = 5", *STRING, "economy.currency"),
    scen(
        "economy-sd-too-large",
        "[economy]",
        "within_village_sd = 0.3",
        "within_village_sd = 3.5",
        *RANGE,
        "economy.within_village_sd",
        "[0, 3]",
    ),
    # --- [landscape]
    scen(
        "landscape-unknown",
        "[landscape]",
        "n_villages = 20",
        "n_vilages = 20",
        *UNKNOWN,
        "landscape.n_vilages",
        "'n_villages'",
    ),
    scen("landscape-villages-zero", "[landscape]", "n_villages = 20", "n_villages = 0", *RANGE, "landscape.n_villages"),
    scen(
        "landscape-villages-float",
        "[landscape]",
        "n_villages = 20",
        "n_villages = 20.5",
        *WHOLE,
        "landscape.n_villages",
    ),
    scen(
        "landscape-villages-string",
        "[landscape]",
        "n_villages = 20",
        'n_villages = "20"',
        *NUMBER,
        "landscape.n_villages",
    ),
    scen(
        "landscape-districts-zero", "[landscape]", "n_districts = 8", "n_districts = 0", *RANGE, "landscape.n_districts"
    ),
    scen("landscape-area-zero", "[landscape]", "area_km = 30.0", "area_km = 0.0", *RANGE, "landscape.area_km"),
    scen(
        "landscape-area-inf", "[landscape]", "area_km = 30.0", "area_km = inf", "{file}", "landscape.area_km", "finite"
    ),
    scen(
        "landscape-districts-above-villages",
        "[landscape]",
        "n_villages = 20\nn_districts = 8",
        "n_villages = 20\nn_districts = 30",
        "{file}",
        "landscape.n_districts",
        "landscape.n_villages",
    ),
    scen(
        "landscape-cv-negative",
        "[landscape]",
        "households_cv = 0.4",
        "households_cv = -0.5",
        *RANGE,
        "landscape.households_cv",
    ),
    scen(
        "landscape-expertise-above-one",
        "[landscape]",
        "expertise_mean = 0.4",
        "expertise_mean = 1.2",
        *RANGE,
        "landscape.expertise_mean",
    ),
    # --- [behaviour]
    scen(
        "behaviour-unknown",
        "[behaviour]",
        "initial_trust = 0.4",
        "initial_trst = 0.4",
        *UNKNOWN,
        "behaviour.initial_trst",
        "'initial_trust'",
    ),
    scen(
        "behaviour-rule-enum",
        "[behaviour]",
        'rule = "always_defect"',
        'rule = "tit_for_tat"',
        "{file}",
        "behaviour.rule",
        "allowed",
        "'conditional'",
    ),
    scen(
        "behaviour-rule-mistyped",
        "[behaviour]",
        'rule = "conditional"',
        'rule = "conditionl"',
        "{file}",
        "behaviour.rule",
        "did you mean 'conditional'",
    ),
    scen("behaviour-rule-number", "[behaviour]", 'rule = "always_defect"', "rule = 3", *STRING, "behaviour.rule"),
    scen(
        "behaviour-opening-enum",
        "[behaviour]",
        'opening = "good_faith"',
        'opening = "first"',
        "behaviour.opening",
        "'good_faith'",
    ),
    scen(
        "behaviour-learning-rate-zero",
        "[behaviour]",
        "learning_rate = 0.5",
        "learning_rate = 0",
        *RANGE,
        "behaviour.learning_rate",
    ),
    scen(
        "behaviour-error-rate-high",
        "[behaviour]",
        "error_rate = 0.1",
        "error_rate = 0.6",
        *RANGE,
        "behaviour.error_rate",
        "[0, 0.5]",
    ),
    scen(
        "behaviour-temperature-zero",
        "[behaviour]",
        "temperature = 0.01",
        "temperature = 0",
        *RANGE,
        "behaviour.temperature",
    ),
    scen(
        "behaviour-trust-negative",
        "[behaviour]",
        "initial_trust = 0.4",
        "initial_trust = -0.1",
        *RANGE,
        "behaviour.initial_trust",
    ),
    scen(
        "behaviour-threshold-list",
        "[behaviour]",
        "threshold_mean = 0.4",
        "threshold_mean = [0.4]",
        *NUMBER,
        "behaviour.threshold_mean",
    ),
    # --- [cooperation] and its sub-tables
    scen(
        "cooperation-unknown",
        "[cooperation]",
        "search_radius_km = 10.0",
        "search_rdius_km = 10.0",
        *UNKNOWN,
        "cooperation.search_rdius_km",
        "'search_radius_km'",
    ),
    scen(
        "cooperation-forms-string",
        "[cooperation]",
        'forms = ["formal"]',
        'forms = "formal"',
        *STRINGS,
        "cooperation.forms",
    ),
    scen(
        "cooperation-forms-numbers", "[cooperation]", 'forms = ["formal"]', "forms = [1]", *STRINGS, "cooperation.forms"
    ),
    scen(
        "cooperation-forms-duplicate",
        "[cooperation]",
        'forms = ["formal"]',
        'forms = ["formal", "formal"]',
        "{file}",
        "cooperation.forms",
        "duplicates",
    ),
    scen(
        "cooperation-forms-undefined",
        "[cooperation]",
        'forms = ["formal"]',
        'forms = ["charter"]',
        "{file}",
        "cooperation.forms",
        "'charter'",
        "formal",
    ),
    scen(
        "cooperation-forms-mistyped",
        "[cooperation]",
        'forms = ["formal"]',
        'forms = ["formall"]',
        "{file}",
        "cooperation.forms",
        "did you mean 'formal'",
    ),
    scen(
        "cooperation-domains-enum",
        "[cooperation]",
        'domains = ["services"]',
        'domains = ["fishing"]',
        "{file}",
        "cooperation.domains",
        "'agriculture'",
    ),
    scen("cooperation-max-ties-zero", "[cooperation]", "max_ties = 10", "max_ties = 0", *RANGE, "cooperation.max_ties"),
    scen(
        "cooperation-radius-negative",
        "[cooperation]",
        "search_radius_km = 10.0",
        "search_radius_km = -1.0",
        *RANGE,
        "cooperation.search_radius_km",
    ),
    scen(
        "capacity-unknown",
        "[cooperation.capacity]",
        "spill_rate = 0.1",
        "spil_rate = 0.1",
        *UNKNOWN,
        "cooperation.capacity.spil_rate",
        "'spill_rate'",
    ),
    scen(
        "capacity-share",
        "[cooperation.capacity]",
        "spill_rate = 0.1",
        "spill_rate = 1.2",
        *RANGE,
        "cooperation.capacity.spill_rate",
    ),
    scen(
        "innovation-string",
        "[cooperation.innovation]",
        "base_rate = 0.05",
        'base_rate = "often"',
        *NUMBER,
        "cooperation.innovation.base_rate",
    ),
    scen(
        "innovation-unknown",
        "[cooperation.innovation]",
        "base_rate = 0.05",
        "baserate = 0.05",
        *UNKNOWN,
        "cooperation.innovation.baserate",
    ),
    scen(
        "identity-scale-zero",
        "[cooperation.identity]",
        "scale_steps = 4.0",
        "scale_steps = 0.0",
        *RANGE,
        "cooperation.identity.scale_steps",
    ),
    scen(
        "identity-unknown",
        "[cooperation.identity]",
        "cost_discount = 0.4",
        "cost_discont = 0.4",
        *UNKNOWN,
        "cooperation.identity.cost_discont",
    ),
    # --- [forms.formal] and a new form
    scen(
        "form-unknown",
        "[forms.formal]",
        "enforcement = 0.5",
        "enforcment = 0.5",
        *UNKNOWN,
        "forms.formal.enforcment",
        "'enforcement'",
    ),
    scen(
        "form-enforcement-share",
        "[forms.formal]",
        "enforcement = 0.5",
        "enforcement = 1.5",
        *RANGE,
        "forms.formal.enforcement",
        "[0, 1]",
    ),
    scen(
        "form-enforcement-string",
        "[forms.formal]",
        "enforcement = 0.5",
        'enforcement = "high"',
        *NUMBER,
        "forms.formal.enforcement",
    ),
    scen("form-term-float", "[forms.formal]", "term = 4", "term = 2.5", *WHOLE, "forms.formal.term"),
    scen("form-term-negative", "[forms.formal]", "term = 4", "term = -1", *RANGE, "forms.formal.term"),
    scen(
        "form-renewable-string",
        "[forms.formal]",
        "renewable = false",
        'renewable = "yes"',
        *BOOL,
        "forms.formal.renewable",
    ),
    scen(
        "form-domains-string",
        "[forms.formal]",
        'domains = ["services"]',
        'domains = "services"',
        *STRINGS,
        "forms.formal.domains",
    ),
    scen(
        "form-domains-enum",
        "[forms.formal]",
        'domains = ["services"]',
        'domains = ["fishing"]',
        "{file}",
        "forms.formal.domains",
        "'agriculture'",
    ),
    scen(
        "form-members-one",
        "[forms.formal]",
        "max_members = 4",
        "max_members = 1",
        *RANGE,
        "forms.formal.max_members",
        "[2, 10000]",
    ),
    scen(
        "form-setup-negative",
        "[forms.formal]",
        "setup_cost = 1.0",
        "setup_cost = -1.0",
        *RANGE,
        "forms.formal.setup_cost",
    ),
    scen("form-label-number", "[forms.formal]", 'label = "MoU"', "label = 5", *STRING, "forms.formal.label"),
    scen(
        "form-table-as-number",
        "[forms]",
        "[forms.formal]\nterm = 4",
        "formal = 4",
        "{file}",
        "forms.formal",
        "must be a table",
    ),
    scen(
        "new-form-based-on-unknown",
        "[forms.council]",
        NEW_FORM,
        NEW_FORM.replace('"formal"', '"charter"'),
        "{file}",
        "forms.council.based_on",
        "allowed",
        "formal",
    ),
    scen(
        "new-form-unknown-key",
        "[forms.council]",
        NEW_FORM,
        NEW_FORM + "\nenforcment = 0.5",
        *UNKNOWN,
        "forms.council.enforcment",
        "'enforcement'",
    ),
    scen(
        "new-form-no-based-on",
        "[forms.council]",
        NEW_FORM,
        'label = "Village council"',
        "{file}",
        "forms.council.",
        "missing",
    ),
    scen(
        "new-form-scalar",
        "[forms]",
        "[forms.council]\n" + NEW_FORM,
        "council = 5",
        "{file}",
        "forms.council",
        "unknown key",
        "a table [forms.council]",
    ),
    # --- [agriculture]
    scen("agriculture-alpha-bool", "[agriculture]", "alpha = 0.6", "alpha = true", *NUMBER, "agriculture.alpha"),
    scen("agriculture-alpha-share", "[agriculture]", "alpha = 0.6", "alpha = 1.5", *RANGE, "agriculture.alpha"),
    scen(
        "agriculture-unknown",
        "[agriculture]",
        "pool_share = 0.2",
        "pool_shar = 0.2",
        *UNKNOWN,
        "agriculture.pool_shar",
        "'pool_share'",
    ),
    scen(
        "agriculture-bonus-negative",
        "[agriculture]",
        "irrigation_bonus = 0.1",
        "irrigation_bonus = -0.1",
        *RANGE,
        "agriculture.irrigation_bonus",
    ),
    # --- [services] and [services.NAME]
    scen(
        "services-split-enum",
        "[services]",
        'cost_split = "equal"',
        'cost_split = "random"',
        "{file}",
        "services.cost_split",
        "'population'",
    ),
    scen(
        "services-overhead-negative",
        "[services]",
        "coordination_overhead = 0.1",
        "coordination_overhead = -0.1",
        *RANGE,
        "services.coordination_overhead",
    ),
    scen(
        "services-unknown",
        "[services]",
        "coordination_overhead = 0.1",
        "cordination_overhead = 0.1",
        "{file}",
        "services.cordination_overhead",
        "unknown key",
        "'coordination_overhead'",
    ),
    scen(
        "service-unknown",
        "[services.fire]",
        "fixed_cost = 5.0",
        "fixed_cst = 5.0",
        *UNKNOWN,
        "services.fire.fixed_cst",
        "'fixed_cost'",
    ),
    scen(
        "service-cost-string",
        "[services.fire]",
        "fixed_cost = 5.0",
        'fixed_cost = "5"',
        *NUMBER,
        "services.fire.fixed_cost",
    ),
    scen("service-decay-zero", "[services.fire]", "decay_km = 5.0", "decay_km = 0.0", *RANGE, "services.fire.decay_km"),
    scen(
        "service-protection-share",
        "[services.fire]",
        "fire_protection = 0.5",
        "fire_protection = 1.5",
        *RANGE,
        "services.fire.fire_protection",
    ),
    scen(
        "new-service-missing-key",
        "[services.hall]",
        NEW_SERVICE,
        NEW_SERVICE.replace("decay_km = 10.0\n", ""),
        "{file}",
        "services.hall.decay_km",
        "missing",
    ),
    scen(
        "new-service-unknown-key",
        "[services.hall]",
        NEW_SERVICE,
        NEW_SERVICE + "\ndecay = 5.0",
        *UNKNOWN,
        "services.hall.decay",
        "'decay_km'",
    ),
    scen(
        "new-service-based-on",
        "[services.hall]",
        NEW_SERVICE,
        NEW_SERVICE + '\nbased_on = "clinic"',
        *UNKNOWN,
        "services.hall.based_on",
    ),
    # --- [infrastructure]
    scen(
        "infrastructure-lifetime-zero",
        "[infrastructure]",
        "lifetime = 10",
        "lifetime = 0",
        *RANGE,
        "infrastructure.lifetime",
    ),
    scen(
        "infrastructure-build-cost-zero",
        "[infrastructure]",
        "build_cost = 50.0",
        "build_cost = 0.0",
        *RANGE,
        "infrastructure.build_cost",
    ),
    scen(
        "infrastructure-project-number",
        "[infrastructure]",
        'project = "Dam"',
        "project = 5",
        *STRING,
        "infrastructure.project",
    ),
    scen(
        "infrastructure-irrigates-string",
        "[infrastructure]",
        "irrigates = false",
        'irrigates = "yes"',
        *BOOL,
        "infrastructure.irrigates",
    ),
    scen(
        "infrastructure-unknown",
        "[infrastructure]",
        "pledge_share = 0.1",
        "pledge_shar = 0.1",
        *UNKNOWN,
        "infrastructure.pledge_shar",
        "'pledge_share'",
    ),
    # --- [shocks] and its sub-tables
    scen(
        "shocks-background-string", "[shocks]", "background = false", 'background = "true"', *BOOL, "shocks.background"
    ),
    scen(
        "shocks-unknown",
        "[shocks]",
        "background = false",
        "backgroud = false",
        "{file}",
        "shocks.backgroud",
        "unknown key",
        "'background'",
    ),
    scen(
        "drought-unknown",
        "[shocks.drought]",
        "severity = 0.3",
        "severty = 0.3",
        *UNKNOWN,
        "shocks.drought.severty",
        "'severity'",
    ),
    scen(
        "drought-threshold-range",
        "[shocks.drought]",
        "threshold = 2.0",
        "threshold = 11.0",
        *RANGE,
        "shocks.drought.threshold",
        "[-10, 10]",
    ),
    scen(
        "drought-weights-sum",
        "[shocks.drought]",
        "district_weight = 0.6",
        "district_weight = 0.8",
        "{file}",
        "shocks.drought.",
        "district_weight + local_weight",
        "<= 1",
    ),
    scen(
        "drought-length-zero",
        "[shocks.drought]",
        "correlation_length_km = 5.0",
        "correlation_length_km = 0.0",
        *RANGE,
        "shocks.drought.correlation_length_km",
    ),
    scen(
        "fire-probability", "[shocks.fire]", "probability = 0.1", "probability = 2.0", *RANGE, "shocks.fire.probability"
    ),
    scen(
        "fire-unknown",
        "[shocks.fire]",
        "probability = 0.1",
        "probabilty = 0.1",
        *UNKNOWN,
        "shocks.fire.probabilty",
        "'probability'",
    ),
    scen(
        "price-volatility", "[shocks.price]", "volatility = 0.2", "volatility = -1.0", *RANGE, "shocks.price.volatility"
    ),
    scen(
        "damage-recovery",
        "[shocks.damage]",
        "recovery_rate = 0.1",
        "recovery_rate = 1.5",
        *RANGE,
        "shocks.damage.recovery_rate",
    ),
    scen(
        "damage-unknown", "[shocks.damage]", "recovery_rate = 0.1", "recovery = 0.1", *UNKNOWN, "shocks.damage.recovery"
    ),
    # --- [[shocks.scheduled]]
    scen(
        "scheduled-kind-enum",
        "[[shocks.scheduled]]",
        SHOCK,
        SHOCK.replace('"flood"', '"earthquake"'),
        "{file}",
        "shocks.scheduled.0.kind",
        "'drought'",
    ),
    scen(
        "scheduled-kind-mistyped",
        "[[shocks.scheduled]]",
        SHOCK,
        SHOCK.replace('"flood"', '"flod"'),
        "{file}",
        "shocks.scheduled.0.kind",
        "did you mean 'flood'",
    ),
    scen(
        "scheduled-kind-number",
        "[[shocks.scheduled]]",
        SHOCK,
        SHOCK.replace('"flood"', "1"),
        *STRING,
        "shocks.scheduled.0.kind",
    ),
    scen(
        "scheduled-after-horizon",
        "[[shocks.scheduled]]",
        SHOCK,
        SHOCK.replace("step = 5", "step = 51"),
        "{file}",
        "shocks.scheduled.0.step",
        "run.steps",
    ),
    scen(
        "scheduled-step-zero",
        "[[shocks.scheduled]]",
        SHOCK,
        SHOCK.replace("step = 5", "step = 0"),
        *RANGE,
        "shocks.scheduled.0.step",
    ),
    scen(
        "scheduled-step-float",
        "[[shocks.scheduled]]",
        SHOCK,
        SHOCK.replace("step = 5", "step = 5.5"),
        *WHOLE,
        "shocks.scheduled.0.step",
    ),
    scen(
        "scheduled-duration-zero",
        "[[shocks.scheduled]]",
        SHOCK,
        SHOCK.replace("duration = 1", "duration = 0"),
        *RANGE,
        "shocks.scheduled.0.duration",
    ),
    scen(
        "scheduled-intensity",
        "[[shocks.scheduled]]",
        SHOCK,
        SHOCK.replace("intensity = 0.5", "intensity = 1.5"),
        *RANGE,
        "shocks.scheduled.0.intensity",
    ),
    scen(
        "scheduled-district-missing-one",
        "[[shocks.scheduled]]",
        SHOCK,
        SHOCK.replace("district = 1", "district = 8"),
        "{file}",
        "shocks.scheduled.0.district",
        "0 to 7",
    ),
    scen(
        "scheduled-district-negative",
        "[[shocks.scheduled]]",
        SHOCK,
        SHOCK.replace("district = 1", "district = -2"),
        *RANGE,
        "shocks.scheduled.0.district",
    ),
    scen(
        "scheduled-unknown-key",
        "[[shocks.scheduled]]",
        SHOCK,
        SHOCK + "\nyear = 5",
        *UNKNOWN,
        "shocks.scheduled.0.year",
    ),
    scen(
        "scheduled-key-missing",
        "[[shocks.scheduled]]",
        SHOCK,
        SHOCK.replace("\ndistrict = 1", ""),
        "{file}",
        "shocks.scheduled.0.district",
        "missing",
    ),
    scen(
        "scheduled-second-entry",
        "[[shocks.scheduled]]",
        SHOCK + "\n[[shocks.scheduled]]\n" + SHOCK,
        SHOCK + "\n[[shocks.scheduled]]\n" + SHOCK.replace('"flood"', '"tsunami"'),
        "{file}",
        "shocks.scheduled.1.kind",
        "'drought'",
    ),
    scen(
        "scheduled-number",
        "[shocks]",
        "scheduled = []",
        "scheduled = 5",
        "{file}",
        "shocks.scheduled",
        "list of tables",
    ),
    scen(
        "scheduled-list-of-numbers",
        "[shocks]",
        "scheduled = []",
        "scheduled = [5]",
        "{file}",
        "shocks.scheduled.0",
        "must be a table",
    ),
    scen(
        "scheduled-table",
        "",
        "[[shocks.scheduled]]\n" + SHOCK,
        "[shocks.scheduled]\n" + SHOCK,
        "{file}",
        "shocks.scheduled",
        "list of tables",
    ),
    # --- [policy] and [policy.mandate]
    scen(
        "policy-subsidy-share", "[policy]", "subsidy_setup = 0.5", "subsidy_setup = 1.5", *RANGE, "policy.subsidy_setup"
    ),
    scen(
        "policy-facilitator-below-one",
        "[policy]",
        "facilitator_radius = 2.0",
        "facilitator_radius = 0.5",
        *RANGE,
        "policy.facilitator_radius",
        "[1, 100]",
    ),
    scen(
        "policy-share-string",
        "[policy]",
        "joint_budget_share = 0.4",
        'joint_budget_share = "half"',
        *NUMBER,
        "policy.joint_budget_share",
    ),
    scen(
        "policy-unknown",
        "[policy]",
        "subsidy_setup = 0.5",
        "subsidy_setp = 0.5",
        *UNKNOWN,
        "policy.subsidy_setp",
        "'subsidy_setup'",
    ),
    scen(
        "mandate-unknown-domain",
        "[policy.mandate]",
        'services = "formal"',
        'fishing = "formal"',
        "{file}",
        "policy.mandate.fishing",
        "agriculture",
    ),
    scen(
        "mandate-unknown-form",
        "[policy.mandate]",
        'services = "formal"',
        'services = "charter"',
        "{file}",
        "policy.mandate.services",
        "formal",
    ),
    scen(
        "mandate-form-number",
        "[policy.mandate]",
        'services = "formal"',
        "services = 1",
        "{file}",
        "policy.mandate.services",
        "form name",
    ),
    scen(
        "mandate-scalar",
        "[policy]",
        '[policy.mandate]\nservices = "formal"',
        "mandate = 5",
        "{file}",
        "policy.mandate",
        "table",
    ),
    # --- money in a file's own currency
    scen(
        "currency-temperature-below-bound",
        "[economy]",
        "poverty_line = 30.0\n[behaviour]\ntemperature = 0.06",
        "poverty_line = 30.0\n[behaviour]\ntemperature = 0.00000001",
        "{file}",
        "behaviour.temperature",
        "1e-08",
    ),
    # --- the file itself
    scen("toml-unclosed-table", "", "[run]\nsteps = 30", "[run\nsteps = 30", "{file}", "malformed TOML"),
    scen("toml-double-equals", "", "[run]\nsteps = 30", "[run]\nsteps = = 30", "{file}", "malformed TOML"),
    scen("toml-duplicate-key", "", "[run]\nsteps = 30", "[run]\nsteps = 30\nsteps = 40", "{file}", "malformed TOML"),
    scen(
        "toml-duplicate-table",
        "",
        "[run]\nsteps = 30\n[economy]\nsave_rate = 0.2",
        "[run]\nsteps = 30\n[run]\nburn_in = 2",
        "{file}",
        "malformed TOML",
    ),
    scen("toml-unterminated-string", "", 'description = "d"', 'description = "d', "{file}", "malformed TOML"),
    scen("toml-bare-word", "", 'description = "d"', "description = d", "{file}", "malformed TOML"),
    scen("toml-nul-byte", "", 'description = "d"', 'description = "d"\x00', "{file}", "malformed TOML"),
]


def _write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(("good", "bad", "expect"), unmarked(SCENARIO_CASES))
def test_scenario_valid_baseline(good, bad, expect, work, capsys):
    path = _write(work / "inputs" / "case.toml", good)
    outcome = invoke(["check", path], capsys)
    assert outcome.code == 0, outcome.err


@pytest.mark.parametrize("command", ["check", "run"])
@pytest.mark.parametrize(("good", "bad", "expect"), SCENARIO_CASES)
def test_scenario_file(command, good, bad, expect, work, capsys):
    path = _write(work / "inputs" / "case.toml", bad)
    out = work / "out"
    argv = ["check", path] if command == "check" else ["run", path, "--out", out, "--quiet"]
    before = snapshot(work)
    assert_refused(invoke(argv, capsys), fill(expect, file=str(path.resolve())), before, work, out)


# --- files that are not TOML text, paths that are not files, chains of files


def _binary(work: Path) -> Path:
    return _write(work / "inputs" / "case.toml", bytes(range(128, 256)) * 4)


def _directory(work: Path) -> Path:
    folder = work / "inputs" / "case.toml"
    folder.mkdir(parents=True)
    return folder


def _missing(work: Path) -> Path:
    (work / "inputs").mkdir()
    return work / "inputs" / "case.toml"


def _latin1(work: Path) -> Path:
    return _write(work / "inputs" / "case.toml", 'name = "caf\xe9"\n'.encode("latin-1"))


def _unreadable(work: Path) -> Path:
    path = _write(work / "inputs" / "case.toml", HEAD)
    path.chmod(0)
    if os.access(path, os.R_OK):
        path.chmod(0o644)
        pytest.skip("running as a user who reads a chmod 000 file anyway (root)")
    return path


FILE_KINDS = [
    pytest.param(_binary, ("{file}", "cannot read"), id="binary"),
    pytest.param(_latin1, ("{file}", "cannot read"), id="not-utf8"),
    pytest.param(_directory, ("{file}", "no such scenario file"), id="directory"),
    pytest.param(_missing, ("{file}", "no such scenario file"), id="missing"),
    pytest.param(_unreadable, ("{file}", "cannot read"), id="unreadable"),
]


@pytest.mark.parametrize("command", ["check", "run"])
@pytest.mark.parametrize(("make", "expect"), FILE_KINDS)
def test_scenario_not_a_readable_file(command, make, expect, work, capsys):
    path = make(work)
    out = work / "out"
    argv = ["check", path] if command == "check" else ["run", path, "--out", out]
    before = snapshot(work)
    try:
        assert_refused(invoke(argv, capsys), fill(expect, file=str(path)), before, work, out)
    finally:
        if path.exists() and not path.is_dir():
            path.chmod(0o644)


def chain(case_id: str, good: dict, bad: dict, *expect: str, marks=()):
    """Several files (name -> text); the first is the one checked; ``{NAME}`` in ``expect``
    stands for the resolved path of the file NAME."""
    return pytest.param(good, bad, expect, id=case_id, marks=marks)


CHAIN_CASES = [
    chain(
        "extends-missing",
        {"a.toml": 'extends = "autarky"\n'},
        {"a.toml": 'extends = "nowhere"\n'},
        "{a}",
        "extends",
        "'nowhere'",
    ),
    chain(
        "extends-mistyped",
        {"a.toml": 'extends = "default"\n'},
        {"a.toml": 'extends = "defualt"\n'},
        "{a}",
        "extends",
        "did you mean 'default'",
    ),
    chain(
        "extends-number",
        {"a.toml": 'extends = "default"\n'},
        {"a.toml": "extends = 5\n"},
        "{a}",
        "extends",
        "scenario name",
    ),
    chain(
        "extends-list",
        {"a.toml": 'extends = "default"\n'},
        {"a.toml": 'extends = ["default"]\n'},
        "{a}",
        "extends",
        "scenario name",
    ),
    chain(
        "extends-cycle",
        {"a.toml": 'extends = "b"\n', "b.toml": 'extends = "default"\n'},
        {"a.toml": 'extends = "b"\n', "b.toml": 'extends = "a"\n'},
        "extends",
        "circular",
    ),
    chain(
        "extends-itself",
        {"a.toml": 'extends = "b"\n', "b.toml": "\n"},
        {"a.toml": 'extends = "a"\n', "b.toml": "\n"},
        "{a}",
        "extends",
        "circular",
    ),
    chain(
        "extends-classic-game",
        {"a.toml": 'extends = "autarky"\n'},
        {"a.toml": 'extends = "classic/nowak_may"\n'},
        "{a}",
        "extends",
        "classic game",
    ),
    chain(
        "extends-experiment",
        {"a.toml": 'extends = "b"\n', "b.toml": "\n"},
        {"a.toml": 'extends = "b"\n', "b.toml": 'name = "x"\nscenario = "default"\ndesign = "arms"\nseed = 1\n'},
        "{b}",
        "kerjasama sweep",
    ),
    chain(
        "parent-malformed-toml",
        {"a.toml": 'extends = "b"\n', "b.toml": "[run]\nsteps = 30\n"},
        {"a.toml": 'extends = "b"\n', "b.toml": "[run\nsteps = 30\n"},
        "{b}",
        "malformed TOML",
    ),
    chain(
        "parent-poverty-line-zero",
        {"a.toml": 'extends = "b"\n', "b.toml": "[economy]\npoverty_line = 2.0\n"},
        {"a.toml": 'extends = "b"\n', "b.toml": "[economy]\npoverty_line = 0\n"},
        "{b}",
        "economy.poverty_line",
    ),
    chain(
        "parent-unknown-key",
        {"a.toml": 'extends = "b"\n', "b.toml": "[run]\nsteps = 30\n"},
        {"a.toml": 'extends = "b"\n', "b.toml": "[run]\nstepz = 30\n"},
        "{b}",
        "run.stepz",
    ),
    chain(
        "parent-out-of-range",
        {"a.toml": 'extends = "b"\n', "b.toml": "[forms.formal]\nenforcement = 0.5\n"},
        {"a.toml": 'extends = "b"\n', "b.toml": "[forms.formal]\nenforcement = 1.5\n"},
        "{b}",
        "forms.formal.enforcement",
    ),
]


def _write_chain(work: Path, files: dict) -> dict[str, str]:
    places = {}
    for name, text in files.items():
        path = _write(work / "inputs" / name, text)
        places[name.removesuffix(".toml")] = str(path.resolve())
    return places


@pytest.mark.parametrize(("good", "bad", "expect"), unmarked(CHAIN_CASES))
def test_chain_valid_baseline(good, bad, expect, work, capsys):
    _write_chain(work, good)
    outcome = invoke(["check", work / "inputs" / next(iter(good))], capsys)
    assert outcome.code == 0, outcome.err


@pytest.mark.parametrize("command", ["check", "run"])
@pytest.mark.parametrize(("good", "bad", "expect"), CHAIN_CASES)
def test_scenario_chain(command, good, bad, expect, work, capsys):
    places = _write_chain(work, bad)
    path = work / "inputs" / next(iter(bad))
    out = work / "out"
    argv = ["check", path] if command == "check" else ["run", path, "--out", out]
    before = snapshot(work)
    assert_refused(invoke(argv, capsys), fill(expect, **places), before, work, out)


# ----------------------------------------------------------------------------- classic games

CLASSIC_HEADS = {
    "pd": 'model = "spatial_game"\nname = "case"\nextends = "classic/nowak_may"\n',
    "donation": 'model = "spatial_game"\nname = "case"\nextends = "classic/ohtsuki_cycle"\n',
    "goods": 'model = "spatial_game"\nname = "case"\nextends = "classic/public_goods"\n',
}


def classic(case_id: str, table: str, good: str, bad: str, *expect: str, game: str = "pd", marks=()):
    head = CLASSIC_HEADS[game] + (f"{table}\n" if table else "")
    return pytest.param(head + good + "\n", head + bad + "\n", expect, id=case_id, marks=marks)


CLASSIC_CASES = [
    classic("top-unknown", "", "steps = 100", "stpes = 100", *UNKNOWN, "stpes", "did you mean 'steps'"),
    classic("steps-string", "", "steps = 100", 'steps = "100"', *NUMBER, "steps"),
    classic("steps-float", "", "steps = 100", "steps = 100.5", *WHOLE, "steps"),
    classic("steps-zero", "", "steps = 100", "steps = 0", *RANGE, "steps"),
    classic("steps-bool", "", "steps = 100", "steps = true", *NUMBER, "steps"),
    classic("burn-in-negative", "", "burn_in = 50", "burn_in = -1", *RANGE, "burn_in"),
    classic("update-enum", "", 'update = "asynchronous"', 'update = "random"', "{file}", "update", "'synchronous'"),
    classic("update-number", "", 'update = "asynchronous"', "update = 3", *STRING, "update"),
    classic(
        "update-for-other-game",
        "",
        'update = "asynchronous"',
        'update = "death_birth"',
        "{file}",
        "update",
        "'synchronous'",
    ),
    classic("description-number", "", 'description = "d"', "description = 5", *STRING, "description"),
    classic(
        "table-mistyped",
        "",
        "[lattice]\nsize = 50",
        "[lattcie]\nsize = 50",
        *UNKNOWN,
        "lattcie",
        "did you mean 'lattice'",
    ),
    classic("table-as-number", "", "[lattice]\nsize = 50", "lattice = 50", "{file}", "lattice", "must be a table"),
    classic("lattice-unknown", "[lattice]", "size = 50", "sise = 50", *UNKNOWN, "lattice.sise", "did you mean"),
    classic("lattice-size-small", "[lattice]", "size = 50", "size = 2", *RANGE, "lattice.size"),
    classic("lattice-size-float", "[lattice]", "size = 50", "size = 10.5", *WHOLE, "lattice.size"),
    classic("lattice-size-bool", "[lattice]", "size = 50", "size = true", *NUMBER, "lattice.size"),
    classic("lattice-size-huge", "[lattice]", "size = 50", "size = 5000", "{file}", "lattice.size", "4096"),
    classic(
        "lattice-boundary-enum",
        "[lattice]",
        'boundary = "fixed"',
        'boundary = "open"',
        "{file}",
        "lattice.boundary",
        "'periodic'",
    ),
    classic(
        "lattice-neighbourhood-enum",
        "[lattice]",
        'neighbourhood = "von_neumann"',
        'neighbourhood = "hex"',
        "{file}",
        "lattice.neighbourhood",
        "'moore'",
    ),
    classic(
        "lattice-neighbourhood-for-game",
        "[lattice]",
        'neighbourhood = "von_neumann"',
        'neighbourhood = "ring"',
        "{file}",
        "lattice.neighbourhood",
        "'moore'",
    ),
    classic("game-unknown", "[game]", "b = 1.7", "bb = 1.7", *UNKNOWN, "game.bb", "did you mean"),
    classic("game-b-string", "[game]", "b = 1.7", 'b = "1.7"', *NUMBER, "game.b"),
    classic("game-b-negative", "[game]", "b = 1.7", "b = -1.7", *RANGE, "game.b"),
    classic("game-b-decimals", "[game]", "b = 1.7", "b = 1.7000000001", "{file}", "game.b", "decimals"),
    classic("game-b-nan", "[game]", "b = 1.7", "b = nan", "{file}", "game.b", "finite"),
    classic(
        "game-kind-enum",
        "[game]",
        'kind = "prisoners_dilemma"',
        'kind = "chicken"',
        "{file}",
        "game.kind",
        "'prisoners_dilemma'",
    ),
    classic(
        "game-self-interaction-number",
        "[game]",
        "self_interaction = false",
        "self_interaction = 0",
        *BOOL,
        "game.self_interaction",
    ),
    classic("game-group-size-one", "[game]", "group_size = 4", "group_size = 1", *RANGE, "game.group_size"),
    classic("game-r-negative", "[game]", "r = 2.0", "r = -2.0", *RANGE, "game.r"),
    classic(
        "init-fraction-share",
        "[init]",
        "cooperator_fraction = 0.5",
        "cooperator_fraction = 1.5",
        *RANGE,
        "init.cooperator_fraction",
    ),
    classic(
        "init-fraction-string",
        "[init]",
        "cooperator_fraction = 0.5",
        'cooperator_fraction = "half"',
        *NUMBER,
        "init.cooperator_fraction",
    ),
    classic(
        "init-pattern-enum",
        "[init]",
        'pattern = "single_defector"',
        'pattern = "checkerboard"',
        "{file}",
        "init.pattern",
        "'random'",
    ),
    classic(
        "init-unknown",
        "[init]",
        'pattern = "single_defector"',
        'patern = "single_defector"',
        *UNKNOWN,
        "init.patern",
        "did you mean",
    ),
    classic(
        "death-birth-selection", "[death_birth]", "selection = 0.02", "selection = 2.0", *RANGE, "death_birth.selection"
    ),
    classic(
        "death-birth-replicas-zero", "[death_birth]", "replicas = 1000", "replicas = 0", *RANGE, "death_birth.replicas"
    ),
    classic(
        "death-birth-control-string",
        "[death_birth]",
        "neutral_control = false",
        'neutral_control = "yes"',
        *BOOL,
        "death_birth.neutral_control",
    ),
    classic(
        "death-birth-unknown",
        "[death_birth]",
        "replicas = 1000",
        "replica = 1000",
        *UNKNOWN,
        "death_birth.replica",
        "did you mean",
    ),
    classic("learning-rate-zero", "[learning]", "rate = 0.1", "rate = 0", *RANGE, "learning.rate"),
    classic("learning-error-rate", "[learning]", "error_rate = 0.1", "error_rate = 0.6", *RANGE, "learning.error_rate"),
    classic(
        "learning-temperature-zero",
        "[learning]",
        "temperature = 0.1",
        "temperature = 0",
        *RANGE,
        "learning.temperature",
    ),
    classic(
        "learning-propensity-huge",
        "[learning]",
        "initial_propensity = 5.0",
        "initial_propensity = 1e10",
        *RANGE,
        "learning.initial_propensity",
    ),
    classic("learning-unknown", "[learning]", "rate = 0.1", "rat = 0.1", *UNKNOWN, "learning.rat", "did you mean"),
    classic(
        "donation-boundary",
        "[lattice]",
        'boundary = "periodic"',
        'boundary = "fixed"',
        "{file}",
        "lattice.boundary",
        "'periodic'",
        game="donation",
    ),
    classic(
        "donation-selection-fitness",
        "[death_birth]",
        "selection = 0.02",
        "selection = 0.4",
        "{file}",
        "death_birth.selection",
        "allowed",
        game="donation",
    ),
    classic(
        "donation-replicas-memory",
        "[death_birth]",
        "replicas = 1000",
        "replicas = 100000000",
        "{file}",
        "death_birth.replicas",
        "<=",
        game="donation",
    ),
    classic(
        "donation-update",
        "",
        'update = "death_birth"',
        'update = "synchronous"',
        "{file}",
        "update",
        "'death_birth'",
        game="donation",
    ),
    classic(
        "goods-groups", "[lattice]", "size = 1000", "size = 1001", "{file}", "lattice.size", "groups of 5", game="goods"
    ),
    classic(
        "goods-pattern",
        "[init]",
        'pattern = "random"',
        'pattern = "single_defector"',
        "{file}",
        "init.pattern",
        "'random'",
        game="goods",
    ),
    classic(
        "goods-neighbourhood",
        "[lattice]",
        'neighbourhood = "well_mixed"',
        'neighbourhood = "moore"',
        "{file}",
        "lattice.neighbourhood",
        "'well_mixed'",
        game="goods",
    ),
    classic("toml-malformed", "", "[game]\nb = 1.7", "[game]\nb = 1.7.1", "{file}", "malformed TOML"),
]


@pytest.mark.parametrize(("good", "bad", "expect"), unmarked(CLASSIC_CASES))
def test_classic_valid_baseline(good, bad, expect, work, capsys):
    path = _write(work / "inputs" / "case.toml", good)
    outcome = invoke(["check", path], capsys)
    assert outcome.code == 0, outcome.err


@pytest.mark.parametrize("command", ["check", "run"])
@pytest.mark.parametrize(("good", "bad", "expect"), CLASSIC_CASES)
def test_classic_file(command, good, bad, expect, work, capsys):
    path = _write(work / "inputs" / "case.toml", bad)
    out = work / "out"
    argv = ["check", path] if command == "check" else ["run", path, "--out", out, "--quiet"]
    before = snapshot(work)
    assert_refused(invoke(argv, capsys), fill(expect, file=str(path.resolve())), before, work, out)


CLASSIC = 'model = "spatial_game"\nextends = "classic/nowak_may"\n'
CLASSIC_CHAIN_CASES = [
    chain(
        "extends-mistyped",
        {"a.toml": CLASSIC},
        {"a.toml": CLASSIC.replace("nowak_may", "nowak_mya")},
        "{a}",
        "extends",
        "did you mean 'classic/nowak_may'",
    ),
    chain(
        "extends-village",
        {"a.toml": CLASSIC},
        {"a.toml": CLASSIC.replace("classic/nowak_may", "default")},
        "{a}",
        "extends",
        "village scenario",
    ),
    chain(
        "extends-number",
        {"a.toml": CLASSIC},
        {"a.toml": CLASSIC.replace('"classic/nowak_may"', "5")},
        "{a}",
        "extends",
        "scenario name",
    ),
    chain(
        "extends-cycle",
        {"a.toml": CLASSIC.replace("classic/nowak_may", "b"), "b.toml": CLASSIC},
        {"a.toml": CLASSIC.replace("classic/nowak_may", "b"), "b.toml": CLASSIC.replace("classic/nowak_may", "a")},
        "extends",
        "circular",
    ),
    chain(
        "model-missing",
        {"a.toml": CLASSIC},
        {"a.toml": CLASSIC.replace('model = "spatial_game"\n', "")},
        "{a}",
        "extends",
        "model = 'spatial_game'",
    ),
    chain(
        "model-mistyped",
        {"a.toml": CLASSIC},
        {"a.toml": CLASSIC.replace('"spatial_game"', '"spatial_games"')},
        "{a}",
        "'spatial_game'",
    ),
]


@pytest.mark.parametrize(("good", "bad", "expect"), unmarked(CLASSIC_CHAIN_CASES))
def test_classic_chain_valid_baseline(good, bad, expect, work, capsys):
    _write_chain(work, good)
    outcome = invoke(["check", work / "inputs" / next(iter(good))], capsys)
    assert outcome.code == 0, outcome.err


@pytest.mark.parametrize("command", ["check", "run"])
@pytest.mark.parametrize(("good", "bad", "expect"), CLASSIC_CHAIN_CASES)
def test_classic_chain(command, good, bad, expect, work, capsys):
    places = _write_chain(work, bad)
    path = work / "inputs" / next(iter(bad))
    out = work / "out"
    argv = ["check", path] if command == "check" else ["run", path, "--out", out]
    before = snapshot(work)
    assert_refused(invoke(argv, capsys), fill(expect, **places), before, work, out)


# ----------------------------------------------------------------------------- --set overrides


def override(case_id: str, scenario: str, good: list[str], bad: list[str], *expect: str, marks=()):
    """``kerjasama run SCENARIO --set ...``: ``good`` is the valid list, ``bad`` the one change."""
    return pytest.param(scenario, good, bad, expect, id=case_id, marks=marks)


OV = "override"
SET_CASES = [
    override(
        "unknown-leaf",
        "default",
        ["forms.formal.enforcement=0.5"],
        ["forms.formal.enforcment=0.5"],
        OV,
        "forms.formal.enforcment",
        "did you mean 'enforcement'",
    ),
    override(
        "unknown-landscape",
        "default",
        ["landscape.n_villages=20"],
        ["landscape.n_vilages=20"],
        OV,
        "landscape.n_vilages",
        "did you mean 'n_villages'",
    ),
    override(
        "unknown-top",
        "default",
        ["description=x"],
        ["descripton=x"],
        OV,
        "descripton",
        "allowed",
        "did you mean 'description'",
    ),
    override(
        "unknown-table",
        "default",
        ["forms.formal.enforcement=0.5"],
        ["forms.formall.enforcement=0.5"],
        OV,
        "forms.formall",
        "did you mean 'formal'",
    ),
    override(
        "unknown-new-form",
        "default",
        ["forms.formal.label=x"],
        ["forms.council.label=x"],
        OV,
        "forms.council",
        "allowed",
    ),
    override(
        "leaf-as-table",
        "default",
        ["run.steps=30"],
        ["run.steps.x=30"],
        OV,
        "run.steps",
    ),
    override(
        "value-word-for-number",
        "default",
        ["forms.formal.enforcement=0.5"],
        ["forms.formal.enforcement=abc"],
        OV,
        "forms.formal.enforcement",
        "must be a number",
    ),
    override(
        "value-empty",
        "default",
        ["forms.formal.enforcement=0.5"],
        ["forms.formal.enforcement="],
        OV,
        "forms.formal.enforcement",
        "must be a number",
    ),
    override("value-word-for-int", "default", ["run.steps=30"], ["run.steps=ten"], OV, "run.steps", "must be a number"),
    override(
        "value-float-for-int", "default", ["run.steps=30"], ["run.steps=2.5"], OV, "run.steps", "must be a whole number"
    ),
    override(
        "value-word-for-bool",
        "default",
        ["economy.allow_debt=true"],
        ["economy.allow_debt=maybe"],
        OV,
        "economy.allow_debt",
        "true or false",
    ),
    override(
        "value-number-for-bool",
        "default",
        ["forms.formal.renewable=false"],
        ["forms.formal.renewable=1"],
        OV,
        "forms.formal.renewable",
        "true or false",
    ),
    override(
        "value-word-for-list",
        "default",
        ['cooperation.forms=["formal"]'],
        ["cooperation.forms=formal"],
        OV,
        "cooperation.forms",
        "list of strings",
    ),
    override(
        "value-list-for-number",
        "default",
        ["landscape.n_villages=20"],
        ["landscape.n_villages=[20]"],
        OV,
        "landscape.n_villages",
        "must be a number",
    ),
    override(
        "value-number-for-string",
        "default",
        ["behaviour.rule=always_defect"],
        ["behaviour.rule=3"],
        OV,
        "behaviour.rule",
        "must be a string",
    ),
    override(
        "value-enum",
        "default",
        ["behaviour.rule=always_defect"],
        ["behaviour.rule=nice"],
        OV,
        "behaviour.rule",
        "allowed",
        "'conditional'",
    ),
    override(
        "value-enum-mistyped",
        "default",
        ["behaviour.rule=conditional"],
        ["behaviour.rule=conditionl"],
        OV,
        "behaviour.rule",
        "did you mean 'conditional'",
    ),
    override(
        "value-out-of-range",
        "default",
        ["forms.formal.enforcement=0.5"],
        ["forms.formal.enforcement=1.5"],
        OV,
        "forms.formal.enforcement",
        "[0, 1]",
    ),
    override(
        "value-negative-share",
        "default",
        ["economy.save_rate=0.1"],
        ["economy.save_rate=-0.1"],
        OV,
        "economy.save_rate",
        "allowed",
    ),
    override(
        "value-zero-villages",
        "default",
        ["landscape.n_villages=20"],
        ["landscape.n_villages=0"],
        OV,
        "landscape.n_villages",
        "allowed",
    ),
    override(
        "value-undefined-form",
        "default",
        ['cooperation.forms=["formal"]'],
        ['cooperation.forms=["charter"]'],
        OV,
        "cooperation.forms",
        "formal",
    ),
    override(
        "value-nan", "default", ["agriculture.alpha=0.5"], ["agriculture.alpha=nan"], OV, "agriculture.alpha", "finite"
    ),
    override("shortcut-steps-zero", "default", ["steps=30"], ["steps=0"], OV, "run.steps", "allowed"),
    override(
        "shortcut-villages-zero", "default", ["n_villages=20"], ["n_villages=0"], OV, "landscape.n_villages", "allowed"
    ),
    override(
        "missing-equals",
        "default",
        ["forms.formal.enforcement=0.5"],
        ["forms.formal.enforcement"],
        "--set",
        "KEY=VALUE",
    ),
    override("empty-key", "default", ["forms.formal.enforcement=0.5"], ["=0.5"], "--set", "KEY=VALUE"),
    override("blank-key", "default", ["forms.formal.enforcement=0.5"], [" =0.5"], "--set", "KEY=VALUE"),
    override("whole-table", "default", ["forms.formal.term=4"], ["forms.formal=4"], OV, "forms.formal", "is a table"),
    override("whole-top-table", "default", ["forms.formal.term=4"], ["forms=4"], OV, "forms", "is a table"),
    override("extends", "default", ["name=x"], ["extends=autarky"], OV, "extends", "scenario file"),
    override("model", "default", ["name=x"], ["model=spatial_game"], OV, "model", "scenario file"),
    override(
        "list-index-out-of-range",
        "default",
        ["shocks.scheduled.0.step=10"],
        ["shocks.scheduled.5.step=10"],
        OV,
        "shocks.scheduled.5",
        "out of range",
    ),
    override(
        "list-index-word",
        "default",
        ["shocks.scheduled.0.step=10"],
        ["shocks.scheduled.x.step=10"],
        OV,
        "shocks.scheduled.x",
    ),
    override(
        "scheduled-number",
        "default",
        ["shocks.scheduled=[]"],
        ["shocks.scheduled=5"],
        OV,
        "shocks.scheduled",
        "list of tables",
    ),
    override(
        "scheduled-kind",
        "default",
        ["shocks.scheduled.0.kind=flood"],
        ["shocks.scheduled.0.kind=meteor"],
        OV,
        "shocks.scheduled.0.kind",
        "'drought'",
    ),
    override(
        "mandate-domain",
        "default",
        ["policy.mandate.services=formal"],
        ["policy.mandate.fishing=formal"],
        OV,
        "policy.mandate.fishing",
        "agriculture",
    ),
    override(
        "mandate-form",
        "default",
        ["policy.mandate.services=formal"],
        ["policy.mandate.services=charter"],
        OV,
        "policy.mandate.services",
        "formal",
    ),
    override(
        "poverty-line-zero",
        "default",
        ["economy.poverty_line=2"],
        ["economy.poverty_line=0"],
        OV,
        "economy.poverty_line",
        "allowed",
    ),
    override(
        "currency-temperature-below-bound",
        "indonesia_kerjasama_antar_desa",
        ["behaviour.temperature=0.06"],
        ["behaviour.temperature=0.00000001"],
        OV,
        "behaviour.temperature",
        "1e-08",
    ),
    # classic games
    override(
        "classic-unknown", "classic/nowak_may", ["game.b=1.7"], ["game.bb=1.7"], OV, "game.bb", "did you mean 'game.b'"
    ),
    override("classic-word", "classic/nowak_may", ["game.b=1.7"], ["game.b=abc"], OV, "game.b", "must be a number"),
    override("classic-table", "classic/nowak_may", ["lattice.size=50"], ["lattice=50"], OV, "lattice", "is a table"),
    override(
        "classic-range", "classic/nowak_may", ["lattice.size=50"], ["lattice.size=2"], OV, "lattice.size", "allowed"
    ),
    override(
        "classic-combination",
        "classic/nowak_may",
        ["update=asynchronous"],
        ["update=death_birth"],
        "update",
        "'synchronous'",
    ),
    override(
        "classic-villages", "classic/nowak_may", ["steps=10"], ["n_villages=10"], OV, "n_villages", "lattice.size"
    ),
    override(
        "classic-extends",
        "classic/nowak_may",
        ["steps=10"],
        ["extends=classic/ohtsuki_cycle"],
        OV,
        "extends",
        "scenario file",
    ),
    override("classic-decimals", "classic/nowak_may", ["game.b=1.7"], ["game.b=1.7000000001"], "game.b", "decimals"),
]


def _overrides(items: list[str]) -> dict:
    out = {}
    for item in items:
        key, _, value = item.partition("=")
        out[key.strip()] = parse_value(value.strip())
    return out


@pytest.mark.parametrize(("scenario", "good", "bad", "expect"), unmarked(SET_CASES))
def test_override_valid_baseline(scenario, good, bad, expect):
    if scenario.startswith("classic/"):
        from sim.classic import load_classic

        load_classic(scenario, _overrides(good))
    else:
        load_scenario(scenario, _overrides(good))


@pytest.mark.parametrize(("scenario", "good", "bad", "expect"), SET_CASES)
def test_override(scenario, good, bad, expect, work, capsys):
    out = work / "out"
    argv = ["run", scenario, "--out", out, "--quiet"]
    for item in bad:
        argv += ["--set", item]
    before = snapshot(work)
    assert_refused(invoke(argv, capsys), expect, before, work, out)


# --- combinations: each override fine alone, the pair not; the result never depends on the order

PAIRS = [  # (overrides, each fine alone?, what the one line says)
    pytest.param(
        ["shocks.drought.district_weight=0.6", "shocks.drought.local_weight=0.5"],
        True,
        ("shocks.drought.local_weight", "<= 1"),
        id="drought-weights",
    ),
    pytest.param(
        ["landscape.n_villages=20", "landscape.n_districts=30"],
        True,
        ("landscape.n_districts", "landscape.n_villages (20)"),
        id="districts-villages",
    ),
    pytest.param(
        ["landscape.n_districts=4", "shocks.scheduled.0.district=6"],
        True,
        ("shocks.scheduled.0.district", "0 to 3"),
        id="shock-district",
    ),
    pytest.param(
        ["run.steps=30", "shocks.scheduled.0.duration=0"],
        False,
        ("shocks.scheduled.0.duration", "allowed"),
        id="one-bad-one-good",
    ),
    pytest.param(
        ["forms.formal.setup_cost=3", "economy.poverty_line=0"],
        False,
        (OV, "economy.poverty_line", "allowed"),
        id="money-poverty-line-zero",
    ),
    pytest.param(
        ["forms.formal.setup_cost=3", "economy.poverty_line=-1"],
        False,
        (OV, "economy.poverty_line", "allowed"),
        id="money-poverty-line-negative",
    ),
    pytest.param(
        ["forms.formal.setup_cost=3", "economy.poverty_line=abc"],
        False,
        (OV, "economy.poverty_line", "must be a number"),
        id="money-poverty-line-word",
    ),
    pytest.param(
        ["forms.formal.setup_cost=3", "economy.poverty_line=true"],
        False,
        (OV, "economy.poverty_line", "must be a number"),
        id="money-poverty-line-bool",
    ),
    pytest.param(
        ["forms.formal.setup_cost=3", "economy.poverty_line=nan"],
        False,
        (OV, "economy.poverty_line", "finite"),
        id="money-poverty-line-nan",
    ),
    pytest.param(
        ["behaviour.temperature=0.01", "economy.poverty_line=0"],
        False,
        (OV, "economy.poverty_line", "allowed"),
        id="money-lower-bound-poverty-line-zero",
    ),
    pytest.param(
        ["landscape.initial_wealth=-2", "economy.poverty_line=2"],
        False,
        (OV, "landscape.initial_wealth", "allowed"),
        id="negative-money-good-line",
    ),
    pytest.param(
        ["forms.formal.enforcment=0.5", "forms.formal.fine=-1"],
        False,
        (OV, "forms.formal.enforcment", "did you mean"),
        id="unknown-and-out-of-range",
    ),
]


def _override_order(capsys, work, items) -> tuple[Outcome, str]:
    out = work / "out"
    argv = ["run", "default", "--out", out, "--quiet"]
    for item in items:
        argv += ["--set", item]
    before = snapshot(work)
    outcome = invoke(argv, capsys)
    return outcome, assert_refused(outcome, (), before, work, out)


def _echo_as_set(line: str) -> str:
    """A "(with overrides a=1, b=2)" echo of the user's overrides, in a canonical order."""
    match = re.search(r"\(with overrides (.*)\)$", line)
    if not match:
        return line
    return line[: match.start()] + "(with overrides " + ", ".join(sorted(match.group(1).split(", "))) + ")"


@pytest.mark.parametrize(("items", "alone_ok", "expect"), PAIRS)
def test_override_pair_in_both_orders(items, alone_ok, expect, work, capsys):
    if alone_ok:  # the pair, not either override, breaks a rule
        for item in items:
            load_scenario("default", _overrides([item]))
    _, forward = _override_order(capsys, work, items)
    _, backward = _override_order(capsys, work, list(reversed(items)))
    for fragment in expect:
        assert fragment in forward, forward
    assert _echo_as_set(forward) == _echo_as_set(backward)


VALID_PAIRS = [
    pytest.param({"forms.formal.setup_cost": 3.0, "economy.poverty_line": 2.0}, id="money-and-poverty-line"),
    pytest.param({"landscape.n_villages": 400, "landscape.reference_villages": 100}, id="villages-and-reference"),
    pytest.param({"cooperation.forms": ["formal"], "forms.formal.enforcement": 0.2}, id="forms-and-enforcement"),
    pytest.param({"run.steps": 30, "shocks.scheduled.0.step": 25}, id="steps-and-shock-step"),
]


@pytest.mark.parametrize("overrides", VALID_PAIRS)
def test_valid_override_pair_in_both_orders(overrides):
    forward = load_scenario("default", dict(overrides)).params
    backward = load_scenario("default", dict(reversed(list(overrides.items())))).params
    assert forward == backward


ORDER_BUGS = [
    pytest.param(
        ["shocks.scheduled=[]", "shocks.scheduled.0.step=3"],
        id="replace-list-then-index",
    ),
    pytest.param(
        ["cooperation.forms=[]", 'cooperation.forms.0="formal"'],
        id="replace-forms-then-index",
    ),
]


@pytest.mark.parametrize("items", ORDER_BUGS)
def test_override_order_never_changes_the_outcome(items, work, capsys):
    outcomes = []
    for order in (items, list(reversed(items))):
        out = work / f"out{len(outcomes)}"
        argv = ["run", "default", "--out", out, "--quiet", "--steps", "1", "--set", "landscape.n_villages=10"]
        for item in order:
            argv += ["--set", item]
        outcome = invoke(argv, capsys)
        outcomes.append((outcome.code, out.exists(), _echo_as_set(outcome.err.strip())))
    assert outcomes[0] == outcomes[1]


def test_replaced_list_then_index_gives_one_scenario_in_both_orders():
    shock = '[{kind = "flood", step = 5, duration = 1, intensity = 0.5, district = 1}]'
    items = [f"shocks.scheduled={shock}", "shocks.scheduled.0.step=7"]
    forward = load_scenario("default", _overrides(items)).params["shocks"]["scheduled"]
    backward = load_scenario("default", _overrides(list(reversed(items)))).params["shocks"]["scheduled"]
    assert forward == backward


# ----------------------------------------------------------------------------- other flags


def flag(case_id: str, argv: list[str], *expect: str, marks=()):
    """``argv`` with placeholders: {out} (a folder to be created), {file} (an existing file),
    {exp} (a valid tiny experiment file), {tmp} (the test's folder)."""
    return pytest.param(argv, expect, id=case_id, marks=marks)


RUN = ["run", "default", "--out", "{out}", "--quiet"]
SWEEP = ["sweep", "{exp}", "--workers", "1", "--out", "{out}"]
FLAG_CASES = [
    flag("steps-zero", [*RUN, "--steps", "0"], "--steps", "[1, 100000]"),
    flag("steps-negative", [*RUN, "--steps", "-1"], "--steps", "[1, 100000]"),
    flag("steps-float", [*RUN, "--steps", "2.5"], "--steps", "int"),
    flag("steps-word", [*RUN, "--steps", "abc"], "--steps", "int"),
    flag("steps-empty", [*RUN, "--steps", ""], "--steps"),
    flag("steps-too-many", [*RUN, "--steps", "100001"], "--steps", "[1, 100000]"),
    flag("steps-missing-value", [*RUN, "--steps"], "--steps"),
    flag("villages-zero", [*RUN, "--villages", "0"], "--villages", "landscape.n_villages"),
    flag("villages-negative", [*RUN, "--villages", "-3"], "--villages"),
    flag("villages-word", [*RUN, "--villages", "x"], "--villages"),
    flag("villages-float", [*RUN, "--villages", "1.5"], "--villages"),
    flag("villages-too-many", [*RUN, "--villages", "10000001"], "--villages"),
    flag("seed-negative", [*RUN, "--seed", "-1"], "--seed", ">= 0"),
    flag("seed-float", [*RUN, "--seed", "1.5"], "--seed", "int"),
    flag("seed-word", [*RUN, "--seed", "abc"], "--seed"),
    flag("seed-empty", [*RUN, "--seed", ""], "--seed"),
    flag("out-empty", ["run", "default", "--out", ""], "--out"),
    flag("out-blank", ["run", "default", "--out", "   "], "--out"),
    flag("out-existing-file", ["run", "default", "--out", "{file}"], "{file}", "--out"),
    flag("out-inside-file", ["run", "default", "--out", "{file}/sub"], "{file}", "--out"),
    flag(
        "out-system-folder", ["run", "default", "--out", "/sys/kerjasama-test-out"], "/sys/kerjasama-test-out", "--out"
    ),
    flag("set-missing-value", [*RUN, "--set"], "--set"),
    flag("unknown-flag-lang", [*RUN, "--lang", "fr"], "--lang"),
    flag("unknown-flag-mistyped", [*RUN, "--stpes", "2"], "--stpes"),
    flag("run-extra-argument", [*RUN, "extra"], "extra"),
    flag("run-no-scenario", ["run"], "scenario"),
    flag("run-unknown-scenario", ["run", "defualt", "--out", "{out}"], "defualt", "did you mean 'default'"),
    flag(
        "run-unknown-classic",
        ["run", "classic/nowak_mya", "--out", "{out}"],
        "classic/nowak_mya",
        "did you mean 'classic/nowak_may'",
    ),
    flag(
        "classic-villages",
        ["run", "classic/nowak_may", "--villages", "10", "--out", "{out}"],
        "--villages",
        "lattice.size",
    ),
    flag("classic-steps-zero", ["run", "classic/nowak_may", "--steps", "0", "--out", "{out}"], "--steps"),
    flag("check-no-file", ["check"], "file"),
    flag("check-steps", ["check", "default", "--steps", "3"], "--steps"),
    flag("check-set", ["check", "default", "--set", "run.steps=3"], "--set"),
    flag("check-two-files", ["check", "default", "autarky"], "autarky"),
    flag("sweep-no-file", ["sweep"], "file"),
    flag("sweep-workers-zero", [*SWEEP, "--workers", "0"], "--workers", ">= 1"),
    flag("sweep-workers-negative", [*SWEEP, "--workers", "-2"], "--workers", ">= 1"),
    flag("sweep-workers-word", [*SWEEP, "--workers", "abc"], "--workers", "int"),
    flag("sweep-workers-float", [*SWEEP, "--workers", "1.5"], "--workers", "int"),
    flag("sweep-scheduler-http", [*SWEEP, "--scheduler", "http://localhost:8786"], "--scheduler", "tcp"),
    flag("sweep-scheduler-no-address", [*SWEEP, "--scheduler", "tcp://"], "--scheduler", "port"),
    flag("sweep-scheduler-no-port", [*SWEEP, "--scheduler", "tcp://localhost"], "--scheduler", "port"),
    flag(
        "sweep-scheduler-port-word",
        [*SWEEP, "--scheduler", "tcp://localhost:abc"],
        "--scheduler",
        "port",
    ),
    flag(
        "sweep-scheduler-port-out-of-range",
        [*SWEEP, "--scheduler", "tcp://localhost:99999"],
        "--scheduler",
        "port",
    ),
    flag(
        "sweep-scheduler-empty",
        [*SWEEP, "--scheduler", ""],
        "--scheduler",
    ),
    flag("sweep-out-existing-file", ["sweep", "{exp}", "--workers", "1", "--out", "{file}"], "{file}", "--out"),
    flag("sweep-out-inside-file", ["sweep", "{exp}", "--workers", "1", "--out", "{file}/sub"], "{file}", "--out"),
    flag("sweep-out-empty", ["sweep", "{exp}", "--out", ""], "--out"),
    flag(
        "sweep-out-system-folder",
        ["sweep", "{exp}", "--workers", "1", "--out", "/sys/kerjasama-test-out"],
        "/sys/kerjasama-test-out",
        "--out",
    ),
    flag("sweep-unknown-flag", [*SWEEP, "--fast"], "--fast"),
    flag("demo-out-empty", ["demo", "--out", ""], "--out"),
    flag("demo-out-existing-file", ["demo", "--out", "{file}"], "{file}", "--out"),
    flag("demo-workers-word", ["demo", "--workers", "abc"], "--workers"),
    flag(
        "demo-workers-zero",
        ["demo", "--workers", "0", "--out", "{tmp}/new/partnership_forms"],
        "--workers",
        ">= 1",
    ),
    flag("report-no-folder", ["report"], "folder"),
    flag("report-two-folders", ["report", "{tmp}/a", "{tmp}/b"], "/b"),
    flag("explore-port-too-high", ["explore", "--port", "70000"], "--port", "65535"),
    flag("explore-port-negative", ["explore", "--port", "-1"], "--port", "65535"),
    flag("explore-port-word", ["explore", "--port", "abc"], "--port"),
    flag("explore-unknown-scenario", ["explore", "defualt"], "defualt", "did you mean 'default'"),
    flag("explore-bad-host", ["explore", "--host", "256.256.256.256", "--port", "8765"], "--host", "256.256.256.256"),
    flag("validate-unknown-flag", ["validate", "--fast"], "--fast"),
    flag("scenarios-extra-argument", ["scenarios", "extra"], "extra"),
    flag("no-command", [], "command"),
    flag("unknown-command", ["frobnicate"], "frobnicate", "'run'"),
    flag("mistyped-command", ["rn", "default"], "'rn'", "'run'"),
    flag(
        "top-level-unknown-flag",
        ["--lang", "fr", "run", "default"],
        "--lang",
    ),
]

TINY_EXPERIMENT = """\
name = "tiny"
scenario = "default"
design = "arms"
replicates = 1
seed = 1
steps = 1

[set]
"landscape.n_villages" = 10
"shocks.scheduled" = []

[[arms]]
name = "autarky"
set = { "cooperation.forms" = [] }
"""


@pytest.fixture
def no_explorer(monkeypatch):
    """Should `explore` get past its checks, it must not serve: a stand-in for sim.app."""
    import sim

    stand_in = types.ModuleType("sim.app")

    def serve(*args, **kwargs):
        raise AssertionError("explore got past its checks and would serve")

    stand_in.serve = serve
    monkeypatch.setitem(sys.modules, "sim.app", stand_in)
    monkeypatch.setattr(sim, "app", stand_in, raising=False)


@pytest.mark.parametrize(("argv", "expect"), FLAG_CASES)
def test_flag(argv, expect, work, capsys, monkeypatch, no_explorer):
    import sim.sweep.runner

    monkeypatch.setattr(sim.sweep.runner, "CONNECT_TIMEOUT", 1)  # a scheduler that never answers: 1 s, not 10
    existing = _write(work / "inputs" / "existing.txt", "not a folder\n")
    experiment = _write(work / "inputs" / "tiny.toml", TINY_EXPERIMENT)
    places = {"out": str(work / "out"), "file": str(existing), "exp": str(experiment), "tmp": str(work)}
    if any(a.startswith("/sys/") for a in argv) and not Path("/sys").is_dir():
        pytest.skip("no /sys here: no folder that nobody may write in")
    before = snapshot(work)
    outcome = invoke([a.format(**places) for a in argv], capsys)
    assert_refused(outcome, fill(expect, **places), before, work, work / "out")


def test_flag_valid_baselines(work, capsys):
    """The experiment the flag cases use is valid (a sweep of it is checked, not run, here)."""
    from sim.sweep.design import load_experiment

    load_experiment(_write(work / "tiny.toml", TINY_EXPERIMENT))
    assert invoke(["check", "classic/nowak_may"], capsys).code == 0


@pytest.mark.parametrize("command", ["run", "sweep"])
def test_out_in_read_only_folder(command, work, capsys):
    folder = work / "read-only"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        if os.access(folder, os.W_OK):
            pytest.skip("running as a user who writes in a read-only folder anyway (root)")
        experiment = _write(work / "inputs" / "tiny.toml", TINY_EXPERIMENT)
        out = folder / "out"
        argv = (
            ["run", "default", "--out", out]
            if command == "run"
            else ["sweep", experiment, "--workers", "1", "--out", out]
        )
        before = snapshot(work)
        assert_refused(invoke(argv, capsys), [str(out), "--out"], before, work, out)
    finally:
        folder.chmod(0o755)


# ----------------------------------------------------------------------------- experiment files

ARMS = """\
name = "tiny"
description = "Two arms, one condition"
scenario = "default"
design = "arms"
replicates = 1
seed = 1
steps = 2
reference = "autarky"
metrics = ["welfare.mean_consumption"]

[set]
"landscape.n_villages" = 20

[[arms]]
name = "autarky"
label = "No cooperation"
set = { "cooperation.forms" = [] }

[[arms]]
name = "formal"
label = "Formal agreements"
set = { "cooperation.forms" = ["formal"], "forms.formal.enforcement" = 0.9 }
compare_with = "autarky"

[[conditions]]
name = "calm"
label = "No scheduled shock"
set = { "shocks.scheduled" = [] }

[quick]
replicates = 1
steps = 1
set = { "landscape.n_villages" = 10 }
"""

ARMS_COMBO = """\
name = "combo"
scenario = "default"
design = "arms"
replicates = 1
seed = 1
steps = 2

[[arms]]
name = "dry"
set = { "shocks.drought.district_weight" = 0.6 }

[[conditions]]
name = "local"
set = { "shocks.drought.local_weight" = 0.4 }
"""

GRID = """\
name = "tinygrid"
scenario = "default"
design = "grid"
replicates = 1
seed = 1
steps = 2

[set]
"landscape.n_villages" = 20

[factors]
"forms.formal.enforcement" = [0.0, 1.0]
"shocks.drought.district_weight" = [0.4, 0.6]
"shocks.drought.local_weight" = [0.3, 0.4]
"""

LHS = """\
name = "tinylhs"
scenario = "default"
design = "lhs"
samples = 4
seed = 1
steps = 2

[set]
"landscape.n_villages" = 20

[ranges]
"forms.formal.enforcement" = [0.0, 1.0]
"behaviour.initial_trust" = "schema"
"""

SOBOL = (
    LHS.replace('name = "tinylhs"', 'name = "tinysobol"')
    .replace('design = "lhs"', 'design = "sobol"')
    .replace("samples = 4\n", "samples = 4\ncalc_second_order = false\n")
)
MORRIS = (
    LHS.replace('name = "tinylhs"', 'name = "tinymorris"')
    .replace('design = "lhs"', 'design = "morris"')
    .replace("samples = 4\n", "samples = 2\nnum_levels = 4\n")
)
BASES = {"arms": ARMS, "combo": ARMS_COMBO, "grid": GRID, "lhs": LHS, "sobol": SOBOL, "morris": MORRIS}


def exp(case_id: str, changes, *expect: str, base: str = "arms", quick: bool = False, marks=()):
    """The experiment ``base`` with one change: ``changes`` is (old, new) or a list of them
    (one logical change that touches two places); each ``old`` occurs once in the base."""
    text = BASES[base]
    for old, new in [changes] if isinstance(changes, tuple) else changes:
        assert text.count(old) == 1, f"{case_id}: {old!r} occurs {text.count(old)} times"
        text = text.replace(old, new)
    return pytest.param(text, expect, quick, id=case_id, marks=marks)


BOTH_ARMS = """[[arms]]
name = "autarky"
label = "No cooperation"
set = { "cooperation.forms" = [] }

[[arms]]
name = "formal"
label = "Formal agreements"
set = { "cooperation.forms" = ["formal"], "forms.formal.enforcement" = 0.9 }
compare_with = "autarky"
"""
QUICK_TABLE = '[quick]\nreplicates = 1\nsteps = 1\nset = { "landscape.n_villages" = 10 }\n'

EXPERIMENT_CASES = [
    # --- top level
    exp(
        "top-unknown",
        ("replicates = 1\nseed", "replicats = 1\nseed"),
        "{file}",
        "replicats",
        "unknown key",
        "did you mean 'replicates'",
    ),
    exp("top-unknown-table", ("[set]", "[sets]"), "{file}", "sets", "unknown key", "did you mean 'set'"),
    exp("name-missing", ('name = "tiny"\n', ""), "{file}", "name", "missing"),
    exp("name-slash", ('name = "tiny"', 'name = "a/b"'), "{file}", "name", "folder name"),
    exp("name-empty", ('name = "tiny"', 'name = ""'), "{file}", "name", "folder name"),
    exp("name-number", ('name = "tiny"', "name = 5"), "{file}", "name", "must be str"),
    exp(
        "design-unknown",
        ('design = "grid"', 'design = "factorial"'),
        "{file}",
        "design",
        "allowed",
        "arms",
        base="grid",
    ),
    exp(
        "design-unknown-with-reference",
        ('design = "arms"', 'design = "factorial"'),
        "{file}: design:",
        "allowed",
    ),
    exp("design-number", ('design = "arms"', "design = 3"), "{file}", "design", "must be str"),
    exp("design-missing", ('design = "arms"\n', ""), "{file}", "design", "missing"),
    exp("replicates-zero", ("replicates = 1\nseed", "replicates = 0\nseed"), "{file}", "replicates", ">= 1"),
    exp("replicates-negative", ("replicates = 1\nseed", "replicates = -1\nseed"), "{file}", "replicates", ">= 1"),
    exp("replicates-string", ("replicates = 1\nseed", 'replicates = "1"\nseed'), "{file}", "replicates", "int"),
    exp("replicates-float", ("replicates = 1\nseed", "replicates = 1.5\nseed"), "{file}", "replicates", "int"),
    exp("replicates-bool", ("replicates = 1\nseed", "replicates = true\nseed"), "{file}", "replicates", "int"),
    exp("seed-negative", ("seed = 1\n", "seed = -1\n"), "{file}", "seed", ">= 0"),
    exp("seed-string", ("seed = 1\n", 'seed = "1"\n'), "{file}", "seed", "int"),
    exp("seed-float", ("seed = 1\n", "seed = 1.5\n"), "{file}", "seed", "int"),
    exp("seed-missing", ("seed = 1\n", ""), "{file}", "seed", "missing"),
    exp("steps-zero", ("steps = 2\n", "steps = 0\n"), "{file}", "steps", ">= 1"),
    exp("steps-negative", ("steps = 2\n", "steps = -1\n"), "{file}", "steps", ">= 1"),
    exp("steps-string", ("steps = 2\n", 'steps = "2"\n'), "{file}", "steps", "int"),
    exp("steps-float", ("steps = 2\n", "steps = 2.5\n"), "{file}", "steps", "int"),
    exp(
        "steps-too-many",
        ("steps = 2\n", "steps = 100001\n"),
        "{file}: steps:",
        "100000",
    ),
    exp(
        "scenario-unknown",
        ('scenario = "default"', 'scenario = "defualt"'),
        "{file}",
        "scenario",
        "did you mean 'default'",
    ),
    exp(
        "scenario-classic",
        ('scenario = "default"', 'scenario = "classic/nowak_may"'),
        "{file}",
        "scenario",
        "classic game",
    ),
    exp("scenario-number", ('scenario = "default"', "scenario = 5"), "{file}", "scenario", "must be str"),
    exp(
        "scenario-experiment",
        ('scenario = "default"', f'scenario = "{EXPERIMENTS / "partnership_forms.toml"}"'),
        "{file}: scenario:",
        "kerjasama sweep",
    ),
    exp("metrics-empty", ('metrics = ["welfare.mean_consumption"]', "metrics = []"), "{file}", "metrics", "non-empty"),
    exp(
        "metrics-string",
        ('metrics = ["welfare.mean_consumption"]', 'metrics = "welfare.mean_consumption"'),
        "{file}",
        "metrics",
        "must be list",
    ),
    exp(
        "metrics-numbers",
        ('metrics = ["welfare.mean_consumption"]', "metrics = [1]"),
        "{file}",
        "metrics",
        "summary keys",
    ),
    exp(
        "metrics-mistyped",
        ('metrics = ["welfare.mean_consumption"]', 'metrics = ["welfare.mean_consumptio"]'),
        "{file}",
        "metrics.0",
        "did you mean",
    ),
    exp(
        "explained-by-spaces",
        ('reference = "autarky"\n', 'reference = "autarky"\nexplained_by = "form decomposition"\n'),
        "{file}",
        "explained_by",
        "letters, digits",
    ),
    exp(
        "explained-by-number",
        ('reference = "autarky"\n', 'reference = "autarky"\nexplained_by = 5\n'),
        "{file}",
        "explained_by",
        "must be str",
    ),
    exp(
        "explained-by-in-grid",
        ("steps = 2\n", 'steps = 2\nexplained_by = "form_decomposition"\n'),
        "{file}",
        "explained_by",
        "arms",
        base="grid",
    ),
    exp(
        "reference-in-grid",
        ("steps = 2\n", 'steps = 2\nreference = "autarky"\n'),
        "{file}",
        "reference",
        "arms",
        base="grid",
    ),
    exp(
        "reference-not-an-arm",
        ('reference = "autarky"', 'reference = "autarkey"'),
        "{file}",
        "reference",
        "autarky, formal",
    ),
    exp("samples-string", ("steps = 2\n", 'steps = 2\nsamples = "4"\n'), "{file}", "samples", "must be int"),
    # --- [set]
    exp(
        "set-unknown-key",
        ('"landscape.n_villages" = 20', '"landscape.n_vilages" = 20'),
        "{file}",
        "set",
        "landscape.n_vilages",
        "did you mean",
    ),
    exp(
        "set-out-of-range",
        ('"landscape.n_villages" = 20', '"landscape.n_villages" = 0'),
        "{file}",
        "set",
        "landscape.n_villages",
        "allowed",
    ),
    exp(
        "set-wrong-type",
        ('"landscape.n_villages" = 20', '"landscape.n_villages" = "20"'),
        "{file}",
        "set",
        "landscape.n_villages",
        "must be a number",
    ),
    exp("set-extends", ('"landscape.n_villages" = 20', '"extends" = "autarky"'), "{file}", "set", "extends"),
    exp(
        "set-poverty-line-zero",
        ('"landscape.n_villages" = 20', '"economy.poverty_line" = 0'),
        "{file}",
        "set",
        "economy.poverty_line",
        "allowed",
    ),
    exp(
        "arm-money-and-poverty-line-zero",
        ('"forms.formal.enforcement" = 0.9', '"forms.formal.setup_cost" = 3, "economy.poverty_line" = 0'),
        "{file}",
        "arms.1.set",
        "economy.poverty_line",
        "allowed",
    ),
    exp(
        "set-table",
        ('"landscape.n_villages" = 20', '"forms.formal" = 1'),
        "{file}",
        "set",
        "forms.formal",
        "is a table",
    ),
    # --- [[arms]] and [[conditions]]
    exp("arm-no-name", ('name = "autarky"\n', ""), "{file}", "arms.0.name", "required"),
    exp("arm-empty-name", ('name = "autarky"\n', 'name = ""\n'), "{file}", "arms.0.name", "required"),
    exp("arm-name-number", ('name = "autarky"\n', "name = 1\n"), "{file}", "arms.0.name", "required"),
    exp("arm-duplicate-name", ('name = "formal"', 'name = "autarky"'), "{file}", "arms.1.name", "duplicate"),
    exp(
        "arm-unknown-key",
        ('compare_with = "autarky"', 'compare_wth = "autarky"'),
        "{file}",
        "arms.1.compare_wth",
        "allowed",
        "compare_with",
    ),
    exp("arm-set-number", ('set = { "cooperation.forms" = [] }', "set = 5"), "{file}", "arms.0.set", "table"),
    exp("arm-label-number", ('label = "No cooperation"', "label = 5"), "{file}", "arms.0.label", "string"),
    exp(
        "arm-set-unknown-key",
        ('set = { "cooperation.forms" = [] }', 'set = { "cooperation.form" = [] }'),
        "{file}",
        "arms.0.set",
        "cooperation.form",
        "did you mean",
    ),
    exp(
        "arm-set-bad-value",
        ('"forms.formal.enforcement" = 0.9', '"forms.formal.enforcement" = 1.9'),
        "{file}",
        "arms.1.set",
        "forms.formal.enforcement",
        "[0, 1]",
    ),
    exp(
        "arm-set-undefined-form",
        ('["formal"], "forms', '["charter"], "forms'),
        "{file}",
        "arms.1.set",
        "cooperation.forms",
        "formal",
    ),
    exp(
        "compare-with-nothing",
        ('compare_with = "autarky"', 'compare_with = "nothing"'),
        "{file}",
        "arms.1.compare_with",
        "autarky",
    ),
    exp(
        "compare-with-itself",
        ('compare_with = "autarky"', 'compare_with = "formal"'),
        "{file}",
        "arms.1.compare_with",
        "another arm",
    ),
    exp(
        "compare-with-number",
        ('compare_with = "autarky"', "compare_with = 1"),
        "{file}",
        "arms.1.compare_with",
        "another arm",
    ),
    exp("no-arms", [(BOTH_ARMS, ""), ("steps = 2\n", "steps = 2\narms = []\n")], "{file}", "arms", "at least one arm"),
    exp("arms-missing", (BOTH_ARMS, ""), "{file}", "arms", "missing"),
    exp(
        "arms-with-factors",
        ("[[conditions]]", '[factors]\n"forms.formal.enforcement" = [0.1]\n\n[[conditions]]'),
        "{file}",
        "factors",
        "not used by design 'arms'",
    ),
    exp(
        "condition-unknown-key",
        ('label = "No scheduled shock"', 'compare_with = "autarky"'),
        "{file}",
        "conditions.0.compare_with",
        "allowed",
    ),
    exp("condition-no-name", ('name = "calm"\n', ""), "{file}", "conditions.0.name", "required"),
    exp(
        "condition-set-bad",
        ('set = { "shocks.scheduled" = [] }', 'set = { "shocks.scheduled" = 5 }'),
        "{file}",
        "conditions.0.set",
        "shocks.scheduled",
    ),
    exp(
        "arm-and-condition-together",
        ('"shocks.drought.local_weight" = 0.4', '"shocks.drought.local_weight" = 0.5'),
        "{file}",
        "arms.dry x conditions.local",
        "local_weight",
        base="combo",
    ),
    # --- [quick]
    exp(
        "quick-unknown",
        ("[quick]\nreplicates = 1", "[quick]\nreplicats = 1"),
        "{file}",
        "quick.replicats",
        "did you mean 'replicates'",
    ),
    exp(
        "quick-unknown-used",
        ("[quick]\nreplicates = 1", "[quick]\nreplicats = 1"),
        "{file}",
        "quick.replicats",
        "did you mean 'replicates'",
        quick=True,
    ),
    exp(
        "quick-replicates-zero",
        ("[quick]\nreplicates = 1", "[quick]\nreplicates = 0"),
        "{file}",
        "quick.replicates",
        ">= 1",
    ),
    exp(
        "quick-replicates-zero-used",
        ("[quick]\nreplicates = 1", "[quick]\nreplicates = 0"),
        "{file}",
        "quick.replicates",
        ">= 1",
        quick=True,
    ),
    exp("quick-steps-string", ("steps = 1\nset", 'steps = "1"\nset'), "{file}", "quick.steps", "int"),
    exp(
        "quick-set-bad-value",
        ('"landscape.n_villages" = 10 }', '"landscape.n_villages" = 0 }'),
        "{file}",
        "quick.set",
        "landscape.n_villages",
        "allowed",
    ),
    exp(
        "quick-set-unknown-key",
        ('"landscape.n_villages" = 10 }', '"landscape.n_vilages" = 10 }'),
        "{file}",
        "quick.set",
        "landscape.n_vilages",
        "did you mean",
    ),
    exp("quick-set-number", ('set = { "landscape.n_villages" = 10 }\n', "set = 10\n"), "{file}", "quick.set", "table"),
    exp("quick-name", ("[quick]\n", '[quick]\nname = "other"\n'), "{file}", "quick.name", "unknown key"),
    exp(
        "quick-design",
        ("[quick]\n", '[quick]\ndesign = "factorial"\n'),
        "{file}",
        "quick.design",
        "allowed",
    ),
    exp(
        "quick-design-in-grid",
        (
            '"shocks.drought.local_weight" = [0.3, 0.4]\n',
            '"shocks.drought.local_weight" = [0.3, 0.4]\n\n[quick]\ndesign = "factorial"\n',
        ),
        "{file}",
        "quick.design",
        "allowed",
        base="grid",
    ),
    exp(
        "quick-not-a-table", [(QUICK_TABLE, ""), ("steps = 2\n", "steps = 2\nquick = 5\n")], "{file}", "quick", "table"
    ),
    # --- grid
    exp(
        "factor-not-a-list",
        ('"forms.formal.enforcement" = [0.0, 1.0]', '"forms.formal.enforcement" = 0.5'),
        "{file}",
        "factors.forms.formal.enforcement",
        "list",
        base="grid",
    ),
    exp(
        "factor-empty-list",
        ('"forms.formal.enforcement" = [0.0, 1.0]', '"forms.formal.enforcement" = []'),
        "{file}",
        "factors.forms.formal.enforcement",
        "non-empty",
        base="grid",
    ),
    exp(
        "factor-bad-value",
        ('"forms.formal.enforcement" = [0.0, 1.0]', '"forms.formal.enforcement" = [0.0, 1.5]'),
        "{file}",
        "factors.forms.formal.enforcement",
        "[0, 1]",
        base="grid",
    ),
    exp(
        "factor-bad-type",
        ('"forms.formal.enforcement" = [0.0, 1.0]', '"forms.formal.enforcement" = [0.0, "high"]'),
        "{file}",
        "factors.forms.formal.enforcement",
        "must be a number",
        base="grid",
    ),
    exp(
        "factor-unknown-key",
        ('"forms.formal.enforcement" = [0.0, 1.0]', '"forms.formal.enforcment" = [0.0, 1.0]'),
        "{file}",
        "factors.forms.formal.enforcment",
        "did you mean",
        base="grid",
    ),
    exp(
        "factors-empty",
        (
            '"forms.formal.enforcement" = [0.0, 1.0]\n"shocks.drought.district_weight" = [0.4, 0.6]\n"shocks.drought.local_weight" = [0.3, 0.4]\n',
            "",
        ),
        "{file}",
        "factors",
        "at least one factor",
        base="grid",
    ),
    exp(
        "factors-missing",
        (
            '[factors]\n"forms.formal.enforcement" = [0.0, 1.0]\n"shocks.drought.district_weight" = [0.4, 0.6]\n"shocks.drought.local_weight" = [0.3, 0.4]\n',
            "",
        ),
        "{file}",
        "factors",
        "missing",
        base="grid",
    ),
    exp(
        "factors-together",
        ('"shocks.drought.local_weight" = [0.3, 0.4]', '"shocks.drought.local_weight" = [0.3, 0.5]'),
        "{file}",
        "factors",
        "design point",
        "local_weight",
        base="grid",
    ),
    exp(
        "grid-with-ranges",
        ("[factors]", '[ranges]\n"behaviour.initial_trust" = [0.1, 0.9]\n\n[factors]'),
        "{file}",
        "ranges",
        "not used by design 'grid'",
        base="grid",
    ),
    # --- lhs, sobol, morris
    exp(
        "range-low-above-high",
        ('"forms.formal.enforcement" = [0.0, 1.0]', '"forms.formal.enforcement" = [1.0, 0.0]'),
        "{file}",
        "ranges.forms.formal.enforcement",
        "low < high",
        base="lhs",
    ),
    exp(
        "range-low-equals-high",
        ('"forms.formal.enforcement" = [0.0, 1.0]', '"forms.formal.enforcement" = [0.5, 0.5]'),
        "{file}",
        "ranges.forms.formal.enforcement",
        "low < high",
        base="lhs",
    ),
    exp(
        "range-one-number",
        ('"forms.formal.enforcement" = [0.0, 1.0]', '"forms.formal.enforcement" = [0.5]'),
        "{file}",
        "ranges.forms.formal.enforcement",
        "[low, high]",
        base="lhs",
    ),
    exp(
        "range-three-numbers",
        ('"forms.formal.enforcement" = [0.0, 1.0]', '"forms.formal.enforcement" = [0.0, 0.5, 1.0]'),
        "{file}",
        "ranges.forms.formal.enforcement",
        "[low, high]",
        base="lhs",
    ),
    exp(
        "range-strings",
        ('"forms.formal.enforcement" = [0.0, 1.0]', '"forms.formal.enforcement" = ["low", "high"]'),
        "{file}",
        "ranges.forms.formal.enforcement",
        "[low, high]",
        base="lhs",
    ),
    exp(
        "range-bools",
        ('"forms.formal.enforcement" = [0.0, 1.0]', '"forms.formal.enforcement" = [false, true]'),
        "{file}",
        "ranges.forms.formal.enforcement",
        "[low, high]",
        base="lhs",
    ),
    exp(
        "range-number",
        ('"forms.formal.enforcement" = [0.0, 1.0]', '"forms.formal.enforcement" = 1.0'),
        "{file}",
        "ranges.forms.formal.enforcement",
        "[low, high]",
        base="lhs",
    ),
    exp(
        "range-beyond-schema",
        ('"forms.formal.enforcement" = [0.0, 1.0]', '"forms.formal.enforcement" = [0.0, 1.5]'),
        "{file}",
        "ranges.forms.formal.enforcement",
        "[0, 1]",
        base="lhs",
    ),
    exp(
        "range-unknown-key",
        ('"forms.formal.enforcement" = [0.0, 1.0]', '"forms.formal.enforcment" = [0.0, 1.0]'),
        "{file}",
        "ranges.forms.formal.enforcment",
        "did you mean 'enforcement'",
        base="lhs",
    ),
    exp(
        "range-schema-unknown-key",
        ('"behaviour.initial_trust" = "schema"', '"behaviour.initial_trst" = "schema"'),
        "{file}",
        "ranges.behaviour.initial_trst",
        "did you mean 'initial_trust'",
        base="lhs",
    ),
    exp(
        "range-schema-not-numeric",
        ('"behaviour.initial_trust" = "schema"', '"behaviour.rule" = "schema"'),
        "{file}",
        "ranges.behaviour.rule",
        "no range",
        base="lhs",
    ),
    exp(
        "range-word",
        ('"behaviour.initial_trust" = "schema"', '"behaviour.initial_trust" = "wide"'),
        "{file}",
        "ranges.behaviour.initial_trust",
        "[low, high]",
        base="lhs",
    ),
    exp(
        "ranges-empty",
        ('"forms.formal.enforcement" = [0.0, 1.0]\n"behaviour.initial_trust" = "schema"\n', ""),
        "{file}",
        "ranges",
        "at least one",
        base="lhs",
    ),
    exp(
        "ranges-missing",
        ('[ranges]\n"forms.formal.enforcement" = [0.0, 1.0]\n"behaviour.initial_trust" = "schema"\n', ""),
        "{file}",
        "ranges",
        "missing",
        base="lhs",
    ),
    exp("lhs-samples-zero", ("samples = 4", "samples = 0"), "{file}", "samples", ">= 1", base="lhs"),
    exp("lhs-samples-missing", ("samples = 4\n", ""), "{file}", "samples", ">= 1", base="lhs"),
    exp(
        "lhs-with-arms",
        ("[ranges]", '[[arms]]\nname = "a"\n\n[ranges]'),
        "{file}",
        "arms",
        "not used by design 'lhs'",
        base="lhs",
    ),
    exp("sobol-not-power-of-two", ("samples = 4", "samples = 6"), "{file}", "samples", "power of 2", base="sobol"),
    exp(
        "sobol-second-order-string",
        ("calc_second_order = false", 'calc_second_order = "no"'),
        "{file}",
        "calc_second_order",
        "must be bool",
        base="sobol",
    ),
    exp("morris-one-level", ("num_levels = 4", "num_levels = 1"), "{file}", "num_levels", ">= 2", base="morris"),
    exp("morris-zero-levels", ("num_levels = 4", "num_levels = 0"), "{file}", "num_levels", ">= 2", base="morris"),
    exp(
        "morris-levels-string",
        ("num_levels = 4", 'num_levels = "4"'),
        "{file}",
        "num_levels",
        "must be int",
        base="morris",
    ),
    exp("morris-samples-zero", ("samples = 2", "samples = 0"), "{file}", "samples", ">= 1", base="morris"),
    # --- the file itself
    exp("toml-malformed", ("[set]", "[set"), "{file}", "malformed TOML"),
    exp("toml-duplicate-key", ("seed = 1\n", "seed = 1\nseed = 2\n"), "{file}", "malformed TOML"),
]


def test_experiment_bases_are_valid(work):
    from sim.sweep.design import load_experiment

    for name, text in BASES.items():
        path = _write(work / f"{name}.toml", text)
        load_experiment(path)
        load_experiment(path, quick=True)


@pytest.mark.parametrize(("text", "expect", "quick"), EXPERIMENT_CASES)
def test_experiment_file(text, expect, quick, work, capsys):
    path = _write(work / "inputs" / "case.toml", text)
    out = work / "out"
    argv = ["sweep", path, "--workers", "1", "--out", out] + (["--quick"] if quick else [])
    before = snapshot(work)
    assert_refused(invoke(argv, capsys), fill(expect, file=str(path.resolve())), before, work, out)


# --- the wrong kind of file for the command, and files that are not TOML text

WRONG_KIND = [
    pytest.param(
        ["sweep", str(SCENARIOS / "default.toml")], ("default.toml", "kerjasama run"), id="sweep-shipped-scenario-file"
    ),
    pytest.param(["sweep", "default"], ("default", "kerjasama run"), id="sweep-scenario-name"),
    pytest.param(["sweep", "classic/nowak_may"], ("classic/nowak_may", "kerjasama run"), id="sweep-classic-name"),
    pytest.param(
        ["sweep", str(SCENARIOS / "classic" / "nowak_may.toml")],
        ("nowak_may.toml", "kerjasama run"),
        id="sweep-classic-file",
    ),
    pytest.param(["sweep", "{scenario}"], ("{scenario}", "kerjasama run"), id="sweep-own-scenario-file"),
    pytest.param(["sweep", "{classic}"], ("{classic}", "kerjasama run"), id="sweep-own-classic-file"),
    pytest.param(
        ["run", "partnership_forms", "--out", "{out}"],
        ("partnership_forms", "kerjasama sweep"),
        id="run-experiment-name",
    ),
    pytest.param(["check", "partnership_forms"], ("partnership_forms", "kerjasama sweep"), id="check-experiment-name"),
    pytest.param(
        ["check", "sensitivity.toml"], ("sensitivity.toml", "kerjasama sweep"), id="check-experiment-name-toml"
    ),
    pytest.param(
        ["run", str(EXPERIMENTS / "partnership_forms.toml"), "--out", "{out}"],
        ("partnership_forms.toml", "kerjasama sweep"),
        id="run-shipped-experiment-file",
    ),
    pytest.param(["check", "{experiment}"], ("{experiment}", "kerjasama sweep"), id="check-own-experiment-file"),
    pytest.param(
        ["run", "{experiment}", "--out", "{out}"], ("{experiment}", "kerjasama sweep"), id="run-own-experiment-file"
    ),
    pytest.param(["explore", "{experiment}"], ("{experiment}", "kerjasama sweep"), id="explore-own-experiment-file"),
    pytest.param(
        ["sweep", "partnership_form"],
        ("partnership_form", "did you mean 'partnership_forms'"),
        id="sweep-mistyped-name",
    ),
    pytest.param(["sweep", "{missing}"], ("{missing}", "no such experiment"), id="sweep-missing-file"),
    pytest.param(["sweep", "{folder}"], ("{folder}", "no such experiment"), id="sweep-directory"),
    pytest.param(
        ["sweep", "{binary}"],
        ("{binary}", "cannot read"),
        id="sweep-binary-file",
    ),
    pytest.param(["sweep", "{empty}"], ("{empty}", "missing"), id="sweep-empty-file"),
    pytest.param(["report", "{experiment}"], ("{experiment}",), id="report-experiment-file"),
]


@pytest.mark.parametrize(("argv", "expect"), WRONG_KIND)
def test_wrong_kind_of_file(argv, expect, work, capsys, no_explorer):
    inputs = work / "inputs"
    places = {
        "scenario": str(_write(inputs / "scenario.toml", 'name = "mine"\n[run]\nsteps = 30\n').resolve()),
        "classic": str(_write(inputs / "game.toml", CLASSIC).resolve()),
        "experiment": str(_write(inputs / "tiny.toml", TINY_EXPERIMENT).resolve()),
        "missing": str(inputs / "missing.toml"),
        "folder": str(_directory_at(inputs / "folder.toml")),
        "binary": str(_write(inputs / "binary.toml", bytes(range(128, 256))).resolve()),
        "empty": str(_write(inputs / "empty.toml", "").resolve()),
        "out": str(work / "out"),
    }
    before = snapshot(work)
    outcome = invoke([a.format(**places) for a in argv], capsys)
    assert_refused(outcome, fill(expect, **places), before, work, work / "out")


def _directory_at(path: Path) -> Path:
    path.mkdir(parents=True)
    return path


# ----------------------------------------------------------------------------- kerjasama report

REPORT_EXPERIMENT = """\
name = "reported"
scenario = "default"
design = "arms"
replicates = 1
seed = 3
steps = 2
metrics = ["welfare.mean_consumption"]

[set]
"landscape.n_villages" = 10
"shocks.scheduled" = []

[[arms]]
name = "autarky"
set = { "cooperation.forms" = [] }

[[arms]]
name = "formal"
set = { "cooperation.forms" = ["formal"] }
"""


@pytest.fixture(scope="module")
def sweep_folder(tmp_path_factory):
    """One tiny sweep's results folder, without its report (each case copies and damages it)."""
    root = tmp_path_factory.mktemp("sweep")
    experiment = _write(root / "reported.toml", REPORT_EXPERIMENT)
    folder = root / "results"
    assert main(["sweep", str(experiment), "--workers", "1", "--out", str(folder)]) == 0
    for made in ("report.md", "report.html"):
        (folder / made).unlink()
    shutil.rmtree(folder / "figures")
    return folder


def _edit_manifest(change):
    def damage(folder: Path) -> None:
        path = folder / "manifest.json"
        manifest = json.loads(path.read_text())
        change(manifest)
        path.write_text(json.dumps(manifest))

    return damage


def _runs(change):
    def damage(folder: Path) -> None:
        import pandas as pd

        path = folder / "runs.parquet"
        change(pd.read_parquet(path)).to_parquet(path)

    return damage


def _truncate(name: str, keep: int):
    def damage(folder: Path) -> None:
        path = folder / name
        path.write_bytes(path.read_bytes()[:keep])

    return damage


def _replace(name: str, content: bytes):
    def damage(folder: Path) -> None:
        path = folder / name
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)
        path.write_bytes(content)

    return damage


def _remove(name: str):
    def damage(folder: Path) -> None:
        path = folder / name
        shutil.rmtree(path) if path.is_dir() else path.unlink()

    return damage


def _as_folder(name: str):
    def damage(folder: Path) -> None:
        (folder / name).unlink()
        (folder / name).mkdir()

    return damage


def _timeseries_twice(folder: Path) -> None:
    import pandas as pd

    path = folder / "timeseries.parquet"
    table = pd.read_parquet(path)
    pd.concat([table, table.iloc[[0]]]).to_parquet(path)


def _only_damaged_part(folder: Path) -> None:
    (folder / "timeseries.parquet").unlink()
    (sorted((folder / "timeseries").glob("*.parquet"))[0]).write_bytes(b"PAR1 not really")


def _set_experiment(value):
    return _edit_manifest(lambda m: m.__setitem__("experiment", value))


def _set_in_experiment(key, value):
    return _edit_manifest(lambda m: m["experiment"].__setitem__(key, value))


REPORT_CASES = [
    pytest.param(_remove("manifest.json"), ("{folder}", "manifest.json"), id="no-manifest"),
    pytest.param(_remove("runs.parquet"), ("{folder}", "runs.parquet"), id="no-runs-table"),
    pytest.param(_replace("manifest.json", b""), ("manifest.json", "damaged"), id="manifest-empty"),
    pytest.param(_truncate("manifest.json", 100), ("manifest.json", "damaged"), id="manifest-truncated"),
    pytest.param(_replace("manifest.json", bytes(range(128, 256))), ("manifest.json", "damaged"), id="manifest-binary"),
    pytest.param(_replace("manifest.json", b"[]"), ("manifest.json", "not a JSON object"), id="manifest-list"),
    pytest.param(_replace("manifest.json", b"null"), ("manifest.json", "not a JSON object"), id="manifest-null"),
    pytest.param(_as_folder("manifest.json"), ("manifest.json",), id="manifest-is-a-folder"),
    pytest.param(
        _set_experiment(5),
        ("manifest.json", "experiment"),
        id="manifest-experiment-number",
    ),
    pytest.param(
        _set_experiment(["arms"]),
        ("manifest.json", "experiment"),
        id="manifest-experiment-list",
    ),
    pytest.param(
        _set_in_experiment("metrics", 5),
        ("manifest.json", "metrics"),
        id="manifest-metrics-number",
    ),
    pytest.param(_replace("runs.parquet", b""), ("runs.parquet", "cannot read"), id="runs-empty-file"),
    pytest.param(_truncate("runs.parquet", 1000), ("runs.parquet", "cannot read"), id="runs-truncated"),
    pytest.param(
        _replace("runs.parquet", b"run_id,arm\np0000-r000,autarky\n"),
        ("runs.parquet", "cannot read"),
        id="runs-not-parquet",
    ),
    pytest.param(_runs(lambda t: t.drop(columns=["run_id"])), ("runs.parquet", "run_id"), id="runs-without-run-id"),
    pytest.param(_runs(lambda t: t.iloc[[0, 0, 1]]), ("runs.parquet", "p0000-r000", "2 times"), id="runs-duplicated"),
    pytest.param(_as_folder("runs.parquet"), ("runs.parquet",), id="runs-is-a-folder"),
    pytest.param(
        _truncate("timeseries.parquet", 1000), ("timeseries.parquet", "cannot read"), id="timeseries-truncated"
    ),
    pytest.param(
        _replace("timeseries.parquet", b"not parquet"),
        ("timeseries.parquet", "cannot read"),
        id="timeseries-not-parquet",
    ),
    pytest.param(_timeseries_twice, ("timeseries.parquet", "stored twice"), id="timeseries-step-twice"),
    pytest.param(_only_damaged_part, ("p0000-r000.parquet", "cannot read"), id="timeseries-part-damaged"),
]


@pytest.mark.parametrize(("damage", "expect"), REPORT_CASES)
def test_report_damaged_folder(damage, expect, sweep_folder, work, capsys):
    folder = work / "results"
    shutil.copytree(sweep_folder, folder)
    damage(folder)
    before = snapshot(work)
    outcome = invoke(["report", folder], capsys)
    assert_refused(outcome, fill(expect, folder=str(folder)), before, work)


def test_report_intact_folder_is_reported(sweep_folder, work, capsys):
    """The baseline every damaged folder is one change from."""
    folder = work / "results"
    shutil.copytree(sweep_folder, folder)
    outcome = invoke(["report", folder], capsys)
    assert outcome.code == 0, outcome.err
    assert (folder / "report.md").exists()


REPORT_PATHS = [
    pytest.param(lambda w: w / "nowhere", ("{path}", "does not exist"), id="missing-folder"),
    pytest.param(lambda w: _write(w / "inputs" / "a-file.txt", "x\n"), ("{path}",), id="a-file"),
    pytest.param(lambda w: _directory_at(w / "inputs" / "empty"), ("{path}", "manifest.json"), id="empty-folder"),
    pytest.param(
        lambda w: _write(w / "inputs" / "half" / "manifest.json", "{}"),
        ("{path}", "runs.parquet"),
        id="manifest-only",
    ),
]


@pytest.mark.parametrize(("make", "expect"), REPORT_PATHS)
def test_report_not_a_results_folder(make, expect, work, capsys):
    path = make(work)
    before = snapshot(work)
    outcome = invoke(["report", path], capsys)
    assert_refused(outcome, fill(expect, path=str(path)), before, work)
