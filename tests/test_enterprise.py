"""Joint village enterprises (sim/enterprise.py): the capital account, dormancy, revival, and
that a price shock makes more of the Indonesian BUM Desa Bersama go dormant than no shock; the
shut-down rule (an enterprise closes for a year its revenue would not cover its costs) and the
market closure that sets it off."""

from __future__ import annotations

import numpy as np
import pytest

from sim import ScenarioError, VillageModel, enterprise, load_scenario
from sim.domains import AGRICULTURE
from sim.enterprise import closures, dormant_count, trade
from sim.state import PartnershipTable
from sim.validation.patterns.runs import mutually_tied_groups, run_model
from tests.conftest import tied_group

BUM = "bum_desa_bersama"


def _table(forms, capital, dormant=None, alive=None) -> PartnershipTable:
    """A partnership table with one row per entry of ``forms`` (form indices)."""
    table = PartnershipTable(4)
    n = len(forms)
    table.next_pid[0] = n
    table.form[:n] = forms
    table.alive[:n] = True if alive is None else alive
    table.capital[:n] = capital
    if dormant is not None:
        table.dormant[:n] = dormant
    return table


def test_the_capital_account_adds_the_result_and_goes_dormant_when_exhausted():
    """Form 0 is an enterprise with operating cost 10, form 1 is not. Villages 0-1 are in
    enterprise 0 (revenue 12 + 6 = 18: capital 5 -> 13), village 2 in enterprise 1 (revenue 4:
    capital 3 + 4 - 10 < 0 -> 0, dormant), village 3 in partnership 2 of form 1 (no account),
    village 4 in enterprise 3, dormant already (does not trade), village 5 alone."""
    table = _table([0, 0, 1, 0], capital=[5.0, 3.0, 7.0, 2.0], dormant=[False, False, False, True])
    pid_of = np.array([0, 0, 1, 2, 3, -1])
    retained = np.array([12.0, 6.0, 4.0, 9.0, 9.0, 50.0])
    trading = trade(table, pid_of, retained, np.array([True, False, False]), np.array([10.0, 0.0, 0.0]))
    np.testing.assert_allclose(trading.revenue, [18.0, 4.0, 9.0, 9.0])
    np.testing.assert_allclose(trading.result, [8.0, -6.0, 0.0, 0.0])
    np.testing.assert_allclose(table.capital[:4], [13.0, 0.0, 7.0, 2.0])  # never negative
    assert table.dormant[:4].tolist() == [False, True, False, True]
    assert trading.went_dormant.tolist() == [1]
    assert dormant_count(table) == 2


def test_an_ended_enterprise_keeps_its_last_account():
    table = _table([0], capital=[1.0], alive=[False])
    trade(table, np.array([0]), np.array([0.0]), np.array([True, False]), np.array([10.0, 0.0]))
    assert table.capital[0] == 1.0 and not table.dormant[0]


def _indonesia(**overrides) -> VillageModel:
    """The Indonesian scenario, small, with no reviews: tests form enterprises by hand."""
    base = {"behaviour.review_probability": 0.0, "shocks.scheduled": [], "n_villages": 40, "steps": 10}
    return VillageModel("indonesia_kerjasama_antar_desa", rng=2, **{**base, **overrides})


def test_members_pay_in_capital_and_a_dormant_enterprise_is_on_its_own_until_new_capital_revives_it():
    model = _indonesia()
    form = model.forms[BUM]
    group = tied_group(model, 4)
    partnership = model.form_partnership(form, (AGRICULTURE,), group[:3])
    pid = partnership.pid
    paid_in = form.capital_share * form.setup_cost
    assert paid_in > 0
    assert model.table.capital[pid] == pytest.approx(3 * paid_in)
    assert partnership.capital == pytest.approx(3 * paid_in) and not partnership.dormant
    model.table.capital[pid], model.table.dormant[pid] = 0.0, True
    year = model.fix_year()
    assert not year.member[group[:3], AGRICULTURE].any()  # dormant: on their own this year
    assert year.dormant[group[:3], AGRICULTURE].all()
    assert (year.form_index[group[:3], AGRICULTURE] == len(model.form_list)).all()  # no running cost
    model.step()
    assert not model.state.contributed[group[:3], AGRICULTURE].any()  # nothing to contribute to
    assert model.table.without[pid] == 1 and model.table.alive[pid]
    model.join(group[3], partnership, 0.0)  # a new member's capital revives it
    assert not model.table.dormant[pid] and model.table.capital[pid] == pytest.approx(paid_in)
    assert model.fix_year().member[group, AGRICULTURE].all()


def test_a_dormant_enterprise_collapses_after_collapse_steps_years():
    model = _indonesia()
    partnership = model.form_partnership(model.forms[BUM], (AGRICULTURE,), tied_group(model, 3))
    model.table.capital[partnership.pid], model.table.dormant[partnership.pid] = 0.0, True
    for _ in range(model.params["cooperation"]["collapse_steps"]):
        model.step()
    assert not model.table.alive[partnership.pid]
    assert model.ended[-1]["reason"] == "collapsed"


def test_an_enterprise_trades_and_its_capital_moves_with_the_year():
    model = _indonesia()
    form = model.forms[BUM]
    partnership = model.form_partnership(form, (AGRICULTURE,), tied_group(model, 3))
    before = model.table.capital[partnership.pid]
    model.step()
    trading = model.last_economy.trading
    result = trading.result[partnership.pid]
    assert trading.revenue[partnership.pid] > 0
    assert result == pytest.approx(trading.revenue[partnership.pid] - form.operating_cost)
    assert model.table.capital[partnership.pid] == pytest.approx(max(before + result, 0.0))


def test_the_default_forms_keep_no_account():
    model = VillageModel("default", rng=1, n_villages=30, steps=3).run()
    assert model.last_economy.trading is None
    assert not model.table.dormant.any() and not model.table.capital.any()


def test_an_enterprise_must_cover_agriculture_alone_and_keep_no_more_than_the_marketing_cost():
    with pytest.raises(ScenarioError, match="must cover agriculture alone"):
        load_scenario("indonesia_kerjasama_antar_desa", {f"forms.{BUM}.domains": ["agriculture", "services"]})
    with pytest.raises(ScenarioError, match="trading_margin"):
        load_scenario("indonesia_kerjasama_antar_desa", {f"forms.{BUM}.trading_margin": 0.05})


# --- the shock at the Indonesian scenario ------------------------------------------------------------------
# A contrast, not the shipped values (at those, with all profit retained for years, no enterprise goes dormant
# in the pattern's two years: docs/validation.md, pattern 5): fixed groups of three villages formed as BUM Desa
# Bersama at the start (no reviews), with a fifth of the setup cost paid in as capital and fixed costs of
# IDR 300 million a year (about what three villages' pooled sales earn at the normal price), then a price fall
# of a half for four years against the same runs without it.
CONTRAST = {
    "n_villages": 100,
    "steps": 6,
    "behaviour.review_probability": 0.0,
    "cooperation.forms": [BUM],
    f"forms.{BUM}.operating_cost": 300.0,  # IDR million per enterprise per year
    f"forms.{BUM}.capital_share": 0.2,
}
SHOCK = {"kind": "price", "step": 3, "duration": 4, "intensity": 0.5, "district": -1}


def _dormant(seed: int, shocked: bool, enterprise: bool) -> int:
    """How many of the hand-formed enterprises are inactive at the end of step 6: dormant (capital
    exhausted) or closed for the year (the shut-down rule: after a loss year at the fallen price an
    enterprise expects no better, and closes rather than lose again)."""
    settings = {**CONTRAST, f"forms.{BUM}.enterprise": enterprise, "shocks.scheduled": [SHOCK] if shocked else []}
    pids = []

    def prepare(model):
        for group in mutually_tied_groups(model, 3):
            pids.append(model.form_partnership(model.forms[BUM], (AGRICULTURE,), group).pid)

    model, _ = run_model("indonesia_kerjasama_antar_desa", seed, settings, prepare=prepare)
    assert len(pids) >= 20
    return int(np.count_nonzero(model.table.dormant[pids] | model.table.closed[pids]))


@pytest.mark.parametrize("enterprise", [True, pytest.param(False, marks=pytest.mark.xfail(strict=True))])
def test_a_price_shock_makes_more_enterprises_inactive_than_no_shock(enterprise):
    """In each of three paired seeds; without the account (enterprise = false) nothing goes
    dormant or closes and the test fails (the strict xfail)."""
    for seed in (1, 2, 3):
        assert _dormant(seed, True, enterprise) > _dormant(seed, False, enterprise)


# --- the shut-down rule and the COVID-like shock ------------------------------------------------------------
def test_an_enterprise_closes_for_a_year_its_expected_revenue_would_not_cover_its_costs():
    """Enterprise 0 earned 30 at full market access, enterprise 1 earned 12 and enterprise 2 has
    never traded (it opens whatever it expects); operating cost 10. With the markets open all
    three open; with 30 % of joint sales still taken (market 0.3) enterprise 0 expects 9 < 10 and
    enterprise 1 3.6: both close; the new one opens. A closed enterprise keeps its capital and
    its last normal revenue, and opens again when the markets do."""
    table = _table([0, 0, 0], capital=[5.0, 5.0, 5.0])
    table.traded[:3] = [True, True, False]
    table.normal_revenue[:3] = [30.0, 12.0, 0.0]
    is_enterprise, cost = np.array([True, False]), np.array([10.0, 0.0])
    assert not closures(table, is_enterprise, cost, 1.0).any()
    shut = closures(table, is_enterprise, cost, 0.3)
    assert shut.tolist() == [True, True, False]
    pid_of, retained = np.array([0, 1, 2]), np.array([9.0, 3.6, 4.0])
    trading = trade(table, pid_of, retained, is_enterprise, cost, shut, 0.3)
    np.testing.assert_allclose(trading.result, [0.0, 0.0, -6.0])  # closed: no cost, no revenue counted
    np.testing.assert_allclose(table.capital[:3], [5.0, 5.0, 0.0])
    assert trading.closed.tolist() == [0, 1] and table.dormant[:3].tolist() == [False, False, True]
    np.testing.assert_allclose(table.normal_revenue[:2], [30.0, 12.0])  # what it earned when it last traded
    assert table.traded[2]
    assert not closures(table, is_enterprise, cost, 1.0)[:2].any()  # the markets reopen: so do they


COVID_GROUP = 6  # villages per hand-formed enterprise (at three, most cannot cover their costs even with markets open)


def _covid(seed: int, market: float, closing: bool, monkeypatch) -> tuple[int, float]:
    """Hand-formed BUM Desa Bersama of six villages in the Indonesian scenario, markets closed to
    ``market`` of joint sales in steps 4-5: how many enterprises are closed or dormant at the end
    of step 5, and what their members earned from joint marketing in step 5 (money per household)."""
    if not closing:
        monkeypatch.setattr(enterprise, "closures", lambda table, *rest: np.zeros(int(table.next_pid[0]), bool))
    shock = [{"kind": "market", "step": 4, "duration": 2, "intensity": 1.0 - market, "district": -1}]
    settings = {"n_villages": 100, "steps": 5, "behaviour.review_probability": 0.0, "cooperation.forms": [BUM],
                "shocks.scheduled": shock if market < 1.0 else []}  # fmt: skip
    pids, members = [], []

    def prepare(model):
        for group in mutually_tied_groups(model, COVID_GROUP):
            pids.append(model.form_partnership(model.forms[BUM], (AGRICULTURE,), group).pid)
            members.extend(group)

    model, _ = run_model("indonesia_kerjasama_antar_desa", seed, settings, prepare=prepare)
    t = model.table
    marketing = model.last_economy.farming.marketing[members]
    return int(np.count_nonzero(t.closed[pids] | t.dormant[pids])), float(marketing.mean())


def test_closed_markets_close_the_enterprises_they_leave_without_enough_trade(monkeypatch):
    """At the shipped values, with a fifth of joint sales still taken, more hand-formed
    enterprises are closed (or dormant) than with the markets open, and their members earn less
    than a fifth of what joint marketing brings with them open (closed enterprises sell
    nothing). Without the shut-down rule fewer are inactive (the rule is what does it)."""
    for seed in (1, 2):
        open_inactive, open_marketing = _covid(seed, 1.0, True, monkeypatch)
        shut, shut_marketing = _covid(seed, 0.2, True, monkeypatch)
        assert open_inactive < shut
        assert shut_marketing < 0.2 * open_marketing
        with monkeypatch.context() as patch:
            without_rule, _ = _covid(seed, 0.2, False, patch)
        assert without_rule < shut
