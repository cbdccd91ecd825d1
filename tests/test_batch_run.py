"""numpy numbers as scenario values and seeds, and ``mesa.batch_run`` rows with the run's summary.

``mesa.batch_run`` passes the items of whatever it is given (``np.arange(20, 40, 10)`` gives
``np.int64``); such values are checked as, stored as and run exactly as the Python numbers of the
same value (``sim.scenario.parameter.python_value``). The row of a run's last step carries its
summary measures (``VillageModel.record_summary``).
"""

from __future__ import annotations

import json
import math

import mesa
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from sim import VillageModel, load_scenario, outputs
from sim.scenario import ScenarioError, check_value, parameter

# a scheduled shock inside a 3-step run, so that the resilience measures are measured
SHOCK_AT_2 = {"shocks.scheduled.0.step": 2}
INTEGER_DTYPES = [np.int8, np.uint8, np.int16, np.uint16, np.int32, np.uint32, np.int64, np.uint64, np.dtype(">i4")]


def _same(a, b) -> bool:
    """Equal, NaN equal to NaN, and of the same Python type (int stays int, bool stays bool)."""
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return type(a) is type(b) and a == b


def _plain_tree(node) -> bool:
    """Only Python's own values in a tree of dicts and lists (no numpy scalar anywhere)."""
    if isinstance(node, dict):
        return all(type(k) is str and _plain_tree(v) for k, v in node.items())
    if isinstance(node, list):
        return all(_plain_tree(v) for v in node)
    return node is None or type(node) in (bool, int, float, str)


def test_numpy_numbers_run_exactly_as_python_numbers():
    """Numpy scalars and 0-d arrays for the seed, the shortcuts and dotted overrides (integer,
    real and boolean keys): the same run, bit for bit, and plain Python in the scenario."""
    numpy_kwargs = {
        "rng": np.int64(3),
        "n_villages": np.int64(12),
        "steps": np.int32(3),
        "forms.formal.enforcement": np.float64(0.7),
        "forms.formal.term": np.array(4, dtype=np.uint16),  # a 0-d array
        "behaviour.initial_trust": np.float32(0.375),  # exact in float32
        "economy.allow_debt": np.True_,
        **SHOCK_AT_2,
    }
    python_kwargs = {
        "rng": 3,
        "n_villages": 12,
        "steps": 3,
        "forms.formal.enforcement": 0.7,
        "forms.formal.term": 4,
        "behaviour.initial_trust": 0.375,
        "economy.allow_debt": True,
        **SHOCK_AT_2,
    }
    a = VillageModel("default", **numpy_kwargs).run()
    b = VillageModel("default", **python_kwargs).run()
    assert a.timeseries().equals(b.timeseries())
    sa, sb = a.summary(), b.summary()
    assert sa.keys() == sb.keys() and all(_same(sa[k], sb[k]) for k in sa)
    assert type(a.seed) is int and a.scenario.rng == 3 and type(a.scenario.rng) is int
    for tree in (a.scenario.params, a.scenario.raw, a.scenario.overrides):
        assert _plain_tree(tree)
    assert a.scenario.overrides == b.scenario.overrides
    json.dumps(a.scenario.overrides)  # manifests can write what a run was given


def test_a_numpy_float_for_a_whole_number_key_follows_the_python_float_rule():
    """20.0 is accepted as 20 for an integer key and 20.5 refused: so for np.float64 and np.float32."""
    whole = load_scenario("default", {"n_villages": np.float64(20.0)})
    assert whole.params["landscape"]["n_villages"] == 20 and type(whole.params["landscape"]["n_villages"]) is int
    for value in (np.float64(20.5), np.float32(20.5), 20.5):
        with pytest.raises(ScenarioError, match=r"override: landscape.n_villages: must be a whole number, got 20.5$"):
            load_scenario("default", {"n_villages": value})


@pytest.mark.parametrize("value", [True, np.True_, np.bool_(False), np.array(True)])
def test_booleans_are_never_numbers(value):
    with pytest.raises(ScenarioError, match="override: run.steps: must be a number, got (True|False)$"):
        load_scenario("default", {"steps": value})


@pytest.mark.parametrize("value", [np.int64(1), np.float64(1.0), 1, "yes"])
def test_only_booleans_are_booleans(value):
    with pytest.raises(ScenarioError, match="override: economy.allow_debt: must be true or false"):
        load_scenario("default", {"economy.allow_debt": value})


@pytest.mark.parametrize("dtype", INTEGER_DTYPES, ids=lambda d: np.dtype(d).str)
def test_any_numpy_integer_seeds_as_the_python_int(dtype):
    """Mesa seeds its stdlib generator with ``random.Random(rng)``, which refuses numpy integers;
    a numpy integer seed gives the model of the Python int (both generators, its seed)."""
    a = VillageModel("default", rng=np.array(7, dtype=dtype)[()], n_villages=8, steps=1)
    b = VillageModel("default", rng=7, n_villages=8, steps=1)
    assert a.seed == 7 and type(a.seed) is int
    assert a.random.random() == b.random.random() and a.rng.random() == b.rng.random()
    assert np.array_equal(a.state.x, b.state.x)


@st.composite
def numpy_integers(draw, lo: int | None = None, hi: int | None = None):
    """A numpy integer of any integer dtype (scalar or 0-d array), within [lo, hi] if given."""
    dtype = draw(st.one_of(hnp.integer_dtypes(), hnp.unsigned_integer_dtypes()))
    info = np.iinfo(dtype)
    low = info.min if lo is None else max(lo, int(info.min))
    high = info.max if hi is None else min(hi, int(info.max))
    value = np.array(draw(st.integers(low, high)), dtype=dtype)
    return value if draw(st.booleans()) else value[()]


@settings(max_examples=60, deadline=None)
@given(numpy_integers(lo=8, hi=int(parameter("landscape.n_villages").hi)))
def test_any_numpy_integer_in_range_is_the_number_of_villages(value):
    """In range (the default has 8 districts: at least 8 villages), any integer dtype is accepted and
    kept as the Python int of its value, in the parameters and in the overrides applied."""
    loaded = load_scenario("default", {"n_villages": value})
    assert loaded.params["landscape"]["n_villages"] == int(value)
    assert type(loaded.params["landscape"]["n_villages"]) is int
    assert type(loaded.overrides["landscape.n_villages"]) is int


@settings(max_examples=200, deadline=None)
@given(numpy_integers())
def test_a_numpy_integer_is_checked_as_its_python_int(value):
    """Any value of any integer dtype: the same outcome as its Python int, accepted or refused
    with the same message (out of range: below 1 or above 10,000,000)."""
    declared = parameter("landscape.n_villages")

    def outcome(v):
        try:
            return check_value(v, declared, "x")
        except ScenarioError as error:
            return str(error)

    got, want = outcome(value), outcome(int(value))
    assert got == want and type(got) is type(want)


# --- mesa.batch_run ---------------------------------------------------------------------


def _batch(**kwargs) -> list[dict]:
    return mesa.batch_run(
        VillageModel,
        parameters={"n_villages": np.arange(20, 40, 10), "steps": 3, **SHOCK_AT_2},
        number_processes=1,
        display_progress=False,
        **kwargs,
    )


def test_batch_run_rows_carry_the_summary_of_the_same_run_made_directly():
    rows = _batch(rng=[np.int64(5), 6], data_collection_period=-1)
    assert len(rows) == 4 and all(r["Step"] == 3 for r in rows)
    for row in rows:
        direct = VillageModel("default", rng=int(row["rng"]), n_villages=int(row["n_villages"]), steps=3, **SHOCK_AT_2)
        direct.run()
        found = outputs.summary(direct)  # computed afresh, not the summary the run recorded
        measures = {k: v for k, v in found.items() if k not in outputs.RUN_KEYS}
        differ = [k for k, v in measures.items() if not _same(row[k], v)]
        assert not differ, f"batch_run row differs from the direct run's summary in {differ}"
        assert row["resilience.loss"] is not None and row["resilience.robustness"] is not None
        assert isinstance(row["welfare.mean_utility"], float)
        last = direct.timeseries().iloc[-1]
        assert all(row[column] == last[column] for column in direct.timeseries().columns)
        assert row["n_villages"] == int(row["n_villages"])  # the parameter as batch_run gave it, not overwritten


def test_batch_run_rows_before_the_end_hold_none_for_summary_measures():
    """Every collected row has the summary keys (Mesa's columns are of one length); only the last
    step's row has their values. The per-step table keeps its own columns."""
    rows = _batch(rng=[1], data_collection_period=1)
    assert [r["Step"] for r in rows[:4]] == [0, 1, 2, 3]
    first, last = rows[0], rows[3]
    assert first["welfare.mean_utility"] is None and first["resilience.loss"] is None
    assert last["welfare.mean_utility"] is not None and last["resilience.loss"] is not None
    model = VillageModel("default", rng=1, n_villages=20, steps=3, **SHOCK_AT_2).run()
    assert list(model.timeseries().columns) == outputs.columns(model.form_names, model.service_names, with_shock=True)


def test_summary_after_the_run_sees_changes_made_through_the_model():
    """The summary recorded at the end is what summary() returns, until the run is changed by hand."""
    model = VillageModel("default", rng=2, n_villages=40, steps=12).run()
    assert model.summary() == model.summary()
    live = list(model.partnerships.values())
    assert live, "this run should end with partnerships (choose another seed)"
    ended = model.summary()["cooperation.ended.total"]
    model.dissolve(live[0], "collapsed")
    assert model.summary()["cooperation.ended.total"] == ended + 1
