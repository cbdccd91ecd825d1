"""The report of one experiment: read its results folder, write the header (what was run),
hand the body to its design's section, write ``report.md`` and ``report.html``."""

from __future__ import annotations

from pathlib import Path

from sim.io import write_text
from sim.report.arms import arms_section
from sim.report.arms import differences as arm_differences
from sim.report.document import Document
from sim.report.exports import write_exports
from sim.report.grid import grid_section, lhs_section
from sim.report.measures import DEFAULT_METRICS
from sim.report.results import Context, observations_sentence, posterior_facts, posterior_of, read_results
from sim.report.robustness import robustness_section
from sim.report.sensitivity import morris_section, sobol_section
from sim.report.wording import Difference, label, listing, quoted, say, speaking, translated

SECTIONS = {
    "arms": arms_section,
    "grid": grid_section,
    "lhs": lhs_section,
    "sobol": sobol_section,
    "morris": morris_section,
    "robustness": robustness_section,
}


def write_report(results_dir: str | Path, beside: Path | None = None, lang: str = "en") -> list[Path]:
    """Write ``report.md``, ``report.html`` (an arms report opens with the one-page brief, also
    written alone as ``brief.md`` and ``brief.html``), ``figures/*.png`` and the exports
    (``estimates.csv``, ``estimates.parquet``, ``tables.xlsx``: ``sim/report/exports.py``) into
    ``results_dir``; returns the files written (figures first, the reports last). ``beside``: the
    folder that holds the results of the experiments this one names in ``explained_by`` and
    ``robustness_by`` (default: ``results_dir``'s parent; the demo builds its results elsewhere
    before moving them into place). ``lang``: the language of the texts and numbers ("en",
    "id": ``sim.i18n``); a report in another language than English goes into its own folder,
    ``results_dir/<lang>/`` (brief, report, figures), beside the English one, and the exports,
    which are data for other programs, are written with the English report only."""
    from sim.i18n import language

    shown = language(lang)  # an unknown language or a missing extra: one line, before any work
    results_dir = Path(results_dir)
    with speaking(shown):
        ctx = read_context(results_dir)
        if shown.code != "en":
            ctx.output_dir = results_dir / shown.code
        if beside is not None:
            ctx.beside = Path(beside)
        return _write(ctx)


def write_reports(results_dir: str | Path, beside: Path | None = None, langs=("en",)) -> list[Path]:
    """:func:`write_report` in each language of ``langs`` (English at the top of the folder,
    each other language in its own subfolder); the files written, in that order."""
    written: list[Path] = []
    for lang in langs:
        written += write_report(results_dir, beside=beside, lang=lang)
    return written


def _write(ctx: Context) -> list[Path]:
    runs, doc, design = ctx.runs, ctx.doc, _design(ctx.exp)
    out = ctx.output_dir or ctx.results_dir
    _header(ctx, design, [m for m in _declared(ctx.exp) if m not in runs.columns])
    if runs.empty:
        doc.para(say("no_runs"))
    elif design not in SECTIONS:
        doc.para(say("unknown_design", design=quoted(design)))
    else:
        SECTIONS[design](ctx)
    ctx.save_figures()
    exported = write_exports(ctx, design) if out == ctx.results_dir else []  # sim/report/exports.py
    briefs = []
    if ctx.brief is not None:  # the brief alone, and the report opening with it
        briefs = [out / "brief.md", out / "brief.html"]
        write_text(briefs[0], ctx.brief.markdown())
        write_text(briefs[1], ctx.brief.html())
        doc.blocks[:0] = ctx.brief.blocks
    md_path, html_path = out / "report.md", out / "report.html"
    write_text(md_path, doc.markdown())
    write_text(html_path, doc.html())
    for stale in ctx.figures.glob("*.png"):  # figures of an earlier report no longer used
        if stale not in ctx.written:
            stale.unlink(missing_ok=True)
    return [*ctx.written, *exported, *briefs, md_path, html_path]


def read_context(results_dir: Path) -> Context:
    """What a report of ``results_dir`` reads (the stored results, the metrics to show), with an empty document."""
    manifest, runs = read_results(results_dir)
    exp = manifest.get("experiment") or {}
    metrics = [m for m in _declared(exp) if m in runs.columns]
    name = exp.get("name") or results_dir.name
    return Context(results_dir, manifest, exp, runs, metrics, Document(title=label("title", name=name)))


def differences(results_dir: str | Path) -> list[Difference]:
    """The paired differences the report of ``results_dir`` reads out, in its order (none
    unless it is an arms experiment with runs); ``wording.reading`` says each."""
    ctx = read_context(Path(results_dir))
    return arm_differences(ctx) if not ctx.runs.empty and _design(ctx.exp) == "arms" else []


def _design(exp: dict) -> str:
    return str(exp.get("design", "arms"))


def _declared(exp: dict) -> list[str]:
    """The metrics the experiment names (the default ones when it names none)."""
    return list(exp.get("metrics") or DEFAULT_METRICS)


def _header(ctx: Context, design: str, missing: list[str]) -> None:
    exp, doc = ctx.exp, ctx.doc
    doc.heading(1, label("heading", name=exp.get("name") or ctx.results_dir.name))
    if exp.get("description"):
        doc.para(translated(str(exp["description"])))
    doc.bullets(_facts(ctx, design))
    doc.para(say("intervals"))
    if posterior := posterior_of(exp):  # parameter uncertainty: the replicates drew from a calibration's posterior
        doc.para(say("intervals.posterior", **posterior_facts(posterior)))
        doc.para(observations_sentence(posterior))
    if design == "arms":
        doc.para(say("intervals.shares"))
        doc.para(say("pairing"))
    if missing:
        doc.para(say("metrics_missing", metrics=listing(missing)))


def _facts(ctx: Context, design: str) -> list[str]:
    """The header's list: design, base scenario, runs, replicates, seed, steps, samples, commit, times."""
    exp, manifest, missing = ctx.exp, ctx.manifest, label("n/a")
    scenario = exp.get("scenario", manifest.get("scenario"))
    if isinstance(scenario, dict):
        scenario = scenario.get("name") or scenario.get("source")
    facts = [
        label("fact.design", value=design),
        label("fact.scenario", value=scenario if scenario else missing),
        label("fact.runs", value=len(ctx.runs)),
        label("fact.variant_quick" if manifest.get("quick") else "fact.variant_full"),
        label("fact.replicates", value=exp.get("replicates", missing)),
        label("fact.seed", value=exp.get("seed", missing)),
        label("fact.steps", value=exp["steps"]) if exp.get("steps") is not None else label("fact.steps_of_scenario"),
    ]
    if design in ("lhs", "sobol", "morris"):
        facts.append(label("fact.samples", value=exp.get("samples", missing)))
    if design == "robustness":
        facts.append(label("fact.worlds", value=exp.get("samples", missing)))
    for key in ("git_commit", "started", "finished"):
        if manifest.get(key):
            facts.append(label(f"fact.{key}", value=manifest[key]))
    return facts
