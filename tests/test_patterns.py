"""The empirical pattern suite (sim/validation/patterns/): each comparison rule on its own,
passing the right value and failing a deliberately wrong one, and the quick suite once."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.domains import INFRASTRUCTURE
from sim.validation.patterns import rules
from sim.validation.patterns.cases import WANI_EDGES, WANI_SHARES, WANI_THRESHOLD
from sim.validation.patterns.runs import seeds


# --- sign --------------------------------------------------------------------------------------------
def test_sign_rule_passes_a_clear_effect_and_fails_the_wrong_sign_or_noise():
    effect = [-0.08, -0.09, -0.07, -0.085, -0.075]
    assert rules.sign_rule(effect, -1).passed
    assert not rules.sign_rule([-d for d in effect], -1).passed  # wrong sign
    assert not rules.sign_rule([-0.08, 0.09, -0.07, 0.06, 0.01], -1).passed  # within noise
    assert rules.sign_rule([0.5, 0.5], +1).statistic == math.inf  # no spread: the sign alone decides
    with pytest.raises(ValueError):
        rules.sign_rule(effect, 0)


# --- rank --------------------------------------------------------------------------------------------
def test_spearman_is_the_rank_correlation_with_ties():
    assert rules.spearman([1, 2, 3, 4], [10, 20, 30, 40]) == pytest.approx(1.0)
    assert rules.spearman([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1.0)
    scipy_stats = pytest.importorskip("scipy.stats")
    x, y = [1, 2, 2, 3, 5, 5, 7], [3, 1, 4, 1, 5, 9, 2]
    assert rules.spearman(x, y) == pytest.approx(scipy_stats.spearmanr(x, y).statistic)
    assert rules.spearman([1, 1, 1], [1, 2, 3]) == 0.0


def test_rank_rule_passes_a_falling_relation_and_fails_a_rising_one():
    size = np.arange(1.0, 21.0)
    cost_per_household = 30.0 / size + 0.02
    assert rules.rank_rule(size, cost_per_household, -1, 0.3).passed
    assert not rules.rank_rule(size, -cost_per_household, -1, 0.3).passed  # rises: wrong
    assert not rules.rank_rule(size, np.ones_like(size), -1, 0.3).passed  # no relation


# --- monotone shape ---------------------------------------------------------------------------------
def test_monotone_rule_passes_a_decay_and_fails_a_recovery():
    decay = [0.45, 0.38, 0.31, 0.27, 0.22, 0.19, 0.16, 0.14, 0.12, 0.11]
    assert rules.monotone_rule(decay, -1, slack=0.02, minimum_change=0.2).passed
    recovery = [0.35, 0.08, 0.04, 0.10, 0.17, 0.17, 0.19, 0.17, 0.20, 0.20]  # falls, then rises again
    verdict = rules.monotone_rule(recovery, -1, slack=0.02, minimum_change=0.1)
    assert not verdict.passed and verdict.statistic == pytest.approx(0.07)
    assert not rules.monotone_rule([0.45, 0.44, 0.44], -1, slack=0.02, minimum_change=0.2).passed  # too little
    flat = [0.98, 0.97, 0.98, 0.985]
    assert rules.monotone_rule(flat, +1, slack=0.02, minimum_change=-0.02).passed  # stays up
    assert not rules.monotone_rule([0.98, 0.7, 0.6], +1, slack=0.02, minimum_change=-0.02).passed


# --- interval ---------------------------------------------------------------------------------------
def test_interval_rule_passes_inside_the_band_only():
    assert rules.interval_rule(0.28, 0.21, 0.35).passed
    assert rules.interval_rule(0.21, 0.21, 0.35).passed
    assert not rules.interval_rule(0.0, 0.21, 0.35).passed
    assert not rules.interval_rule(0.5, 0.21, 0.35).passed


# --- distribution distance -------------------------------------------------------------------------
def test_total_variation_and_binned_shares():
    assert rules.total_variation([1, 0], [0, 1]) == 1.0
    assert rules.total_variation([2, 2], [0.5, 0.5]) == 0.0
    shares = rules.binned_shares([0.5, 1.5, 1.7, 2.0, 9.0], WANI_EDGES)
    assert shares.tolist() == pytest.approx([0.2, 0.4, 0.2, 0.0, 0.0, 0.2])
    with pytest.raises(ValueError):
        rules.total_variation([1, 2], [1, 2, 3])


def test_distribution_rule_passes_the_observed_bins_and_fails_shifted_ones():
    rng = np.random.default_rng(5)
    bins = rng.choice(6, size=5000, p=np.array(WANI_SHARES) / sum(WANI_SHARES))
    lows = np.array([0.5, 1.0, 2.0, 3.0, 4.0, 5.0])
    like_wani = lows[bins] + 0.5  # B:C values drawn bin by bin from the observed shares
    assert rules.distribution_rule(rules.binned_shares(like_wani, WANI_EDGES), WANI_SHARES, WANI_THRESHOLD).passed
    doubled = 2 * like_wani  # every project twice as profitable: mean about 4
    verdict = rules.distribution_rule(rules.binned_shares(doubled, WANI_EDGES), WANI_SHARES, WANI_THRESHOLD)
    assert not verdict.passed and verdict.statistic > 0.5


# --- the suite --------------------------------------------------------------------------------------
EXPECTED_QUICK = {  # what the quick suite gives (docs/validation.md, "Empirical patterns")
    "Contribution decay without enforcement, and its cure by sanctions": True,
    "Threshold public goods under collective risk": False,
    "Savings from sharing services shrink with size and with the number of partners": False,
    "Benefit-cost ratios of joint watershed investments": True,
    "Partnerships go dormant after a COVID-like shock": True,
    "Audits cut leakage; grassroots monitoring barely moves it": True,
}


def test_the_quick_suite_gives_the_documented_outcome_and_the_command_says_so(capsys):
    """One run of the quick suite through the command's own entry point: its table, the
    documented pass/fail of each pattern, and exit code 1 because some fail."""
    from sim.validation.patterns import main, run_patterns

    rows = []

    def run(**kwargs):
        rows.extend(run_patterns(**kwargs))
        return rows

    code = main(quick=True, markdown=True, run=run)
    table = capsys.readouterr().out
    assert {row.name: row.passed for row in rows} == EXPECTED_QUICK
    assert code == (0 if all(EXPECTED_QUICK.values()) else 1)
    lines = table.strip().splitlines()
    assert lines[0].startswith("| # | pattern") and len(lines) == len(rows) + 2 and "**FAIL**" in table
    for row in rows:
        assert row.source and row.observed and row.rule and row.tolerance
    decay = rows[0]
    assert dict(decay.parts)["round 10: formal > informal"].passed  # sanctions cure, even where decay fails


def test_dormancy_in_the_band_passes_only_where_the_shock_makes_it(monkeypatch):
    """Pattern 5 asks for the share in the band *and* for the shock to raise it: a share in the
    band that the same runs reach without the shock fails (a deliberately wrong simulated value)."""
    from sim.validation.patterns import cases

    def in_band_anyway(seed, shocked):  # 28 % inactive, with or without the shock
        return 0.28 + 0.01 * (seed % 3), 16

    monkeypatch.setattr(cases, "dormancy", in_band_anyway)
    blind = cases.shock_dormancy(quick=True)
    assert dict(blind.parts)["share inactive in the band"].passed and not blind.passed

    def caused(seed, shocked):  # 28 % with the shock, 5 % without
        return (0.28 if shocked else 0.05) + 0.01 * (seed % 3), 16

    monkeypatch.setattr(cases, "dormancy", caused)
    assert cases.shock_dormancy(quick=True).passed


def test_validate_patterns_is_an_option_of_validate():
    from sim.cli import build_parser

    args = build_parser().parse_args(["validate", "--patterns", "--quick"])
    assert args.patterns and args.quick
    assert not build_parser().parse_args(["validate"]).patterns  # the reference suite is unchanged


# --- the mechanism the lab pattern needed: behaviour.free_rider_share --------------------------------
def test_free_riders_are_drawn_last_and_contribute_only_when_deterred():
    """A share of villages disposed to free-ride: about that share get an unreachable threshold,
    every other endowment is the same as without them (drawn last), and in fixed groups they
    contribute only by mistake without enforcement, and always when enforcement deters."""
    from sim.domains import AGRICULTURE
    from sim.landscape import FREE_RIDER_THRESHOLD
    from sim.model import VillageModel
    from sim.validation.patterns.runs import mutually_tied_groups

    base = {
        "n_villages": 200,
        "steps": 6,
        "behaviour.review_probability": 0.0,
        "cooperation.collapse_steps": 1000,  # groups stay (a member alone would count as contributing)
        "shocks.scheduled": [],
    }
    plain = VillageModel("default", rng=7, **base)
    mixed = VillageModel("default", rng=7, **base, **{"behaviour.free_rider_share": 0.3})
    free = mixed.state.threshold == FREE_RIDER_THRESHOLD
    assert 0.2 < free.mean() < 0.4 and not (plain.state.threshold == FREE_RIDER_THRESHOLD).any()
    np.testing.assert_array_equal(mixed.state.threshold[~free], plain.state.threshold[~free])
    for name in ("households", "land", "productivity", "wealth", "expertise", "risk_aversion", "x"):
        np.testing.assert_array_equal(getattr(mixed.state, name), getattr(plain.state, name))
    for form, expected in (("informal", lambda rate: rate < 0.1), ("formal", lambda rate: rate > 0.9)):
        m = VillageModel(
            "default",
            rng=7,
            **base,
            **{"behaviour.free_rider_share": 0.3, "cooperation.forms": [form], f"forms.{form}.term": 0},
        )
        free = m.state.threshold == FREE_RIDER_THRESHOLD
        for group in mutually_tied_groups(m, 4):
            m.form_partnership(m.forms[form], (AGRICULTURE,), group)
        members = m.state.partnership[:, AGRICULTURE] >= 0
        rates = []
        for _ in range(5):
            m.step()
            rates.append(m.state.contributed[members & free, AGRICULTURE].mean())
        assert expected(float(np.mean(rates))), (form, rates)


# --- the mechanism the collective-risk pattern needed: infrastructure.protection, perceived_risk ------
def test_a_higher_perceived_risk_gets_more_fixed_groups_their_project(monkeypatch):
    """Fixed groups of six in infrastructure (pattern 2's setting): with a project that averts
    a drought's damage, more groups have built it by year 10 when the perceived risk is 90 %
    than at 10 %, in every seed (a member deterred by the risk pays even where its partners
    did not). Without the protection, the perceived risk changes nothing."""
    from sim.validation.patterns import cases

    for seed in seeds(3):
        low, high = cases.risk_game(0.1, seed, 120).mean(), cases.risk_game(0.9, seed, 120).mean()
        assert high >= low + 0.5, (seed, low, high)
    monkeypatch.setattr(cases, "RISK_PROTECTION", 0.0)
    seed = seeds(1)[0]
    np.testing.assert_array_equal(cases.risk_game(0.1, seed, 120), cases.risk_game(0.9, seed, 120))


def test_the_risk_deters_only_members_waiting_for_a_protecting_project():
    """Who the risk deters, read off one model: members of an infrastructure group whose project
    is not built, when their own expected averted loss reaches the group's yearly pledges;
    nobody when the project protects nothing."""
    from sim.behaviour import ContributionRule, risk_deterred
    from sim.model import VillageModel
    from sim.validation.patterns.runs import mutually_tied_groups

    def deterred(protection: float, served: bool):
        m = VillageModel("default", rng=2, n_villages=60, steps=1, **{
            "infrastructure.protection": protection, "infrastructure.perceived_risk": 0.9,
            "behaviour.review_probability": 0.0,
        })  # fmt: skip
        group = mutually_tied_groups(m, 6)[0]
        m.form_partnership(m.forms["informal"], (INFRASTRUCTURE,), group)
        if served:
            m.state.served_until[group] = 25
        year = m.fix_year()
        return np.asarray(risk_deterred(year, m.state, ContributionRule.of(m.params, m.form_list))), group

    on, group = deterred(1.0, False)
    assert on[group].all() and on.sum() == len(group)  # members only
    assert not deterred(1.0, True)[0].any()  # built: nothing left to avert by paying
    assert not np.asarray(deterred(0.0, False)[0]).any()
