"""Experiment designs (sim/sweep/design.py): sizes and validation of experiment files."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim import ScenarioError
from sim.scenario import read_toml
from sim.sweep.design import EXPERIMENT_DIR, expected_points, load_experiment

BASE = 'name = "t"\nscenario = "default"\nseed = 5\nsteps = 3\n'


def write(tmp_path, text: str, name: str = "exp.toml") -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_shipped_experiments_load_with_the_documented_sizes():
    forms = load_experiment("partnership_forms")
    assert len(forms.points) == 6 * 2 and len(forms.runs()) == 12 * forms.replicates
    assert forms.reference == "autarky"
    grid = load_experiment("enforcement_trust")
    assert len(grid.points) == 6 * 5
    # the full sensitivity design (N = 1024: 17,408 points) takes a minute to check point by point:
    # its [quick] variant is loaded here, over the same ranges, and the full file's size is read
    sobol = load_experiment("sensitivity", quick=True)
    assert 6 <= len(sobol.ranges) <= 16
    assert len(sobol.points) == expected_points("sobol", sobol.samples, len(sobol.ranges), sobol.calc_second_order)
    assert len(sobol.points) == sobol.samples * (len(sobol.ranges) + 2)
    full = read_toml(EXPERIMENT_DIR / "sensitivity.toml")
    assert expected_points("sobol", full["samples"], len(full["ranges"])) == 17408  # as its comment says
    quick = load_experiment("partnership_forms", quick=True)
    assert quick.replicates < forms.replicates and quick.sha256 == forms.sha256 and quick.quick


@pytest.mark.parametrize(
    ("design", "extra", "points"),
    [
        ("sobol", "samples = 8\ncalc_second_order = true\n", 8 * (2 * 3 + 2)),
        ("sobol", "samples = 8\n", 8 * (3 + 2)),
        ("morris", "samples = 5\n", 5 * (3 + 1)),
        ("lhs", "samples = 7\n", 7),
    ],
)
def test_sampled_design_sizes(tmp_path, design, extra, points):
    text = (
        BASE
        + f'design = "{design}"\nreplicates = 1\n{extra}'
        + '[ranges]\n"forms.formal.enforcement" = [0.0, 1.0]\n"behaviour.initial_trust" = [0.1, 0.9]\n'
        + '"forms.temporary.term" = [1, 6]\n'
    )
    exp = load_experiment(write(tmp_path, text))
    assert len(exp.points) == points == expected_points(design, exp.samples, 3, exp.calc_second_order)
    for point in exp.points:
        assert 0.0 <= point["factors"]["forms.formal.enforcement"] <= 1.0
        assert isinstance(point["factors"]["forms.temporary.term"], int)  # integer keys stay integers


def test_grid_is_full_factorial(tmp_path):
    text = (
        BASE
        + 'design = "grid"\nreplicates = 2\n[factors]\n"forms.formal.enforcement" = [0.0, 0.5, 1.0]\n"behaviour.initial_trust" = [0.2, 0.8]\n'
    )
    exp = load_experiment(write(tmp_path, text))
    assert len(exp.points) == 6 and len(exp.runs()) == 12
    combos = {(p["factors"]["forms.formal.enforcement"], p["factors"]["behaviour.initial_trust"]) for p in exp.points}
    assert len(combos) == 6


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        (BASE + 'design = "arms"\nbogus = 1\n[[arms]]\nname = "a"\n', "bogus: unknown key"),
        (BASE + 'design = "cube"\n', "design: 'cube' is not allowed"),
        (BASE + 'design = "arms"\n', "arms: missing"),
        (
            BASE + 'design = "arms"\n[[arms]]\nname = "a"\nset = { "forms.formal.enforcement" = 3.0 }\n',
            "arms.0.set: forms.formal.enforcement: 3.0 is out of range",
        ),
        (BASE + 'design = "arms"\n[[arms]]\nname = "a"\nset = { "no.such" = 1 }\n', "arms.0.set: no.such: unknown key"),
        (BASE + 'design = "arms"\nreference = "z"\n[[arms]]\nname = "a"\n', "reference: no arm named 'z'"),
        (
            BASE + 'design = "arms"\nmetrics = ["welfare.happiness"]\n[[arms]]\nname = "a"\n',
            "metrics.0: 'welfare.happiness' is not a summary key",
        ),
        (BASE + 'design = "sobol"\nsamples = 6\n[ranges]\n"behaviour.initial_trust" = [0.1, 0.9]\n', "power of 2"),
        (BASE + 'design = "lhs"\nsamples = 4\n[ranges]\n"behaviour.initial_trust" = [0.9, 0.1]\n', "low < high"),
        (
            BASE + 'design = "grid"\n[factors]\n"behaviour.initial_trust" = [0.5, 7.0]\n',
            "factors.behaviour.initial_trust",
        ),
        (BASE + 'design = "arms"\nreplicates = "many"\n[[arms]]\nname = "a"\n', "replicates: must be int"),
        (
            'name = "t"\nscenario = "nowhere"\nseed = 1\ndesign = "arms"\n[[arms]]\nname = "a"\n',
            "scenario: no scenario named",
        ),
        ("name = [\n", "malformed TOML"),
    ],
)
def test_bad_experiment_files_name_file_and_key(tmp_path, text, fragment):
    path = write(tmp_path, text)
    with pytest.raises(ScenarioError) as info:
        load_experiment(path)
    message = str(info.value)
    assert fragment in message
    assert path in message or "no such" in message
    assert "\n" not in message


def test_every_design_point_is_checked_as_a_whole(tmp_path):
    text = (
        BASE
        + 'design = "lhs"\nsamples = 20\nreplicates = 1\n[ranges]\n'
        + '"shocks.drought.district_weight" = [0.1, 0.65]\n"shocks.drought.local_weight" = [0.1, 0.55]\n'
    )
    path = write(tmp_path, text)
    with pytest.raises(ScenarioError, match=r"exp\.toml: ranges \(design point \d+: .*\): .*must be <= 1"):
        load_experiment(path)


def test_quick_table_is_checked_even_without_quick(tmp_path):
    text = BASE + 'design = "arms"\n[[arms]]\nname = "a"\n[quick]\nreplicats = 2\n'
    with pytest.raises(ScenarioError, match="quick.replicats: unknown key"):
        load_experiment(write(tmp_path, text))


def test_a_range_can_be_the_one_the_schema_declares(tmp_path):
    """``"schema"`` takes the parameter's sweep range from sim/scenario/schema.py, in the
    base scenario's currency for money (IDR million: x its poverty line of 30)."""
    from sim.scenario.schema import parameter

    text = (
        'name = "s"\nscenario = "indonesia_kerjasama_antar_desa"\nseed = 5\nsteps = 3\ndesign = "lhs"\nsamples = 4\n'
        '[ranges]\n"forms.formal.setup_cost" = "schema"\n"agriculture.pool_share" = "schema"\n'
    )
    exp = load_experiment(write(tmp_path, text))
    low, high = parameter("forms.formal.setup_cost").sweep_range()
    assert exp.ranges["forms.formal.setup_cost"] == [30.0 * low, 30.0 * high]
    assert exp.ranges["agriculture.pool_share"] == list(parameter("agriculture.pool_share").sweep_range())


def test_a_schema_range_must_exist(tmp_path):
    text = BASE + 'design = "lhs"\nsamples = 4\n[ranges]\n"run.step_unit" = "schema"\n'
    with pytest.raises(ScenarioError, match=r"ranges\.run\.step_unit: the schema declares no range"):
        load_experiment(write(tmp_path, text))


@pytest.mark.parametrize(
    ("quick", "fragment"),
    [
        ("replicates = 0", "quick.replicates: must be >= 1"),
        ('replicates = "two"', "quick.replicates: must be int"),
        ("steps = 0", "quick.steps: must be >= 1"),
        ('set = { "behaviour.initial_trust" = 7.0 }', "quick.set: behaviour.initial_trust: 7.0 is out of range"),
        ("replicats = 2", "quick.replicats: unknown key; allowed: "),
    ],
)
def test_a_value_from_the_quick_table_is_named_with_its_table(tmp_path, quick, fragment):
    text = BASE + f'design = "arms"\nreplicates = 2\n[[arms]]\nname = "a"\n[quick]\n{quick}\n'
    for use_quick in (True, False):
        with pytest.raises(ScenarioError) as info:
            load_experiment(write(tmp_path, text), quick=use_quick)
        assert fragment in str(info.value)


@pytest.mark.parametrize("levels", [1, 0, -2])
def test_a_morris_design_needs_two_levels(tmp_path, levels):
    text = (
        BASE
        + f'design = "morris"\nsamples = 2\nnum_levels = {levels}\n[ranges]\n"behaviour.initial_trust" = [0.1, 0.9]\n'
    )
    with pytest.raises(ScenarioError, match=r"exp\.toml: num_levels: Morris needs num_levels >= 2"):
        load_experiment(write(tmp_path, text))


def test_a_scenario_file_is_not_an_experiment(tmp_path):
    from sim.scenario import SCENARIO_DIR

    for path in (SCENARIO_DIR / "autarky.toml", SCENARIO_DIR / "classic" / "ohtsuki_cycle.toml"):
        with pytest.raises(ScenarioError, match="this is a scenario file: use `kerjasama run"):
            load_experiment(path)


def test_an_arm_may_name_the_arm_it_changes(tmp_path):
    arms = (
        '[[arms]]\nname = "a"\nset = { "forms.formal.term" = 5 }\n'
        '[[arms]]\nname = "b"\nset = { "forms.formal.term" = 0 }\ncompare_with = "a"\n'
    )
    exp = load_experiment(write(tmp_path, BASE + 'design = "arms"\nreplicates = 1\n' + arms))
    assert [a.get("compare_with") for a in exp.describe()["arms"]] == [None, "a"]
    for bad in ('"c"', '"b"', "3"):
        text = BASE + 'design = "arms"\nreplicates = 1\n' + arms.replace('compare_with = "a"', f"compare_with = {bad}")
        with pytest.raises(ScenarioError, match=r"arms\.1\.compare_with: must name another arm \(a\)"):
            load_experiment(write(tmp_path, text))


def test_an_arms_experiment_may_name_the_experiment_that_explains_it(tmp_path):
    arms = '[[arms]]\nname = "a"\nset = {}\n'
    text = BASE + 'design = "arms"\nreplicates = 1\nexplained_by = "decomp"\n' + arms
    assert load_experiment(write(tmp_path, text)).describe()["explained_by"] == "decomp"
    assert "explained_by" not in load_experiment(write(tmp_path, BASE + 'design = "arms"\n' + arms)).describe()
    bad = text.replace('"decomp"', '"../x y"')
    with pytest.raises(ScenarioError, match=r"explained_by: must name an experiment"):
        load_experiment(write(tmp_path, bad))
    grid = BASE + 'design = "grid"\nexplained_by = "decomp"\n[factors]\n"forms.formal.term" = [0, 5]\n'
    with pytest.raises(ScenarioError, match=r"explained_by: not used by design 'grid'"):
        load_experiment(write(tmp_path, grid))


# ----------------------------------------------------------------------------- distributions in [ranges]

SOBOL = BASE + 'design = "sobol"\nsamples = 16\nreplicates = 1\n[ranges]\n'


def test_ranges_may_be_distributions(tmp_path):
    """Each distribution samples what it says (Sobol, N = 16: 128 points); the manifest
    records them; lognormal's mean and sd are the value's own."""
    text = SOBOL + (
        '"behaviour.temperature" = { dist = "lognormal", mean = 0.002, sd = 0.001 }\n'
        '"behaviour.initial_trust" = { dist = "triangular", low = 0.2, mode = 0.3, high = 0.9 }\n'
        '"shocks.drought.severity" = { dist = "normal", mean = 0.35, sd = 0.05 }\n'
        '"forms.formal.enforcement" = { dist = "truncnormal", low = 0.5, high = 1.0, mean = 0.6, sd = 0.3 }\n'
        '"forms.temporary.term" = { dist = "discrete", values = [1, 4, 9] }\n'
        '"agriculture.pool_share" = { dist = "uniform", low = 0.1, high = 0.3 }\n'
    )
    exp = load_experiment(write(tmp_path, text))
    drawn = {key: np.array([p["factors"][key] for p in exp.points]) for key in exp.ranges}
    assert len(exp.points) == 16 * (6 + 2)
    assert drawn["behaviour.temperature"].min() > 0
    assert np.mean(drawn["behaviour.temperature"]) == pytest.approx(0.002, rel=0.1)
    mu, sigma = exp.problem["bounds"][0]  # SALib's lognormal: mean and sd of ln(value)
    assert math.exp(mu + sigma**2 / 2) == pytest.approx(0.002)
    assert math.sqrt(math.expm1(sigma**2)) * math.exp(mu + sigma**2 / 2) == pytest.approx(0.001)
    trust = drawn["behaviour.initial_trust"]
    assert (
        trust.min() >= 0.2 and trust.max() <= 0.9 and np.mean(trust) == pytest.approx((0.2 + 0.3 + 0.9) / 3, abs=0.02)
    )
    assert np.mean(drawn["shocks.drought.severity"]) == pytest.approx(0.35, abs=0.01)
    assert np.std(drawn["shocks.drought.severity"]) == pytest.approx(0.05, rel=0.15)
    enforcement = drawn["forms.formal.enforcement"]
    assert enforcement.min() >= 0.5 and enforcement.max() <= 1.0
    term = drawn["forms.temporary.term"]
    assert set(term) == {1, 4, 9} and all(isinstance(p["factors"]["forms.temporary.term"], int) for p in exp.points)
    assert min(np.mean(term == v) for v in (1, 4, 9)) > 0.25  # equally likely
    assert drawn["agriculture.pool_share"].min() >= 0.1 and drawn["agriculture.pool_share"].max() <= 0.3
    ranges = exp.describe()["ranges"]
    assert ranges["behaviour.temperature"] == {"dist": "lognormal", "mean": 0.002, "sd": 0.001}
    assert ranges["forms.temporary.term"] == {"dist": "discrete", "values": [1, 4, 9]}
    assert ranges["agriculture.pool_share"] == [0.1, 0.3]  # a uniform table is a [low, high] range
    assert exp.problem["dists"] == ["lognorm", "triang", "norm", "truncnorm", "unif", "unif"]


def test_uniform_ranges_sample_as_before(tmp_path):
    """No ``dists`` in the SALib problem when every range is uniform: the same design as SALib's own."""
    from SALib.sample import sobol

    exp = load_experiment(write(tmp_path, SOBOL + '"behaviour.initial_trust" = [0.1, 0.9]\n'))
    assert "dists" not in exp.problem
    x = sobol.sample({"num_vars": 1, "names": ["t"], "bounds": [[0.1, 0.9]]}, 16, calc_second_order=False, seed=5)
    assert [p["factors"]["behaviour.initial_trust"] for p in exp.points] == list(x[:, 0])


@pytest.mark.parametrize(
    ("spec", "fragment"),
    [
        (
            '{ dist = "gaussian", mean = 0.5, sd = 0.1 }',
            "ranges.behaviour.initial_trust.dist: got 'gaussian'; allowed: ",
        ),
        ('{ dist = "normall", mean = 0.5, sd = 0.1 }', "did you mean 'normal'"),
        ("{ mean = 0.5, sd = 0.1 }", "ranges.behaviour.initial_trust.dist: missing; allowed: one of uniform, normal"),
        (
            '{ dist = "normal", mean = 0.5 }',
            "ranges.behaviour.initial_trust.sd: missing: dist = 'normal' needs mean, sd",
        ),
        (
            '{ dist = "normal", mean = 0.5, sd = 0.1, low = 0 }',
            "ranges.behaviour.initial_trust.low: unknown key; allowed for dist = 'normal': dist, mean, sd",
        ),
        ('{ dist = "normal", mean = "half", sd = 0.1 }', "ranges.behaviour.initial_trust.mean: must be a number"),
        ('{ dist = "normal", mean = 0.5, sd = 0 }', "ranges.behaviour.initial_trust.sd: must be > 0"),
        ('{ dist = "truncnormal", low = 0.8, high = 0.2, mean = 0.5, sd = 0.1 }', "needs low < high"),
        ('{ dist = "triangular", low = 0.1, mode = 0.9, high = 0.9 }', "initial_trust.mode: must be in [low, high)"),
        ('{ dist = "lognormal", mean = -0.5, sd = 0.1 }', "initial_trust.mean: must be > 0"),
        ('{ dist = "discrete", values = [0.5] }', "initial_trust.values: must be a list of at least two different"),
        ('{ dist = "discrete", values = [0.5, "high"] }', "initial_trust.values: must be values of one kind"),
        # the values a distribution can take must be allowed by the schema (trust: 0 to 1)
        ('{ dist = "discrete", values = [0.5, 1.5] }', "ranges.behaviour.initial_trust: 1.5 is out of range"),
        ('{ dist = "truncnormal", low = 0.5, high = 1.2, mean = 0.7, sd = 0.1 }', "1.2 is out of range"),
        ('{ dist = "triangular", low = -0.1, mode = 0.5, high = 0.9 }', "-0.1 is out of range"),
        ('{ dist = "normal", mean = 0.5, sd = 0.2 }', "(the 0.1 % quantile of that normal distribution"),
        ('{ dist = "lognormal", mean = 0.5, sd = 0.3 }', "(the 99.9 % quantile of that lognormal distribution"),
        ('"wide"', 'must be [low, high] with low < high, "schema", or a distribution table'),
    ],
)
def test_bad_distributions_name_file_and_key(tmp_path, spec, fragment):
    path = write(tmp_path, BASE + f'design = "lhs"\nsamples = 4\n[ranges]\n"behaviour.initial_trust" = {spec}\n')
    with pytest.raises(ScenarioError) as info:
        load_experiment(path)
    message = str(info.value)
    assert message.startswith(f"{path}: ranges.behaviour.initial_trust") and fragment in message
    assert "\n" not in message


def test_an_integer_parameter_takes_whole_values_from_a_distribution(tmp_path):
    text = (
        BASE
        + 'design = "lhs"\nsamples = 20\n[ranges]\n"forms.temporary.term" = { dist = "normal", mean = 5, sd = 1 }\n'
    )
    exp = load_experiment(write(tmp_path, text))
    assert all(isinstance(p["factors"]["forms.temporary.term"], int) for p in exp.points)
    bad = text.replace('{ dist = "normal", mean = 5, sd = 1 }', '{ dist = "discrete", values = [2, 3.5] }')
    with pytest.raises(ScenarioError, match=r"ranges\.forms\.temporary\.term: must be a whole number, got 3\.5"):
        load_experiment(write(tmp_path, bad))


def test_morris_refuses_distributions_but_not_uniform_tables(tmp_path):
    morris = BASE + 'design = "morris"\nsamples = 2\n[ranges]\n"behaviour.initial_trust" = '
    for spec in ('{ dist = "normal", mean = 0.5, sd = 0.1 }', '{ dist = "discrete", values = [0.2, 0.8] }'):
        with pytest.raises(
            ScenarioError, match=r"exp\.toml: ranges\.behaviour\.initial_trust: Morris samples only uni"
        ):
            load_experiment(write(tmp_path, morris + spec + "\n"))
    exp = load_experiment(write(tmp_path, morris + '{ dist = "uniform", low = 0.2, high = 0.8 }\n'))
    assert exp.ranges["behaviour.initial_trust"] == [0.2, 0.8] and len(exp.points) == 2 * 2


def test_a_normal_draw_beyond_what_the_schema_allows_is_refused():
    """Beyond its 0.1 % and 99.9 % quantiles a large design still draws a few values: the
    draws are checked too, with a message that says where the value came from."""
    from sim.scenario import scenario_path
    from sim.sweep.design import _check_draws
    from sim.sweep.experiment import Experiment

    exp = Experiment(
        name="t", description="", scenario=str(scenario_path("default")), design="lhs", replicates=1, seed=1,
        steps=None, metrics=[], reference=None, common={}, source="exp.toml",
        ranges={"behaviour.initial_trust": {"dist": "normal", "mean": 0.5, "sd": 0.16}},
    )  # fmt: skip
    exp.points = [{"factors": {"behaviour.initial_trust": value}} for value in (0.2, 0.5, 1.01)]
    with pytest.raises(
        ScenarioError, match=r"exp\.toml: ranges\.behaviour\.initial_trust: 1\.01 is out of range.*drawn"
    ):
        _check_draws(exp, exp.scenario, "exp.toml")
    exp.points[-1]["factors"]["behaviour.initial_trust"] = 0.99
    _check_draws(exp, exp.scenario, "exp.toml")
