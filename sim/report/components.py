"""What an arm's effect rests on: its decomposition into components, read in words.

An arms experiment may have arms that change one thing of another arm (``compare_with``,
e.g. "Formal, no enforcement" changes "Formal agreements"). For each such base arm and
condition, :func:`explanations` finds the arm's effect against the reference and the
one-at-a-time change that moves it most (the largest paired difference whose interval
excludes 0), with the other clear changes; :func:`explanation_bullets` says each in one
sentence. The Components section of a decomposition's own report opens with these
sentences, and an experiment that names a decomposition (``explained_by``) repeats them,
read from that experiment's results folder, so that its headline is explained in the
report's own words.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from sim.report import measures
from sim.report.results import CONFIDENCE, read_results
from sim.report.wording import interval, label, listing, say, translated
from sim.scenario import ScenarioError
from sim.sweep import analysis


@dataclass(frozen=True)
class Change:
    """One paired difference, formatted: ``text`` "−4.5 % [−4.7, −4.3]"; ``clear``: its
    interval excludes 0; ``size``: |estimate| in the units of the comparison."""

    arm: str
    text: str
    clear: bool
    size: float


@dataclass(frozen=True)
class Explanation:
    """A base arm's effect against the reference in one condition and the changes of its
    components, largest clear change first."""

    arm: str
    condition: str | None
    effect: Change
    changes: list[tuple[Change, Change]]  # (against the base arm, against the reference), clear ones first


def component_arms(exp: dict, present: set[str]) -> list[dict]:
    """The experiment's arms that name the arm they change (both with runs)."""
    return [a for a in exp.get("arms") or [] if a.get("compare_with") in present and a.get("name") in present]


def _change(row: dict, metric: str) -> Change:
    estimate, low, high = analysis.display_difference(row)
    unit = {"relative": "percent", "points": "pp"}.get(row["scale"], "")
    text = interval(estimate, low, high, 1.0, unit, None)
    if not unit and measures.unit(metric):
        text = label("in_unit", value=text, unit=measures.unit(metric))
    clear = all(math.isfinite(v) for v in (low, high)) and not (low <= 0 <= high)
    return Change(str(row["label"]), text, clear, abs(estimate) if math.isfinite(estimate) else 0.0)


def explanations(runs: pd.DataFrame, exp: dict, metric: str) -> list[Explanation]:
    """Per condition and base arm (in the experiment's order), the arm's effect on ``metric``
    and what each of its component arms changes of it."""
    names = set(map(str, runs["arm"].unique())) if "arm" in runs.columns else set()
    parts = component_arms(exp, names)
    reference = str(exp.get("reference") or "")
    if not parts or reference not in names or metric not in runs.columns:
        return []
    labels = {str(a["name"]): translated(str(a.get("label") or a["name"])) for a in exp.get("arms") or []}
    conditions = [str(c["name"]) for c in exp.get("conditions") or []] or [None]
    group_cols = ("condition",) if conditions != [None] else ()

    def compare(against: str) -> dict[tuple[str, str | None], dict]:
        """The compared rows against ``against``, by (arm, condition)."""
        table = analysis.paired_comparison(
            runs, metric, against, group_cols=group_cols, confidence=CONFIDENCE, arm_labels=labels
        )
        return {
            (str(r["arm"]), None if condition_free else str(r["condition"])): r
            for r in table.to_dict("records")
            if r.get("scale")
        }

    condition_free = conditions == [None]

    vs_reference = compare(reference)
    found = []
    for base in dict.fromkeys(str(a["compare_with"]) for a in parts):
        vs_base = compare(base)
        changed = [str(a["name"]) for a in parts if a["compare_with"] == base]
        for condition in conditions:
            effect = vs_reference.get((base, condition))
            if effect is None:
                continue
            pairs = [
                (_change(a, metric), _change(r, metric))
                for arm in changed
                if (a := vs_base.get((arm, condition))) and (r := vs_reference.get((arm, condition)))
            ]
            pairs.sort(key=lambda p: (not p[0].clear, -p[0].size))
            found.append(Explanation(labels.get(base, base), condition, _change(effect, metric), pairs))
    return found


def explanation_bullets(found: list[Explanation], reference: str, metric: str) -> list[str]:
    """One sentence per explanation: the effect, the change that moves it most, the others that move it clearly."""
    out = []
    measure = measures.label(metric)
    for e in found:
        names = {"arm": e.arm, "measure": measure, "reference": reference, "effect": e.effect.text}
        clear = [p for p in e.changes if p[0].clear]
        if not clear:
            out.append(say("explained.none", **names))
            continue
        (lead, rest), others = clear[0], clear[1:]
        names |= {"component": lead.arm, "change": lead.text, "rest": rest.text}
        if not others:
            out.append(say("explained", **names))
        else:
            items = [label("component_change", component=c.arm, change=c.text) for c, _ in others]
            out.append(say("explained.others", others=listing(items, "list.long"), **names))
    return out


def by_condition(
    found: list[Explanation], condition_labels: dict[str, str]
) -> list[tuple[str | None, list[Explanation]]]:
    """The explanations grouped by condition, in their order, each with its condition's label."""
    groups: dict[str | None, list[Explanation]] = {}
    for e in found:
        groups.setdefault(e.condition, []).append(e)
    return [(None if c is None else condition_labels.get(c, c), items) for c, items in groups.items()]


def decomposition_of(beside: Path, name: str) -> tuple[Path, dict, pd.DataFrame] | None:
    """The results of the experiment ``name`` in ``beside`` (its folder, manifest and runs);
    None when there are none. Results of another experiment, or a damaged folder, raise
    ``ScenarioError`` naming the file."""
    folder = beside / name
    if not (folder / "manifest.json").exists():
        return None
    manifest, runs = read_results(folder)
    if (manifest.get("experiment") or {}).get("name") != name:
        raise ScenarioError(
            f"{folder / 'manifest.json'}: holds the results of experiment "
            f"{(manifest.get('experiment') or {}).get('name')!r}, not {name!r}"
        )
    return folder, manifest, runs


def facts(manifest: dict, runs: pd.DataFrame) -> dict[str, str]:
    """What a decomposition's numbers rest on, for the sentence that introduces them."""
    exp = manifest.get("experiment") or {}

    def values(column: str) -> str:
        found = sorted({int(v) for v in runs[column].dropna()}) if column in runs.columns else []
        return listing([str(v) for v in found]) if found else label("n/a")

    return {
        "variant": label("variant.quick" if manifest.get("quick") else "variant.full"),
        "replicates": str(exp.get("replicates", label("n/a"))),
        "steps": values("steps"),
        "villages": values("n_villages"),
        "commit": str(manifest.get("git_commit") or label("n/a"))[:12],
    }
