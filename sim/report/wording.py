"""Every sentence and label of the report, in one place, ready for translation.

``SENTENCES`` are whole sentences (or paragraphs) with named placeholders, rendered by
``say(key, **values)``; ``LABELS`` are the short texts (headings, table headers, axis
labels, legend entries, figure titles, number-with-unit patterns), rendered by
``label(key, **values)``. A placeholder holds a name (an arm, a condition, a measure's
label from ``measures.py``), a number already formatted by the helpers at the end of this
module, or another template of this module rendered whole (``{amount}``, ``{pairing}``).
No sentence is assembled from fragments, so a translation may reorder every part.
``{Measure}`` is ``{measure}`` with its first letter in upper case (at a sentence's start).

Where English grammar depends on a value, the template has one key per form:
``"raises"`` / ``"raises.plural"`` for a singular or plural arm label ("Formal agreements
raise"), and ``"paired.one"`` / ``"paired.other"`` for a count (gettext's ``ngettext``
picks such forms per language). ``N_`` marks every template for ``pybabel extract``; it
returns the text unchanged.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.sweep.analysis import decimals, fmt

LANGUAGE = "en"  # the language of the templates below

# The language a report is being written in (``speaking``); None: English, the templates themselves.
_SPEAKING: ContextVar[Any] = ContextVar("report_language", default=None)


@contextmanager
def speaking(language) -> Iterator[None]:
    """Write every sentence, label and number in ``language`` (a ``sim.i18n.Language``) while
    this lasts: the templates through its catalogue, numbers in its locale's format."""
    token = _SPEAKING.set(None if language is None or language.code == LANGUAGE else language)
    try:
        yield
    finally:
        _SPEAKING.reset(token)


def language_code() -> str:
    """The code of the language being written ("en", "id"): the HTML page's lang attribute."""
    found = _SPEAKING.get()
    return LANGUAGE if found is None else found.code


def translated(text: str) -> str:
    """A text in the language being written: a template of this module, or a name declared
    elsewhere (an arm's or condition's label in an experiment file, a measure's unit)."""
    found = _SPEAKING.get()
    return text if found is None else found.gettext(text)


def measure_text(key: str, label: str, unit: str) -> tuple[str, str]:
    """A measure's label and unit (the registry's English ones given) in the language being written."""
    found = _SPEAKING.get()
    if found is None:
        return label, unit
    try:
        return found.measure(key)
    except KeyError:
        return found.gettext(label), found.gettext(unit)


def N_(text: str) -> str:
    """A template, marked for extraction into a translation catalogue."""
    return text


SENTENCES: dict[str, str] = {
    # ------------------------------------------------------------------ header
    "intervals": N_(
        "Every interval is a 95 % confidence interval (Student t, across replicates): if the whole "
        "experiment were repeated with fresh replicates, intervals built this way would contain the "
        "true mean in 95 % of the repetitions."
    ),
    "intervals.shares": N_(
        "An arm's mean of a share (of households, of villages) has its interval on the logit scale (the "
        "Student t interval of the mean, by the delta method, mapped back), and a share of runs (a yes or no "
        "per run, such as whether it recovered) the Wilson score interval: both stay inside 0 and 1."
    ),
    "intervals.posterior": N_(
        "The replicates also differ in their parameters: replicate r draws one set of {parameters} from the "
        "posterior of the calibration {name} ({particles} particles, drawn in proportion to their weights with "
        "the replicate's seed), the same set in every arm and condition (or design point) of that replicate. "
        "The intervals therefore cover replicate noise and parameter uncertainty (posterior of calibration "
        "{name}, {particles} particles), and paired differences carry both. The scenario's other parameters "
        "keep their values, which are illustrative."
    ),
    "observations.synthetic": N_(
        "The calibration's observations are synthetic: the model made them itself, to check that the "
        "calibration recovers known values, and nobody measured them. The posterior says which parameters "
        "reproduce those figures, not what is true of any place, so these results remain illustrative."
    ),
    "observations.real": N_(
        "The calibration's observations are real: figures measured in the world (its file, {file}, gives "
        "their sources)."
    ),
    "observations.unstated": N_(
        "The calibration file ({file}) does not say whether its observations are real or synthetic (its key "
        "observations), so neither does this report."
    ),
    "components": N_(
        "Each arm below changes one thing of another arm (the experiment file's compare_with): its "
        "difference from that arm, paired by replicate, is how much that one thing moves the measure. "
        "These are the components of the arms' effects; the tables above compare every arm with the "
        "reference instead."
    ),
    "explained_intro": N_(
        "What each arm's effect on {measure} rests on, per condition: its effect against {reference}, the "
        "change tried one at a time that moves it most, and what is left of the effect without that component."
    ),
    "explained": N_(
        "{arm}: {measure} {effect} against {reference}. Of the changes tried one at a time, {component} moves "
        "it most: {change} against {arm}, to {rest} against {reference}."
    ),
    "explained.others": N_(
        "{arm}: {measure} {effect} against {reference}. Of the changes tried one at a time, {component} moves "
        "it most: {change} against {arm}, to {rest} against {reference}. Other changes that move it "
        "clearly: {others}."
    ),
    "explained.none": N_(
        "{arm}: {measure} {effect} against {reference}; none of the changes tried one at a time moves it clearly."
    ),
    "explained_by": N_(
        "Which component of each arm carries its effect is measured by another experiment, {name} ({folder}: "
        "{variant}, {replicates} replicates per arm, {steps} steps, {villages} villages, commit {commit}). It "
        "switches off one component of an arm at a time, with its own settings, so its sizes differ from this "
        "report's: read it for what each effect rests on."
    ),
    "explained_by.missing": N_(
        "What each arm's effect rests on is measured by the experiment {name}, but {folder} holds no results "
        "of it: run `kerjasama sweep experiments/{experiment}.toml`, then `kerjasama report` on this folder."
    ),
    "explained_by.unreadable": N_(
        "What each arm's effect rests on is measured by the experiment {name}, but its results in {folder} "
        "cannot be read: {error}"
    ),
    "pairing": N_(
        "Comparisons between arms are paired by replicate: replicate r of every arm uses the same seed, "
        "so it faces the same villages and the same shocks; the difference is taken within each "
        "replicate and its interval is the t interval of those per-replicate differences. Relative "
        "differences divide that difference and its interval by the reference arm's mean, treating the "
        "reference mean as exact (an approximation that ignores its own uncertainty). Shares and rates "
        "are compared in percentage points (pp) instead. Replicates with a missing value in either arm "
        "(for example runs that never recovered have no recovery time) are left out of the pair count."
    ),
    "metrics_missing": N_("Metrics named by the experiment but not found in runs.parquet: {metrics}."),
    "no_runs": N_("No runs are stored yet, so there is nothing to report."),
    "unknown_design": N_("Unknown design {design}: only the header is reported."),
    "no_timeseries": N_("kerjasama: note: {folder} has no time series; the report leaves out its time-series figures"),
    # ------------------------------------------------------------------ arms
    "no_arm_column": N_("runs.parquet has no arm column: nothing to compare."),
    "reference_missing": N_("The reference arm {reference} has no runs; differences are not computed."),
    "not_measured": N_(
        "Not measured in this condition (no run has a value, e.g. resilience to a scheduled shock "
        "when none is scheduled): {measures}."
    ),
    "fewer_pairs": N_("Fewer pairs than runs (missing values on one side): {arms}."),
    # one reading per arm and measure: {amount}, {low}, {high} are in the units of the comparison
    "raises": N_("{arm} raises {measure} by {amount} [{low}, {high}] relative to {reference} ({pairing})."),
    "raises.plural": N_("{arm} raise {measure} by {amount} [{low}, {high}] relative to {reference} ({pairing})."),
    "lowers": N_("{arm} lowers {measure} by {amount} [{low}, {high}] relative to {reference} ({pairing})."),
    "lowers.plural": N_("{arm} lower {measure} by {amount} [{low}, {high}] relative to {reference} ({pairing})."),
    "no_clear": N_(
        "{arm} makes no clear difference to {measure} ({amount} [{low}, {high}]) relative to {reference} ({pairing})."
    ),
    "no_clear.plural": N_(
        "{arm} make no clear difference to {measure} ({amount} [{low}, {high}]) relative to {reference} ({pairing})."
    ),
    "changes": N_(
        "{arm} changes {measure} by {amount} relative to {reference}, with too few paired replicates for an "
        "interval ({pairing})."
    ),
    "changes.plural": N_(
        "{arm} change {measure} by {amount} relative to {reference}, with too few paired replicates for an "
        "interval ({pairing})."
    ),
    "no_pairs": N_("{arm}: no paired replicates with {measure} to compare against {reference}."),
    # the remark in brackets at the end of a reading
    "paired.one": N_("paired over {count} replicate"),
    "paired.other": N_("paired over {count} replicates"),
    "paired_near_zero.one": N_(
        "paired over {count} replicate; difference in {unit}, not %, as the reference mean is close to 0"
    ),
    "paired_near_zero.other": N_(
        "paired over {count} replicates; difference in {unit}, not %, as the reference mean is close to 0"
    ),
    # ------------------------------------------------------------------ arms: figure captions
    "series_caption": N_(
        "Per-step mean over replicates by arm (dashed: the reference arm), shaded: 95 % confidence interval. "
        "Bands show the spread between replicates; overlapping bands do not rule out a clear paired difference "
        "(see the tables, which compare arms replicate by replicate)."
    ),
    "series_caption.condition": N_(
        "Per-step mean over replicates by arm (dashed: the reference arm), shaded: 95 % confidence interval - "
        "{condition}. Bands show the spread between replicates; overlapping bands do not rule out a clear paired "
        "difference (see the tables, which compare arms replicate by replicate)."
    ),
    "resilience_caption": N_(
        "Left: mean shortfall of the villages hit, in % of the same run without the shock, with 95 % CI band. "
        "Bars: mean over replicates with 95 % CI whiskers. Whiskers show the spread between replicates; the "
        "paired differences in the tables are the sharper comparison."
    ),
    "resilience_caption.condition": N_(
        "Left: mean shortfall of the villages hit, in % of the same run without the shock, with 95 % CI band. "
        "Bars: mean over replicates with 95 % CI whiskers - {condition}. Whiskers show the spread between "
        "replicates; the paired differences in the tables are the sharper comparison."
    ),
    "forest_caption": N_(
        "Paired difference in {measure} against {reference} ({unit}); whiskers: 95 % CI; dashed line: no difference."
    ),
    # ------------------------------------------------------------------ grid and lhs
    "no_factors": N_("No factor columns found in runs.parquet: nothing to draw."),
    "grid_cells": N_(
        "Each cell is the mean over the {replicates} replicate(s) of that combination of {x} (columns) and {y} "
        "(rows); colours run from worse (red) to better (green) when the metric has a direction."
    ),
    "grid_cells.more_factors": N_(
        "Each cell is the mean over the {replicates} replicate(s) of that combination of {x} (columns) and {y} "
        "(rows); colours run from worse (red) to better (green) when the metric has a direction. Cells also "
        "average over the other factors: {others}."
    ),
    "grid_caption": N_("{Measure} over {x} and {y} (mean over replicates)."),
    "grid_one": N_(
        "One factor, {factor}: each value shows the mean over its {replicates} replicate(s) with a 95 % CI."
    ),
    "grid_one_caption": N_("{Measure} against {factor} (mean over replicates, 95 % CI band)."),
    "lhs_correlations": N_(
        "Spearman's rank correlation ρ measures how consistently a metric rises (ρ > 0) or falls (ρ < 0) "
        "as one factor grows across the {points} sampled design points (metrics averaged over the "
        "replicates of each point). It ignores interactions, and with many factors and metrics a few "
        "small p-values are expected by chance."
    ),
    "lhs_caption": N_("{Measure} against each sampled factor (one dot per run); ρ: Spearman rank correlation."),
    # ------------------------------------------------------------------ sobol and morris
    "sobol_intro": N_(
        "Sobol indices split the variance of a metric over the sampled ranges: S1 is the share explained by a "
        "parameter alone, ST the share it explains including all its interactions (ST − S1 large: the parameter "
        "acts through interactions). Intervals are SALib's 95 % bootstrap intervals; with a small N they can be "
        "wide and indices can come out slightly negative."
    ),
    "sobol_incomplete": N_(
        "The Saltelli design needs {expected} design points (N = {samples}, {parameters} parameters) but "
        "{stored} are stored; the indices cannot be computed until the sweep is complete."
    ),
    "sobol_failed": N_("Sobol indices could not be computed: {error}"),
    "sobol_caption": N_("Sobol indices of {measure}; whiskers: 95 % bootstrap CI."),
    "morris_intro": N_(
        "Morris screening moves one parameter at a time along random trajectories: μ* (the mean absolute "
        "elementary effect) ranks overall influence, σ (their spread) flags non-linear effects or "
        "interactions. Intervals on μ* are SALib's 95 % bootstrap intervals. Effects are in the metric's units "
        "per full range of the parameter."
    ),
    "morris_columns_missing": N_("Parameter columns missing from runs.parquet: {parameters}; indices not computed."),
    "morris_incomplete": N_(
        "The Morris design needs {expected} design points ({trajectories} trajectories of {length}) but "
        "{stored} are stored; the indices cannot be computed until the sweep is complete."
    ),
    "morris_rounded": N_(
        "Integer parameters ({parameters}) ran with rounded values, while the effects divide by the design's "
        "unrounded step: their μ* and σ are approximate."
    ),
    "morris_failed": N_("Morris indices could not be computed: {error}"),
    "morris_caption": N_("Morris μ* (whiskers: 95 % bootstrap CI) and σ of {measure}."),
    "points_missing": N_("{count} design points have no value for this metric; indices not computed."),
    "constant": N_("The metric takes the same value at every design point: no parameter influences it here."),
    "morris_intervals": N_(
        "Intervals on σ and μ are 95 % percentile bootstrap intervals over the trajectories (the trajectories "
        "resampled 1,000 times, seeded by the experiment's seed)."
    ),
    "morris_caption.intervals": N_("Morris μ* and σ of {measure}; whiskers: 95 % bootstrap CIs."),
    "ranges_quantiles": N_(
        "For a normal or lognormal parameter, low and high are its distribution's 0.1 % and 99.9 % quantiles "
        "(a large design draws a few values beyond them)."
    ),
    # the warnings when a sample is too small (sim.sweep.analysis.sensitivity_warnings), one paragraph a measure
    "warning.sobol": N_(
        "Caution: these Sobol indices rest on too small a sample (N = {samples}) to be read as results."
    ),
    "warning.morris": N_(
        "Caution: this Morris screening rests on too few trajectories ({samples}) to be read as a result."
    ),
    "warning.s1_sum": N_(
        "The shares of the variance explained by each parameter alone (S1) add up to {total}, more than the "
        "whole variance, which true shares cannot do (the interval is a bootstrap of the sum)."
    ),
    "warning.s1_sum.half_widths": N_(
        "The shares of the variance explained by each parameter alone (S1) add up to {total}, more than the "
        "whole variance, which true shares cannot do (the interval adds up the indices' half-widths, a "
        "conservative bound)."
    ),
    "warning.s1_above_st": N_(
        "For {parameters}, the share explained alone (S1) is larger than the share explained with all "
        "interactions (ST), beyond both intervals: true indices cannot do that."
    ),
    "warning.outside_unit": N_(
        "Some indices lie outside 0 to 1, where a share of the variance must lie, even allowing for their "
        "intervals: {indices}."
    ),
    "warning.wide": N_(
        "For the most influential parameters ({parameters}), the interval of ST is wider than ST itself: "
        "neither how much they matter nor their order is settled."
    ),
    "warning.wide_s1": N_(
        "For the parameters that explain most alone ({parameters}), the interval of S1 is wider than S1 itself: "
        "how much each explains alone is not settled."
    ),
    "warning.few_trajectories": N_(
        "Morris screening needs at least {minimum} trajectories to rank parameters; this one has {trajectories}."
    ),
    "warning.wide_mu_star": N_(
        "For the most influential parameters ({parameters}), the interval of μ* is wider than μ* itself: "
        "neither how much they matter nor their order is settled."
    ),
    "warning.wide_sigma": N_(
        "For the most influential parameters ({parameters}), the interval of σ is wider than σ itself: "
        "whether they act through interactions or non-linear effects is not settled."
    ),
    "warning.advice": N_(
        "What to do: set samples = {needed} in the experiment file and run the sweep again. Intervals shrink "
        "roughly as one over the square root of the sample size, so samples = {needed} should make the most "
        "influential parameters' intervals narrower than their indices; read this warning again then."
    ),
    "warning.advice.rough": N_(
        "What to do: raise samples in the experiment file and run the sweep again. Intervals shrink roughly "
        "as one over the square root of the sample size, which from a sample this small gives only a rough "
        "estimate, samples = {needed}: try samples = {first} first and read this warning again."
    ),
    "warning.advice.unknown": N_(
        "What to do: raise samples in the experiment file (at least double it) and run the sweep again."
    ),
    # ------------------------------------------------------------------ robustness
    "robust.intro": N_(
        "{policies} policies were each run in the same {worlds} worlds (a Latin hypercube sample of "
        "{uncertainties} uncertainties, listed at the end), {replicates} replicates per policy and world, "
        "replicate r with the same seed under every policy. In each world a policy's value is its mean over "
        "the replicates. A policy fails in a world where it does not beat {reference} on {measure}."
    ),
    "robust.basis": N_(
        "What these figures rest on: the model's parameters are illustrative, not calibrated, and the worlds are "
        "a sample of ranges someone chose, not a probability distribution of the future. A share of worlds is a "
        "share of this sample; its 95 % interval (Wilson) says how much it could move with another sample of "
        "the same size, not how likely a world is. Replicate noise inside a world is averaged, not shown."
    ),
    "robust.choice": N_(
        "The minimax-regret choice is {minimax}: in no world does it fall more than {maximum} {unit} of "
        "{measure} short of the best policy of that world. The 90th-percentile-regret choice is {percentile} "
        "(in 90 % of the worlds it is within {p90} {unit} of the best). Regret is the shortfall from the best "
        "policy of each world (Savage's regret; 0 for the best)."
    ),
    "robust.choice.same": N_(
        "The robust choice by both rules is {minimax}: in no world does it fall more than {maximum} {unit} of "
        "{measure} short of the best policy of that world (minimax regret), and in 90 % of the worlds it is "
        "within {p90} {unit} of the best (90th-percentile regret). Regret is the shortfall from the best "
        "policy of each world (Savage's regret; 0 for the best)."
    ),
    "robust.failures_intro": N_(
        "Where each policy fails (does not beat {reference} on {measure}): PRIM (the EMA Workbench's patient "
        "rule induction) looks for the box of uncertainty values that holds most of a policy's failures. "
        "Coverage: the share of its failures inside the box; density: the share of the worlds inside the "
        "box where it fails. The box kept is the densest that covers at least half of the failures and "
        "restricts at most three uncertainties."
    ),
    "robust.box": N_(
        "{policy} falls behind {reference} in {failing} of {worlds} worlds; {coverage} % of them lie where "
        "{where} (in {inside} worlds there, it fails in {density} %)."
    ),
    "robust.box.plural": N_(
        "{policy} fall behind {reference} in {failing} of {worlds} worlds; {coverage} % of them lie where "
        "{where} (in {inside} worlds there, they fail in {density} %)."
    ),
    "robust.box.none": N_("{policy} beats {reference} in every one of the {worlds} worlds sampled."),
    "robust.box.none.plural": N_("{policy} beat {reference} in every one of the {worlds} worlds sampled."),
    "robust.box.all": N_("{policy} falls behind {reference} in every one of the {worlds} worlds sampled."),
    "robust.box.all.plural": N_("{policy} fall behind {reference} in every one of the {worlds} worlds sampled."),
    "robust.box.few": N_(
        "{policy} falls behind {reference} in {failing} of {worlds} worlds: too few, or too scattered, "
        "for a box of at most three uncertainties to describe where."
    ),
    "robust.box.few.plural": N_(
        "{policy} fall behind {reference} in {failing} of {worlds} worlds: too few, or too scattered, "
        "for a box of at most three uncertainties to describe where."
    ),
    "robust.box_caption": N_(
        "The worlds where each policy falls behind {reference} (crosses) or beats it (dots), on the two "
        "uncertainties its PRIM box restricts first; dashed: the box."
    ),
    "robust.regret_caption": N_(
        "Regret on {measure} over the worlds: how far each policy falls short of the best policy of each "
        "world (box: quartiles and median; whiskers: minimum and maximum)."
    ),
    "robust.metrics_intro": N_(
        "The share of worlds in which each policy beats {reference} on each measure (better means higher or "
        "lower as the measure says), with its 95 % Wilson interval over the sample of worlds."
    ),
    "robust.pairwise_intro": N_(
        "How often the policy of each row beats the policy of each column on {measure}: the share of worlds "
        "in which its value is the better one (ties count for neither), with its 95 % Wilson interval."
    ),
    "robust.worlds_note.one": N_("Shares of {count} world."),
    "robust.worlds_note.other": N_("Shares of {count} worlds."),
    "robust.unreadable": N_(
        "This robustness experiment's results cannot be read as such (missing uncertainty columns: "
        "{missing}, or its reference, objective or policies are not in the stored runs)."
    ),
    "where.intro": N_(
        "Each village's gain is its mean consumption under the arm minus under {reference} in the "
        "same replicate (the same villages and weather), averaged over the replicates; a village "
        "gains or loses when the 95 % interval of that difference lies above or below 0. A "
        "district's gain is that of its household-weighted mean consumption, in % of {reference}."
    ),
    "where.caption": N_(
        "Paired gain in mean consumption of each village against {reference}, in % (blue: gains, "
        "red: loses); dots sized by households."
    ),
    # ------------------------------------------------------------------ full report: measures read once
    "arms.constant": N_("{Measure} is {value} ({unit}) in every run of every arm, so it does not tell the arms apart."),
    "arms.constant.why.resilience.recovery_steps": N_(
        "Recovery is counted in whole steps (years) after the shock, and every run was back within 5 % of the "
        "same run without the shock after the same number of steps."
    ),
    "zero_by_construction": N_(
        "{reference} has no partnerships, so its {measure} is 0 in every run by construction: the table shows "
        "each arm's level, since a difference from {reference} would only repeat it."
    ),
    # ------------------------------------------------------------------ the brief (sim/report/brief.py)
    "brief.question": N_(
        "How do {arms} compare with {reference} in the scenario {scenario}, on the outcomes that matter most "
        "here: {measures}?"
    ),
    "brief.question.conditions": N_(
        "How do {arms} compare with {reference} in the scenario {scenario}, on the outcomes that matter most "
        "here ({measures}), in each of these conditions: {conditions}?"
    ),
    "brief.answer.first.higher.ahead": N_(
        "The largest gain in {measure} {where} comes with {best}: {effect} against {reference}, clearly more "
        "than with {second} (by {gap})."
    ),
    "brief.answer.first.higher.tied": N_(
        "The largest gain in {measure} {where} comes with {best}: {effect} against {reference}, though it "
        "cannot be told apart from {second} (difference {gap})."
    ),
    "brief.answer.first.lower.ahead": N_(
        "The largest fall in {measure} {where} comes with {best}: {effect} against {reference}, clearly more "
        "than with {second} (by {gap})."
    ),
    "brief.answer.first.lower.tied": N_(
        "The largest fall in {measure} {where} comes with {best}: {effect} against {reference}, though it "
        "cannot be told apart from {second} (difference {gap})."
    ),
    "brief.answer.other.higher": N_(
        "The largest gain in {measure} {where} comes with {best}: {effect} against {reference}."
    ),
    "brief.answer.other.lower": N_(
        "The largest fall in {measure} {where} comes with {best}: {effect} against {reference}."
    ),
    "brief.answer.none": N_("No arm improves {measure} clearly against {reference} {where}."),
    "brief.ranking": N_(
        "Each cell is the arm's paired difference from {reference} (the same seeds: the same villages and "
        "weather), with its 95 % interval; within each condition the arms are ranked on the first column. "
        "Differences are in % of {reference}'s mean, shares in percentage points (pp)."
    ),
    "brief.where": N_(
        "A village gains or loses when the 95 % interval of its paired difference in mean consumption from "
        "{reference} lies above or below 0; a district's gain is that of its household-weighted mean "
        "consumption, in % of {reference}."
    ),
    "brief.pairs": N_(
        "Each arm against the one ranked just below it on {measure}, paired by replicate: two arms can be told "
        "apart when the 95 % interval of their difference excludes 0."
    ),
    "brief.resilience": N_(
        "Resilience is read on the villages hit by the scheduled shock. Robustness is the share of them that "
        "never fall below the poverty line; resistance is their lowest consumption as a share of their own "
        "consumption just before the shock; welfare loss is what they lose until they recover, in years of "
        "their own welfare; recovery time is the years until they are back within 5 % of the same run without "
        "the shock. An arm does clearly better or worse when the 95 % interval of its paired difference from "
        "{reference} excludes 0."
    ),
    "brief.resilience.contradiction": N_(
        "{arms}: more of the villages hit stay above the poverty line (robustness), although they lose a larger "
        "share of their own consumption (resistance, welfare loss). This is not a contradiction: cooperation "
        "raises consumption before the shock, so the same shock takes a larger share from a higher level, while "
        "fewer villages fall below the line."
    ),
    "brief.illustrative": N_(
        "The figures are illustrative, not forecasts: the model's parameters are not calibrated to observed "
        "data (docs/validation.md says what has been checked). Each interval covers only the noise between the "
        "{replicates} replicates of each arm, not the uncertainty about the parameters, which is larger."
    ),
    "brief.posterior": N_(
        "Each interval covers replicate noise and parameter uncertainty (posterior of calibration {name}, "
        "{particles} particles): each of the {replicates} replicates draws {parameters} from that posterior, "
        "the same for every arm, so the differences between arms carry both. The model's other parameters are "
        "not calibrated (docs/validation.md says what has been checked)."
    ),
    "brief.rests_on": N_(
        "The experiment {name} switches off one component of each arm at a time: for {arm}, {component} moves "
        "{measure} most ({change}), leaving {rest} against the reference."
    ),
    "brief.robust": N_(
        "Across {worlds} sampled worlds of {uncertainties} uncertain parameters (the experiment {name}; the "
        "ranges are judgement, not estimates), {measure} is better with {arm} than with {reference} in "
        "{share} of the worlds."
    ),
}

LABELS: dict[str, str] = {
    "title": N_("Experiment {name}"),
    "full_title": N_("Full report"),
    "brief.title": N_("Brief: {name}"),
    "brief.heading": N_("Brief: {name}"),
    "brief.question_heading": N_("The question"),
    "brief.answer_heading": N_("The answer"),
    "brief.ranking_heading": N_("The arms ranked"),
    "brief.where_heading": N_("Who gains, where"),
    "brief.pairs_heading": N_("The arms compared with each other"),
    "brief.resilience_heading": N_("Resilience to the shock"),
    "brief.depends_heading": N_("What the result depends on"),
    "brief.everywhere": N_("in this experiment"),
    "brief.in_condition": N_("in the condition “{condition}”"),
    "brief.pair": N_("{first} vs {second}"),
    "brief.apart": N_("yes"),
    "brief.not_apart": N_("no"),
    "brief.none": N_("—"),
    "brief.every_arm": N_("every arm"),
    "brief.col.pair": N_("arms"),
    "brief.col.gap": N_("difference [95 % CI]"),
    "brief.col.apart": N_("told apart?"),
    "brief.col.measure": N_("measure"),
    "brief.col.better": N_("clearly better"),
    "brief.col.unclear": N_("no clear difference"),
    "brief.col.worse": N_("clearly worse"),
    "heading": N_("Experiment: {name}"),
    # the header's list of facts
    "fact.design": N_("design: {value}"),
    "fact.scenario": N_("base scenario: {value}"),
    "fact.runs": N_("runs stored: {value}"),
    "fact.replicates": N_("replicates per design point: {value}"),
    "fact.variant_quick": N_(
        "variant: quick (the experiment file's [quick] table: fewer replicates, steps or villages than the full "
        "experiment; run it without --quick for the full one)"
    ),
    "fact.variant_full": N_("variant: full (the experiment file as written, not its [quick] table)"),
    "fact.seed": N_("master seed: {value}"),
    "fact.steps": N_("steps: {value}"),
    "fact.steps_of_scenario": N_("steps: as in the base scenario"),
    "fact.samples": N_("samples: {value}"),
    "fact.worlds": N_("worlds sampled: {value}"),
    "fact.git_commit": N_("git commit: {value}"),
    "fact.started": N_("started: {value}"),
    "fact.finished": N_("finished: {value}"),
    # numbers and lists
    "n/a": N_("n/a"),
    "list": N_(", "),  # between the items of a list in a sentence
    "list.long": N_("; "),  # between items that contain commas or brackets
    "interval": N_("{estimate} [{low}, {high}]"),
    "pp": N_("{value} pp"),
    "percent": N_("{value} %"),
    "percentage_points": N_("{value} percentage points"),
    "in_unit": N_("{value} {unit}"),
    "p_below": N_("< 0.001"),
    "measure_with_unit": N_("{measure} ({unit})"),
    "with_money": N_("{value} ({money})"),
    "the_own_units": N_("the metric's own units"),
    # arms
    "condition": N_("Condition: {condition}"),
    "results": N_("Results"),
    "arm_in_condition": N_("{arm} - {condition}"),
    "pairs_of_runs": N_("{arm} ({pairs} of {runs})"),
    "components": N_("Components: each change against the arm it changes"),
    "explained_heading": N_("What the effects rest on"),
    "explained_by_heading": N_("What the effects rest on (from the experiment {name})"),
    "component_change": N_("{component} {change}"),
    "variant.quick": N_("quick variant"),
    "variant.full": N_("full variant"),
    "col.against": N_("changes"),
    "col.condition": N_("condition"),
    "col.pairs": N_("pairs"),
    "col.difference_against": N_("difference vs that arm [95 % CI]"),
    "col.arm": N_("arm"),
    "col.n": N_("n"),
    "col.mean": N_("mean [95 % CI]"),
    "col.difference": N_("difference vs {reference} [95 % CI]"),
    "col.relative": N_("relative [95 % CI]"),
    "col.p": N_("p (paired t)"),
    "reference": N_("reference"),
    "not_relative": N_("—"),  # no relative difference: % of the measure's mean would mean nothing
    "step_year": N_("step (year)"),
    "series_title": N_("Over time by arm: mean over replicates with 95 % CI band"),
    "series_title.condition": N_("Over time by arm - {condition}: mean over replicates with 95 % CI band"),
    "drop_axis": N_("% below the same run without the shock"),
    "drop_title": N_("consumption drop of the villages hit"),
    "resilience_title": N_("Resilience to the scheduled shock"),
    "resilience_title.condition": N_("Resilience to the scheduled shock - {condition}"),
    "better.higher": N_("{measure} (higher is better)"),
    "better.lower": N_("{measure} (lower is better)"),
    "scale.relative": N_("% of the reference mean"),
    "scale.points": N_("percentage points"),
    "own_units": N_("own units"),
    "forest_axis": N_("paired difference vs {reference}\n({unit})"),
    "forest_title": N_("{measure}: paired difference with 95 % CI"),
    # grid and lhs
    "grid_corner": N_("{y} \\ {x}"),
    "grid_title": N_("{measure}: mean over replicates"),
    "ci_title": N_("{measure}: mean with 95 % CI"),
    "col.factor": N_("factor"),
    "correlations": N_("Rank correlations (Spearman ρ, p)"),
    "rho_p": N_("{rho} (p {p})"),
    "rho": N_("ρ = {rho}"),
    "lhs_title": N_("{Measure} against each factor (one dot per run)"),
    # sobol and morris
    "col.parameter": N_("parameter"),
    "col.meaning": N_("meaning"),
    "col.low": N_("low"),
    "col.high": N_("high"),
    "col.S1": N_("S1 [95 % CI]"),
    "col.ST": N_("ST [95 % CI]"),
    "col.mu_star": N_("μ* [95 % CI]"),
    "col.sigma": N_("σ"),
    "col.mu": N_("μ"),
    "legend.S1": N_("first order S1"),
    "legend.ST": N_("total ST"),
    "legend.mu_star": N_("μ*"),
    "legend.sigma": N_("σ"),
    "sobol_title": N_("{Measure}: Sobol indices (whiskers: 95 % CI)"),
    "morris_title": N_("{Measure}: Morris screening (whiskers: 95 % CI)"),
    "col.distribution": N_("distribution"),
    "col.sigma_ci": N_("σ [95 % CI]"),
    "col.mu_ci": N_("μ [95 % CI]"),
    "dist.uniform": N_("uniform"),
    "dist.normal": N_("normal (mean {mean}, sd {sd})"),
    "dist.truncnormal": N_("normal (mean {mean}, sd {sd}) cut to [{low}, {high}]"),
    "dist.triangular": N_("triangular (mode {mode})"),
    "dist.lognormal": N_("lognormal (mean {mean}, sd {sd})"),
    "dist.discrete": N_("one of {values}, equally likely"),
    "index_value": N_("{index} of {parameter} {value}"),
    "variance_share": N_("share of variance"),
    "effect_axis": N_("elementary effect ({unit})"),
    "metric_units": N_("metric units"),
    # robustness
    "and_list": N_(" and "),  # between the conditions of a box ("a >= 1 and b <= 2")
    "col.policy": N_("policy"),
    "robust.answer_heading": N_("The answer"),
    "robust.col_beats": N_("beats {reference} in (share of worlds [95 % CI])"),
    "robust.col_median": N_("regret: median"),
    "robust.col_p90": N_("regret: 90th percentile"),
    "robust.col_max": N_("regret: largest"),
    "robust.col_fails": N_("fails mostly when"),
    "robust.col_row_beats": N_("row beats column in"),
    "robust.is_reference": N_("(reference)"),
    "robust.between": N_("{name} is between {low} and {high}"),
    "robust.at_least": N_("{name} ≥ {value}"),
    "robust.at_most": N_("{name} ≤ {value}"),
    "robust.fails_nowhere": N_("never (beats it in every world)"),
    "robust.fails_everywhere": N_("always (in every world)"),
    "robust.fails_scattered": N_("no clear region ({failing} of {worlds} worlds)"),
    "robust.failures_heading": N_("Where each policy fails"),
    "robust.metrics_heading": N_("Every measure: how often each policy beats {reference}"),
    "robust.pairwise_heading": N_("The policies compared with each other"),
    "robust.ranges_heading": N_("The uncertainties sampled"),
    "robust.legend_beats": N_("beats the reference"),
    "robust.legend_fails": N_("falls behind"),
    "robust.regret_axis": N_("regret: shortfall of {measure} from the best policy ({unit})"),
    "robust.regret_title": N_("Regret on {measure} across the worlds"),
    "where.heading": N_("Who gains, where"),
    "where.of": N_("{count} of {total}"),
    "where.district": N_("district {district}: {gain}"),
    "where.col.arm": N_("Arm"),
    "where.col.gain": N_("villages gaining"),
    "where.col.lose": N_("villages losing"),
    "where.col.households": N_("households in losing villages"),
    "where.col.most": N_("district gaining most"),
    "where.col.least": N_("district gaining least"),
    "where.km_east": N_("km east"),
    "where.km_north": N_("km north"),
    "where.colour": N_("gain in mean consumption vs {reference} (%)"),
    "where.condition": N_("Condition: {condition}."),
}


def say(key: str, **values: Any) -> str:
    """The sentence ``key`` with its placeholders filled."""
    return _render(translated(SENTENCES[key]), values)


def label(key: str, **values: Any) -> str:
    """The label ``key`` with its placeholders filled."""
    return _render(translated(LABELS[key]), values)


def count(key: str, number: int, **values: Any) -> str:
    """The sentence ``key`` in the form for ``number`` ("1 replicate", "5 replicates")."""
    return say(f"{key}.{'one' if number == 1 else 'other'}", count=number, **values)


def _render(template: str, values: dict[str, Any]) -> str:
    # {Measure} (capitalised) is the same value as {measure} with its first letter in upper case
    if "measure" in values and "{Measure}" in template:
        values = {**values, "Measure": upper_first(str(values["measure"]))}
    return template.format(**values)


def listing(items: Sequence[str], separator: str = "list") -> str:
    """Items of a list inside a sentence ("a, b, c")."""
    return translated(LABELS[separator]).join(items)


def quoted(name: Any) -> str:
    """A name as typed in the experiment file, in quotes ('autarky')."""
    return repr(str(name))


def upper_first(text: str) -> str:
    """The text with its first letter in upper case (a heading or the start of a sentence)."""
    return text[:1].upper() + text[1:]


def measure_title(measure: str, unit: str) -> str:
    """A measure's heading: "Mean consumption (poverty lines per household)"; the unit is
    left out when the label already contains it."""
    return upper_first(
        label("measure_with_unit", measure=measure, unit=unit) if unit and unit not in measure else measure
    )


# ----------------------------------------------------------------------------- readings


@dataclass(frozen=True)
class Difference:
    """One arm's paired difference against the reference arm, in the units of ``scale``:
    % of the reference mean ("relative"), percentage points ("points") or the measure's own
    units ("absolute"). ``low``/``high``: its 95 % interval (NaN: fewer than two pairs);
    ``estimate`` NaN: no pairs at all. ``near_zero``: read in own units only because the
    reference mean is close to 0."""

    arm: str
    reference: str
    measure: str
    unit: str
    scale: str
    estimate: float
    low: float
    high: float
    pairs: int
    near_zero: bool = False


def reading(difference: Difference) -> str:
    """The plain-language sentence of one paired difference: raises, lowers, no clear
    difference (the interval contains 0), or too few pairs for an interval."""
    d = difference
    grammar = ".plural" if plural_subject(d.arm) else ""
    remark = "paired_near_zero" if d.near_zero else "paired"
    names = {
        "arm": d.arm,
        "measure": d.measure,
        "reference": d.reference,
        "pairing": count(remark, d.pairs, unit=d.unit or label("the_own_units")),
    }
    if not all(math.isfinite(v) for v in (d.estimate, d.low, d.high)):
        if not math.isfinite(d.estimate):
            return say("no_pairs", **names)
        digits = decimals(d.estimate, minimum=1 if d.scale != "absolute" else 0)
        return say("changes" + grammar, amount=amount(d.estimate, digits, d.scale, d.unit), **names)
    minimum = 1 if d.scale in ("relative", "points") else 0
    if d.low <= 0 <= d.high:
        key, estimate, low, high = "no_clear", d.estimate, d.low, d.high
    elif d.estimate > 0:
        key, estimate, low, high = "raises", d.estimate, d.low, d.high
    else:  # a fall reads as a positive amount lowered
        key, estimate, low, high = "lowers", -d.estimate, -d.high, -d.low
    digits = decimals(estimate, low, high, minimum)
    return say(
        key + grammar,
        amount=amount(estimate, digits, d.scale, d.unit),
        low=number(low, digits),
        high=number(high, digits),
        **names,
    )


def plural_subject(arm: str) -> bool:
    """Is an arm label's head noun plural ("Formal agreements", "All four forms", "All forms,
    setup half subsidised": the last word before a comma or a bracket)? (English.)"""
    words = arm.split(",")[0].split("(")[0].split()
    last = words[-1].lower() if words else ""
    return last.endswith("s") and not last.endswith("ss")


def amount(value: float, digits: int, scale: str, unit: str) -> str:
    """A difference with its unit: "4.7 %", "4.9 percentage points", "0.0 steps"."""
    text = number(value, digits)
    if scale == "relative":
        return label("percent", value=text)
    if scale == "points":
        return label("percentage_points", value=text)
    return label("in_unit", value=text, unit=unit) if unit else text


# ----------------------------------------------------------------------------- numbers


def number(value: float, digits: int) -> str:
    """A number with ``digits`` decimals, a typographic minus, "n/a" when missing (in the
    format of the language being written: "1,5" in Indonesian)."""
    found = _SPEAKING.get()
    return fmt(value, digits) if found is None else found.decimal(value, digits)


def money_text(amount: float, currency: str) -> str:
    """An amount of money in ``currency`` (an ISO code, optionally with a multiplier: "IDR
    million"), as the language being written writes it: "IDR 34.8 million", "Rp34,8 juta"."""
    found = _SPEAKING.get()
    if found is None:
        from sim.i18n import language

        found = language("en")
    return found.money(amount, currency)


def column_decimals(triples: Sequence[tuple[float, float, float]], scale: float = 1.0, minimum: int = 0) -> int:
    """One number of decimals for a column of (estimate, low, high): the finest any row needs."""
    found = [
        decimals(scale * m, scale * lo, scale * hi, minimum)
        for m, lo, hi in triples
        if m is not None and math.isfinite(m)
    ]
    return max(found) if found else minimum


def interval(
    mean: float, low: float, high: float, scale: float = 1.0, unit: str = "", digits: int | None = None
) -> str:
    """An estimate with its interval: "1.23 [1.20, 1.26]"; ``unit`` "pp" or "percent" puts
    that unit after the estimate ("4.7 % [4.0, 5.4]"); ``scale`` multiplies all three."""
    if mean is None or not math.isfinite(mean):
        return label("n/a")
    mean, low, high = scale * mean, scale * low, scale * high
    d = decimals(mean, low, high, 1 if unit else 0) if digits is None else digits
    estimate = label(unit, value=number(mean, d)) if unit else number(mean, d)
    if not (math.isfinite(low) and math.isfinite(high)):
        return estimate
    return label("interval", estimate=estimate, low=number(low, d), high=number(high, d))


def p_value(p: float) -> str:
    """A p-value: three decimals, or "< 0.001"."""
    if p is None or not math.isfinite(p):
        return label("n/a")
    return label("p_below") if p < 0.001 else number(p, 3)


def tick(value: Any) -> str:
    """A factor's value on an axis or in a table: shortest form, typographic minus."""
    if not isinstance(value, (int, float, np.number)):
        return str(value)
    text = f"{value:g}".replace("-", "\u2212")
    found = _SPEAKING.get()
    return text if found is None else found.localize(text)
