"""The one-page brief that opens an arms report (and stands alone as ``brief.md`` / ``brief.html``).

What a policy reader needs first, in this order: the question; the answer in three sentences;
one table ranking the arms on the outcomes that matter most (``outputs.HEADLINE``) with their
intervals; who gains and who is left behind, by district; the arms compared with each other
(which differences can be told apart, not only each against the reference); resilience in
words that explain its apparent contradictions; what the result depends on; one figure.

Every number is one the full report shows (``arms.Comparisons``, ``sim.sweep.villages``); the
brief only chooses and orders them. Every sentence is a whole template of ``wording.py``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sim import outputs
from sim.report import components, measures
from sim.report.document import Document
from sim.report.results import CONFIDENCE, Context, observations_sentence, posterior_facts, posterior_of
from sim.report.wording import interval, label, listing, say
from sim.scenario import ScenarioError
from sim.sweep import analysis

# between the answer's sentences: a line break inside one paragraph (Markdown and HTML show a
# space), so that the terminal can print one sentence per line (answer_of)
ANSWER_BREAK = "\n"
RESILIENCE = ("resilience.robustness", "resilience.resistance", "resilience.loss", "resilience.recovery_steps")


@dataclass(frozen=True)
class Effect:
    """One arm's paired difference from the reference on one measure in one condition, in the
    units the reader sees (% of the reference, percentage points, or the measure's own)."""

    arm: str
    estimate: float
    low: float
    high: float
    scale: str

    @property
    def clear(self) -> bool:
        """The interval lies on one side of 0."""
        return math.isfinite(self.low) and (self.low > 0 or self.high < 0)

    def text(self) -> str:
        unit = {"relative": "percent", "points": "pp"}.get(self.scale, "")
        return interval(self.estimate, self.low, self.high, 1.0, unit)


def answer_of(markdown: str) -> list[str]:
    """The answer's sentences of a written ``brief.md`` (the paragraph under its second
    heading), one per line, as the terminal shows them after a sweep."""
    sections = markdown.split("\n## ")[1:]
    if len(sections) < 2 or "\n\n" not in sections[1]:
        return []
    paragraph = sections[1].split("\n\n", 2)[1]
    return [line.strip().replace("\\*", "*") for line in paragraph.split(ANSWER_BREAK) if line.strip()]


def headline(metrics: list[str]) -> list[str]:
    """The outcomes the brief ranks on: the registry's headline measures the experiment reports,
    else its first measure."""
    found = [m for m in outputs.HEADLINE if m in metrics]
    return found or metrics[:1]


def effects(compared, metric: str, condition: str | None) -> list[Effect]:
    """Each compared arm's paired difference on ``metric`` in ``condition`` (none when not measured there)."""
    table = compared.shown(metric, condition)
    if table is None:
        return []
    out = []
    for row in table.to_dict("records"):
        if row["scale"] and math.isfinite(row.get("diff", math.nan)):
            out.append(Effect(str(row["arm"]), *analysis.display_difference(row), row["scale"]))
    return out


def ranked(found: list[Effect], metric: str) -> list[Effect]:
    """The arms from best to worst on ``metric`` (largest estimate first when higher is better)."""
    sign = -1.0 if measures.better(metric) == "lower" else 1.0
    return sorted(found, key=lambda e: -sign * e.estimate)


def arms_brief(ctx: Context, compared, figure: tuple[str, str] | None) -> Document:
    """The brief of an arms experiment, as its own document (``figure``: the forest plot's file
    name in ``figures/`` and its caption, drawn by the full report)."""
    arms, conditions = compared.arms, compared.conditions
    name = ctx.exp.get("name") or ctx.results_dir.name
    doc = Document(title=label("brief.title", name=name))
    doc.heading(1, label("brief.heading", name=name))
    top = headline(ctx.metrics)
    others = [a for a in arms.names if a != arms.reference]
    condition_labels = [conditions.label(c) for c in conditions.names if c is not None]

    doc.heading(2, label("brief.question_heading"))
    question = "brief.question.conditions" if condition_labels else "brief.question"
    doc.para(
        say(
            question,
            arms=listing([arms.label(a) for a in others]),
            reference=arms.reference_label,
            scenario=_scenario(ctx),
            measures=listing([measures.label(m) for m in top]),
            conditions=listing(condition_labels, "list.long"),
        )
    )

    doc.heading(2, label("brief.answer_heading"))
    doc.para(ANSWER_BREAK.join(_answer(compared, top)))

    doc.heading(2, label("brief.ranking_heading"))
    _ranking(doc, compared, top)
    _who_gains(ctx, doc, compared)
    _pairs(doc, compared, top[0])
    _resilience(doc, compared, [m for m in RESILIENCE if m in ctx.metrics])
    _depends_on(ctx, doc, compared, top[0])
    if figure:
        doc.figure(ctx.figures / figure[0], figure[1])
    return doc


def _scenario(ctx: Context) -> str:
    scenario = ctx.exp.get("scenario", ctx.manifest.get("scenario"))
    if isinstance(scenario, dict):
        scenario = scenario.get("name") or scenario.get("source")
    return str(scenario or label("n/a"))


def _first(rows: list, compared, condition: str | None) -> str:
    """A table's condition cell: the condition's label in its first row, empty below it."""
    shown = compared.conditions.label(condition) if condition is not None else ""
    earlier = {row[0] for row in rows if row[0]}
    return "" if shown in earlier else shown


def _arm_list(compared, arms: list[str], of: int) -> str:
    """Arms in a table cell: their labels, "every arm" when all ``of`` are there, a dash when none."""
    if not arms:
        return label("brief.none")
    if len(arms) == of and of > 1:
        return label("brief.every_arm")
    return listing([compared.arms.label(a) for a in arms])


def _where(compared, condition: str | None) -> str:
    """ "in <condition>" as a sentence's placeholder (the whole experiment when there are no conditions)."""
    if condition is None:
        return label("brief.everywhere")
    return label("brief.in_condition", condition=compared.conditions.label(condition))


# ----------------------------------------------------------------------------- the answer


def _answer(compared, top: list[str]) -> list[str]:
    """One sentence per headline measure (three at most): the best arm where the measure is
    first measured, by how much, and for the first measure whether it can be told apart from the next."""
    sentences = []
    for i, metric in enumerate(top[:3]):
        condition, found = next(
            ((c, f) for c in compared.conditions.names if (f := effects(compared, metric, c))), (None, [])
        )
        if not found:
            continue
        order = ranked(found, metric)
        best = order[0]
        better = measures.better(metric) or "higher"
        values = {
            "measure": measures.label(metric),
            "where": _where(compared, condition),
            "reference": compared.arms.reference_label,
        }
        improves = best.clear and (best.estimate > 0) == (better == "higher")
        if not improves:
            sentences.append(say("brief.answer.none", **values))
            continue
        values.update(best=compared.arms.label(best.arm), effect=best.text())
        if i == 0 and len(order) > 1:
            gap = _pair_effect(compared, metric, condition, best.arm, order[1].arm)
            tied = gap is None or not gap.clear
            key = f"brief.answer.first.{better}.{'tied' if tied else 'ahead'}"
            sentences.append(
                say(key, second=compared.arms.label(order[1].arm), gap=gap.text() if gap else label("n/a"), **values)
            )
        else:
            sentences.append(say(f"brief.answer.other.{better}", **values))
    return sentences


def _pair_effect(compared, metric: str, condition: str | None, arm: str, other: str) -> Effect | None:
    """``arm`` against ``other`` on ``metric`` in ``condition``, paired by replicate."""
    runs = compared.runs
    if condition is not None:
        runs = runs[runs["condition"].astype(str) == condition]
    runs = runs[runs["arm"].astype(str).isin([arm, other])]
    table = analysis.paired_comparison(runs, metric, other, group_cols=(), confidence=CONFIDENCE)
    rows = [r for r in table.to_dict("records") if str(r["arm"]) == arm and r["scale"]]
    if not rows or not math.isfinite(rows[0].get("diff", math.nan)):
        return None
    return Effect(arm, *analysis.display_difference(rows[0]), rows[0]["scale"])


# ----------------------------------------------------------------------------- tables


def _ranking(doc: Document, compared, top: list[str]) -> None:
    """Rows: condition and arm, best first on the first headline measure; columns: each
    headline measure's paired difference from the reference."""
    arms = compared.arms
    shown = [m for m in top if any(effects(compared, m, c) for c in compared.conditions.names)]
    header = [label("col.condition"), label("col.arm")] + [measures.label(m) for m in shown]
    rows = []
    for condition in compared.conditions.names:
        by_metric = {m: {e.arm: e for e in effects(compared, m, condition)} for m in shown}
        order = ranked(list(by_metric[shown[0]].values()), shown[0]) if shown else []
        for effect in order:
            cells = [by_metric[m][effect.arm].text() if effect.arm in by_metric[m] else "" for m in shown]
            rows.append([_first(rows, compared, condition), arms.label(effect.arm), *cells])
    doc.para(say("brief.ranking", reference=arms.reference_label))
    _condition_table(doc, compared, header, rows)


def _condition_table(doc: Document, compared, header: list[str], rows: list[list[str]]) -> None:
    """A table whose first column is the condition, left out when the experiment has none."""
    if compared.conditions.declared:
        doc.table(header, rows)
    else:
        doc.table(header[1:], [row[1:] for row in rows])


def _who_gains(ctx: Context, doc: Document, compared) -> None:
    """The districts that gain most and least under each arm, and the villages left behind."""
    from sim.report.villages import who_gains_rows

    rows = who_gains_rows(ctx, compared)
    if not rows:
        return
    doc.heading(2, label("brief.where_heading"))
    doc.para(say("brief.where", reference=compared.arms.reference_label))
    header = [label("col.condition")] + [
        label(f"where.col.{key}") for key in ("arm", "gain", "lose", "households", "most", "least")
    ]
    _condition_table(doc, compared, header, rows)


def _pairs(doc: Document, compared, metric: str) -> None:
    """Each arm against the next one in the ranking, paired by replicate: which can be told apart."""
    rows = []
    for condition in compared.conditions.names:
        order = ranked(effects(compared, metric, condition), metric)
        for first, second in zip(order, order[1:], strict=False):
            gap = _pair_effect(compared, metric, condition, first.arm, second.arm)
            if gap is None:
                continue
            pair = label("brief.pair", first=compared.arms.label(first.arm), second=compared.arms.label(second.arm))
            rows.append(
                [
                    _first(rows, compared, condition),
                    pair,
                    gap.text(),
                    label("brief.apart" if gap.clear else "brief.not_apart"),
                ]
            )
    if not rows:
        return
    doc.heading(2, label("brief.pairs_heading"))
    doc.para(say("brief.pairs", measure=measures.label(metric)))
    header = [label("col.condition"), label("brief.col.pair"), label("brief.col.gap"), label("brief.col.apart")]
    _condition_table(doc, compared, header, rows)


def _resilience(doc: Document, compared, metrics: list[str]) -> None:
    """Per resilience measure, which arms do clearly better or worse than the reference
    under the shock, and the reason when robustness and the relative measures disagree."""
    rows, contradicted = [], set()
    for condition in compared.conditions.names:
        by_metric = {}
        for metric in metrics:
            found = effects(compared, metric, condition)
            if not found:
                continue
            better = measures.better(metric) or "higher"
            good = [e.arm for e in found if e.clear and (e.estimate > 0) == (better == "higher")]
            bad = [e.arm for e in found if e.clear and (e.estimate > 0) != (better == "higher")]
            by_metric[metric] = (good, bad)
            unclear = [e.arm for e in found if not e.clear]
            lists = [_arm_list(compared, arms, len(found)) for arms in (good, unclear, bad)]
            rows.append([_first(rows, compared, condition), measures.label(metric), *lists])
        robust = set(by_metric.get("resilience.robustness", ([], []))[0])
        worse = set().union(*(by_metric.get(m, ([], []))[1] for m in ("resilience.resistance", "resilience.loss")))
        contradicted |= robust & worse
    if not rows:
        return
    doc.heading(2, label("brief.resilience_heading"))
    doc.para(say("brief.resilience", reference=compared.arms.reference_label))
    header = [label("col.condition"), label("brief.col.measure"), label("brief.col.better"),
              label("brief.col.unclear"), label("brief.col.worse")]  # fmt: skip
    _condition_table(doc, compared, header, rows)
    if contradicted:
        ordered = [compared.arms.label(a) for a in compared.arms.names if a in contradicted]
        doc.para(say("brief.resilience.contradiction", arms=listing(ordered)))


def _depends_on(ctx: Context, doc: Document, compared, metric: str) -> None:
    """What the numbers rest on: calibration (illustrative parameters, intervals of replicate noise
    only; or parameters drawn from a calibration's posterior, whose observations are real or
    synthetic, and intervals that carry their uncertainty too), and what the decomposition
    experiment says the leading arm's effect rests on."""
    doc.heading(2, label("brief.depends_heading"))
    replicates = ctx.exp.get("replicates", label("n/a"))
    if posterior := posterior_of(ctx.exp):
        doc.para(say("brief.posterior", replicates=replicates, **posterior_facts(posterior)))
        doc.para(observations_sentence(posterior))
    else:
        doc.para(say("brief.illustrative", replicates=replicates))
    _robust(ctx, doc, compared, metric)
    name = ctx.exp.get("explained_by")
    if not name:
        return
    try:
        stored = components.decomposition_of(ctx.beside or ctx.results_dir.parent, str(name))
    except ScenarioError:  # damaged: the full report says why it cannot be read
        stored = None
    if stored is None:
        return
    _, manifest, runs = stored
    exp = manifest.get("experiment") or {}
    if metric not in (exp.get("metrics") or []) or metric not in runs.columns:
        return
    found = [e for e in components.explanations(runs, exp, metric) if e.changes and e.changes[0][0].clear]
    if not found:
        return
    lead = ranked(effects(compared, metric, compared.conditions.names[0]), metric)
    lead_label = compared.arms.label(lead[0].arm) if lead else None
    first = next((e for e in found if e.arm == lead_label), found[0])
    change, rest = first.changes[0]
    doc.para(
        say(
            "brief.rests_on",
            name=name,
            arm=first.arm,
            measure=measures.label(metric),
            component=change.arm,
            change=change.text,
            rest=rest.text,
        )
    )


def _robust(ctx: Context, doc: Document, compared, metric: str) -> None:
    """How often the best-ranked arm that the robustness experiment (``robustness_by``) also
    ran beats the reference across its sampled worlds (its Wilson interval)."""
    from sim.report.results import read_results
    from sim.sweep import robustness as rb

    name = ctx.exp.get("robustness_by")
    if not name:
        return
    folder = (ctx.beside or ctx.results_dir.parent) / str(name)
    try:
        manifest, runs = read_results(folder)
    except ScenarioError:  # missing or damaged: the brief says nothing of it
        return
    exp = manifest.get("experiment") or {}
    uncertainties = [u for u in exp.get("ranges") or {} if u in runs.columns]
    policies = [str(a["name"]) for a in exp.get("arms") or [] if str(a["name"]) in set(runs["arm"].astype(str))]
    reference = str(exp.get("reference") or "")
    measure = metric if metric in runs.columns else str(exp.get("objective") or "")
    if exp.get("design") != "robustness" or reference != compared.arms.reference or measure not in runs.columns:
        return
    lead = next(
        (e.arm for e in ranked(effects(compared, metric, compared.conditions.names[0]), metric) if e.arm in policies),
        None,
    )
    if lead is None or not uncertainties:
        return
    table = rb.world_table(runs, [measure], uncertainties)
    wins = rb.win_shares(
        table, measure, measures.better(measure) or "higher", [lead, reference], [reference], CONFIDENCE
    )
    if wins.empty:
        return
    row = wins.iloc[0]
    doc.para(
        say(
            "brief.robust",
            worlds=int(table[rb.WORLD].nunique()),
            uncertainties=len(uncertainties),
            name=name,
            arm=compared.arms.label(lead),
            reference=compared.arms.reference_label,
            measure=measures.label(measure),
            share=interval(row["share"], row["low"], row["high"], scale=100.0, unit="percent", digits=0),
        )
    )
