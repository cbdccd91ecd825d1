"""The report of an experiment sweep: ``report.md``, ``report.html`` and ``figures/*.png``.

``write_report(results_dir)`` reads what the sweep stored (``manifest.json``,
``runs.parquet``, ``timeseries/*.parquet``; see ``docs/experiments.md``) and explains it
by design:

* arms: per condition and metric, each arm's mean with its 95 % interval and the paired
  difference against the reference arm, with plain-language readings; time-series bands,
  resilience to the scheduled shock, and a forest plot of the first metric;
* grid: a heatmap (phase diagram) over the first two factors per metric, and a table of means;
* lhs: scatter plots of each metric against each factor, and Spearman rank correlations;
* sobol / morris: sensitivity indices with their intervals (SALib), as a table and a bar chart.

Figures are written first (each atomically), then the two reports with ``sim.io.write_text``.
The HTML report is self-contained: inline CSS and images embedded as base64 data URIs,
so it opens offline and can be sent as a single file.
"""

from __future__ import annotations

import base64
import html
import json
import math
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from sim.io import write_atomically, write_text  # noqa: E402
from sim.scenario import ScenarioError
from sim.sweep import analysis  # noqa: E402
from sim.sweep.analysis import as_float, decimals, fmt, metric_info  # noqa: E402

DPI = 110
CONFIDENCE = 0.95
DEFAULT_METRICS = ("welfare.mean_consumption", "welfare.poverty_rate", "welfare.gini")

# per-step columns drawn in the arms' time-series figure: column -> (title, y label, share?)
SERIES = {
    "mean_consumption": ("mean consumption", "poverty lines per household", False),
    "poverty_rate": ("poverty rate", "share of households", True),
    "food_insecurity_rate": ("food-insecurity rate", "share of households", True),
    "participation_agriculture": ("participation in agriculture", "share of villages", True),
    "participation_services": ("participation in services", "share of villages", True),
    "participation_infrastructure": ("participation in infrastructure", "share of villages", True),
    "contribution_rate": ("contribution rate", "share of member-domain pairs", True),
    "mean_trust": ("mean trust", "trust (0-1)", True),
}

INTERVALS = (
    "Every interval is a 95 % confidence interval (Student t, across replicates): if the whole "
    "experiment were repeated with fresh replicates, intervals built this way would contain the "
    "true mean in 95 % of the repetitions."
)
PAIRING = (
    "Comparisons between arms are paired by replicate: replicate r of every arm uses the same seed, "
    "so it faces the same villages and the same shocks; the difference is taken within each "
    "replicate and its interval is the t interval of those per-replicate differences. Relative "
    "differences divide that difference and its interval by the reference arm's mean, treating the "
    "reference mean as exact (an approximation that ignores its own uncertainty). Shares and rates "
    "are compared in percentage points (pp) instead. Replicates with a missing value in either arm "
    "(for example runs that never recovered have no recovery time) are left out of the pair count."
)


# ----------------------------------------------------------------------------- document model


@dataclass
class _Doc:
    """A small document rendered both to Markdown and to self-contained HTML."""

    title: str
    folder: Path
    blocks: list[tuple[str, Any]] = field(default_factory=list)

    def heading(self, level: int, text: str) -> None:
        self.blocks.append(("h", (level, text)))

    def para(self, text: str) -> None:
        self.blocks.append(("p", text))

    def bullets(self, items: Sequence[str]) -> None:
        if items:
            self.blocks.append(("ul", list(items)))

    def table(self, header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
        self.blocks.append(("table", (list(header), [list(r) for r in rows])))

    def figure(self, path: Path, caption: str) -> None:
        self.blocks.append(("fig", (path, caption)))

    def markdown(self) -> str:
        esc = lambda text: str(text).replace("*", "\\*")  # noqa: E731  (μ* is not emphasis)
        cell = lambda text: esc(text).replace("|", "\\|")  # noqa: E731
        out: list[str] = []
        for kind, value in self.blocks:
            if kind == "h":
                out.append(f"{'#' * value[0]} {esc(value[1])}")
            elif kind == "p":
                out.append(esc(value))
            elif kind == "ul":
                out.append("\n".join(f"- {esc(item)}" for item in value))
            elif kind == "table":
                header, rows = value
                lines = ["| " + " | ".join(cell(h) for h in header) + " |", "|" + "---|" * len(header)]
                lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
                out.append("\n".join(lines))
            elif kind == "fig":
                path, caption = value
                out.append(f"![{esc(caption)}](figures/{path.name})\n\n*{esc(caption)}*")
        return "\n\n".join(out) + "\n"

    def html(self) -> str:
        esc = html.escape
        body: list[str] = []
        for kind, value in self.blocks:
            if kind == "h":
                body.append(f"<h{value[0]}>{esc(value[1])}</h{value[0]}>")
            elif kind == "p":
                body.append(f"<p>{esc(value)}</p>")
            elif kind == "ul":
                body.append("<ul>\n" + "\n".join(f"<li>{esc(item)}</li>" for item in value) + "\n</ul>")
            elif kind == "table":
                header, rows = value
                head = "".join(f"<th>{esc(str(h))}</th>" for h in header)
                lines = ["<tr>" + "".join(f"<td>{esc(str(c))}</td>" for c in row) + "</tr>" for row in rows]
                body.append(
                    f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n" + "\n".join(lines) + "\n</tbody></table>"
                )
            elif kind == "fig":
                path, caption = value
                data = base64.b64encode(Path(path).read_bytes()).decode("ascii")
                body.append(
                    f'<figure><img src="data:image/png;base64,{data}" alt="{esc(caption)}">'
                    f"<figcaption>{esc(caption)}</figcaption></figure>"
                )
        return (
            '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{esc(self.title)}</title>\n<style>\n{_CSS}</style>\n</head>\n<body>\n"
            + "\n".join(body)
            + "\n</body>\n</html>\n"
        )


_CSS = """body { font-family: system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: #222;
  max-width: 1150px; margin: 2em auto; padding: 0 1.2em; line-height: 1.45; }
h1 { border-bottom: 2px solid #444; padding-bottom: .2em; }
h2 { border-bottom: 1px solid #bbb; padding-bottom: .15em; margin-top: 2em; }
h3 { margin-top: 1.6em; }
table { border-collapse: collapse; margin: .8em 0; font-size: .92em; }
th, td { border: 1px solid #ccc; padding: .3em .65em; text-align: left; vertical-align: top; }
td { font-variant-numeric: tabular-nums; }
thead th { background: #eef0f3; }
tbody tr:nth-child(even) { background: #f8f9fa; }
figure { margin: 1.2em 0; }
figure img { max-width: 100%; height: auto; border: 1px solid #e3e3e3; }
figcaption { font-size: .88em; color: #555; margin-top: .3em; }
li { margin: .25em 0; }
"""


# ----------------------------------------------------------------------------- helpers


def _slug(text: Any) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", str(text)).strip("_") or "all"


def _save(fig, path: Path, written: list[Path]) -> Path:
    """Save a figure atomically (temporary name in the same folder, then rename)."""
    try:
        write_atomically(path, lambda tmp: fig.savefig(tmp, format="png", dpi=DPI))
    finally:
        plt.close(fig)
    written.append(path)
    return path


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def _metric_title(metric: str) -> str:
    """Heading of a metric: "Mean consumption (poverty lines per household)"."""
    label, unit, _ = metric_info(metric)
    return _upper_first(f"{label} ({unit})" if unit and unit not in label else label)


def _ci_decimals(triples: Sequence[tuple[float, float, float]], scale: float = 1.0, minimum: int = 0) -> int:
    """One number of decimals for a column of (estimate, low, high): the finest any row needs."""
    found = [
        decimals(scale * m, scale * lo, scale * hi, minimum)
        for m, lo, hi in triples
        if m is not None and math.isfinite(m)
    ]
    return max(found) if found else minimum


def _ci_text(
    mean: float, low: float, high: float, scale: float = 1.0, suffix: str = "", digits: int | None = None
) -> str:
    if mean is None or not math.isfinite(mean):
        return "n/a"
    mean, low, high = scale * mean, scale * low, scale * high
    d = decimals(mean, low, high, 1 if suffix else 0) if digits is None else digits
    if not (math.isfinite(low) and math.isfinite(high)):
        return f"{fmt(mean, d)}{suffix}"
    return f"{fmt(mean, d)}{suffix} [{fmt(low, d)}, {fmt(high, d)}]"


def _p_text(p: float) -> str:
    if p is None or not math.isfinite(p):
        return "n/a"
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


def _colours(names: Sequence[str], reference: str | None = None) -> dict[str, Any]:
    cmap = plt.get_cmap("tab10")
    out, i = {}, 0
    for name in names:
        if name == reference:
            out[name] = "0.15"
        else:
            out[name] = cmap(i % 10)
            i += 1
    return out


def _labels(items: Any) -> dict[str, str]:
    return {str(item["name"]): str(item.get("label") or item["name"]) for item in (items or [])}


def _ordered(declared: Sequence[str], present: Sequence[Any]) -> list[str]:
    present = [str(v) for v in pd.unique(pd.Series(present)) if v is not None and not pd.isna(v)]
    return [n for n in declared if n in present] + [n for n in present if n not in declared]


def _has_values(frame: pd.DataFrame, column: str) -> bool:
    return column in frame.columns and bool(np.isfinite(as_float(frame[column])).any())


def _load_timeseries(results_dir: Path, runs: pd.DataFrame) -> pd.DataFrame:
    """All runs' per-step tables: ``timeseries.parquet`` (written when a sweep ends),
    else the per-run parts in ``timeseries/``."""
    combined = results_dir / "timeseries.parquet"
    if combined.exists():
        ts = pd.read_parquet(combined)
    else:
        files = sorted((results_dir / "timeseries").glob("*.parquet"))
        if not files:
            print(
                f"kerjasama: note: {results_dir} has no time series; the report leaves out its time-series figures",
                file=sys.stderr,
            )
            return pd.DataFrame()
        ts = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
    keys = [c for c in ("run_id", "arm", "condition", "replicate", "point") if c in runs.columns]
    ts = ts.drop(columns=[c for c in keys if c != "run_id" and c in ts.columns])
    return ts.merge(runs[keys], on="run_id", how="inner")


@dataclass
class _Context:
    results_dir: Path
    manifest: dict
    exp: dict
    runs: pd.DataFrame
    metrics: list[str]
    doc: _Doc
    written: list[Path] = field(default_factory=list)
    reference: str | None = None

    @property
    def figures(self) -> Path:
        return self.results_dir / "figures"

    @property
    def seed(self) -> int | None:
        seed = self.exp.get("seed")
        return int(seed) % (2**32) if seed is not None else None

    def save(self, fig, name: str, caption: str) -> None:
        path = _save(fig, self.figures / f"{name}.png", self.written)
        self.doc.figure(path, caption)


# ----------------------------------------------------------------------------- entry point


def _index_outputs(doc: _Doc, points: pd.DataFrame, metric: str) -> np.ndarray | None:
    """A metric's values per design point, or None (and a note) when sensitivity
    indices cannot be computed from them: missing values, or no variation at all."""
    y = as_float(points[metric])
    if np.isnan(y).any():
        doc.para(f"{int(np.isnan(y).sum())} design points have no value for this metric; indices not computed.")
        return None
    if np.ptp(y) == 0:
        doc.para("The metric takes the same value at every design point: no parameter influences it here.")
        return None
    return y


def write_report(results_dir: str | Path) -> list[Path]:
    """Write ``report.md``, ``report.html`` and ``figures/*.png`` into ``results_dir``;
    returns the files written (figures first)."""
    results_dir = Path(results_dir)
    try:
        manifest = json.loads((results_dir / "manifest.json").read_text(encoding="utf-8"))
        if not isinstance(manifest, dict):
            raise ValueError("not a JSON object")
    except (OSError, ValueError) as exc:
        raise ScenarioError(f"{results_dir / 'manifest.json'}: cannot read: {exc}") from None
    exp = manifest.get("experiment") or {}
    try:
        runs = pd.read_parquet(results_dir / "runs.parquet")
    except Exception as exc:  # pyarrow raises several kinds for a damaged file
        raise ScenarioError(f"{results_dir / 'runs.parquet'}: cannot read: {exc}") from None
    if "run_id" in runs.columns:
        runs = runs.sort_values("run_id", kind="stable").reset_index(drop=True)
    design = str(exp.get("design", "arms"))
    declared = list(exp.get("metrics") or DEFAULT_METRICS)
    metrics = [m for m in declared if m in runs.columns]
    name = exp.get("name") or results_dir.name
    doc = _Doc(title=f"Experiment {name}", folder=results_dir)
    ctx = _Context(results_dir, manifest, exp, runs, metrics, doc)
    _header(ctx, design, [m for m in declared if m not in runs.columns])
    if runs.empty:
        doc.para("No runs are stored yet, so there is nothing to report.")
    else:
        builders = {"arms": _arms, "grid": _grid, "lhs": _lhs, "sobol": _sobol, "morris": _morris}
        if design not in builders:
            doc.para(f"Unknown design {design!r}: only the header is reported.")
        else:
            builders[design](ctx)
    md_path, html_path = results_dir / "report.md", results_dir / "report.html"
    write_text(md_path, doc.markdown())
    write_text(html_path, doc.html())
    for stale in (results_dir / "figures").glob("*.png"):  # figures of an earlier report no longer used
        if stale not in ctx.written:
            stale.unlink(missing_ok=True)
    return [*ctx.written, md_path, html_path]


def _header(ctx: _Context, design: str, missing: list[str]) -> None:
    exp, manifest, runs, doc = ctx.exp, ctx.manifest, ctx.runs, ctx.doc
    doc.heading(1, f"Experiment: {exp.get('name') or ctx.results_dir.name}")
    if exp.get("description"):
        doc.para(str(exp["description"]))
    scenario = exp.get("scenario", manifest.get("scenario"))
    if isinstance(scenario, dict):
        scenario = scenario.get("name") or scenario.get("source")
    facts = [
        f"design: {design}",
        f"base scenario: {scenario if scenario else 'n/a'}",
        f"runs stored: {len(runs)}",
        f"replicates per design point: {exp.get('replicates', 'n/a')}",
        f"master seed: {exp.get('seed', 'n/a')}",
        f"steps: {exp['steps'] if exp.get('steps') is not None else 'as in the base scenario'}",
    ]
    if design in ("lhs", "sobol", "morris"):
        facts.append(f"samples: {exp.get('samples', 'n/a')}")
    for key, label in (("git_commit", "git commit"), ("started", "started"), ("finished", "finished")):
        if manifest.get(key):
            facts.append(f"{label}: {manifest[key]}")
    doc.bullets(facts)
    doc.para(INTERVALS)
    if design == "arms":
        doc.para(PAIRING)
    if missing:
        doc.para("Metrics named by the experiment but not found in runs.parquet: " + ", ".join(missing) + ".")


# ----------------------------------------------------------------------------- arms


def _arms(ctx: _Context) -> None:
    exp, runs, doc = ctx.exp, ctx.runs, ctx.doc
    arm_labels = _labels(exp.get("arms"))
    cond_labels = _labels(exp.get("conditions"))
    arms = _ordered(list(arm_labels), runs["arm"]) if "arm" in runs.columns else []
    if not arms:
        doc.para("runs.parquet has no arm column: nothing to compare.")
        return
    reference = str(exp.get("reference") or arms[0])
    if reference not in arms:
        doc.para(f"The reference arm {reference!r} has no runs; differences are not computed.")
    ref_label = arm_labels.get(reference, reference)
    ctx.reference = reference
    conditions: list[str | None] = [None]
    if "condition" in runs.columns:
        present = runs["condition"].map(lambda v: None if v is None or (isinstance(v, str) and not v) else v)
        found = _ordered(list(cond_labels), present)
        if found:
            conditions = found
    group_cols = ("condition",) if conditions != [None] else ()
    colours = _colours(arms, reference)
    ts = _load_timeseries(ctx.results_dir, runs)

    tables = {
        m: analysis.paired_comparison(
            runs, m, reference, group_cols=group_cols, confidence=CONFIDENCE, arm_labels=arm_labels
        )
        for m in ctx.metrics
    }
    if ctx.metrics:
        _forest(ctx, tables[ctx.metrics[0]], ctx.metrics[0], conditions, cond_labels, ref_label, colours)

    for condition in conditions:
        sub_runs = runs if condition is None else runs[runs["condition"].astype(str) == condition]
        sub_ts = ts if (condition is None or ts.empty) else ts[ts["condition"].astype(str) == condition]
        suffix = "" if condition is None else f"_{_slug(condition)}"
        if condition is not None:
            doc.heading(2, f"Condition: {cond_labels.get(condition, condition)}")
        else:
            doc.heading(2, "Results")
        not_measured = []
        for metric in ctx.metrics:
            table = tables[metric]
            if condition is not None:
                table = table[table["condition"].astype(str) == condition]
            if table.empty or int(table["n"].fillna(0).sum()) == 0:
                not_measured.append(_metric_title(metric))
                continue
            _arm_table(doc, table, metric, ref_label)
        if not_measured:
            doc.para(
                "Not measured in this condition (no run has a value, e.g. resilience to a scheduled shock "
                "when none is scheduled): " + "; ".join(not_measured) + "."
            )
        if not sub_ts.empty:
            _series_figure(ctx, sub_ts, arms, arm_labels, colours, condition, cond_labels, suffix)
            _resilience_figure(ctx, sub_runs, sub_ts, arms, arm_labels, colours, condition, cond_labels, suffix)


def _arm_table(doc: _Doc, table: pd.DataFrame, metric: str, ref_label: str) -> None:
    doc.heading(3, _metric_title(metric))
    rows, readings, short = [], [], []
    records = table.to_dict("records")
    compared = [r for r in records if r["scale"]]
    points = any(r["scale"] == "points" for r in compared)
    d_mean = _ci_decimals([(r["mean"], r["ci_low"], r["ci_high"]) for r in records])
    d_diff = _ci_decimals(
        [(r["diff"], r["diff_low"], r["diff_high"]) for r in compared], 100.0 if points else 1.0, 1 if points else 0
    )
    d_rel = _ci_decimals([(r["rel"], r["rel_low"], r["rel_high"]) for r in compared], 1.0, 1)
    for row in records:
        scale = row["scale"]
        if not scale:  # the reference arm (or no reference runs)
            diff_text, rel_text = ("reference", "") if row["label"] == ref_label else ("n/a", "n/a")
        else:
            factor, suffix = (100.0, " pp") if scale == "points" else (1.0, "")
            diff_text = _ci_text(row["diff"], row["diff_low"], row["diff_high"], factor, suffix, d_diff)
            rel_text = _ci_text(row["rel"], row["rel_low"], row["rel_high"], 1.0, " %", d_rel)
            if scale == "absolute":  # % of this metric's mean means nothing (e.g. log utility)
                rel_text = "—"
            if row["reading"]:
                readings.append(row["reading"])
            if row["n_pairs"] < row["n"]:
                short.append(f"{row['label']} ({int(row['n_pairs'])} of {row['n']})")
        rows.append(
            [
                row["label"],
                str(row["n"]),
                _ci_text(row["mean"], row["ci_low"], row["ci_high"], digits=d_mean),
                diff_text,
                rel_text,
                _p_text(row["p_value"]) if scale else "",
            ]
        )
    header = [
        "arm",
        "n",
        "mean [95 % CI]",
        f"difference vs {ref_label} [95 % CI]",
        "relative [95 % CI]",
        "p (paired t)",
    ]
    doc.table(header, rows)
    doc.bullets(readings)
    if short:
        doc.para("Fewer pairs than runs (missing values on one side): " + ", ".join(short) + ".")


def _band(ax, frame: pd.DataFrame, colour: Any, label: str, reference: bool = False) -> None:
    z = 3 if reference else 2
    ax.plot(frame["step"], frame["mean"], color=colour, lw=1.4, label=label, ls="--" if reference else "-", zorder=z)
    ax.fill_between(frame["step"], frame["low"], frame["high"], color=colour, alpha=0.18, lw=0, zorder=1)


def _series_figure(ctx, ts, arms, arm_labels, colours, condition, cond_labels, suffix) -> None:
    columns = [c for c in SERIES if _has_values(ts, c)]
    if not columns:
        return
    ncols = min(3, len(columns))
    nrows = math.ceil(len(columns) / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.4 * ncols, 3.3 * nrows), constrained_layout=True, squeeze=False)
    for ax, column in zip(axes.ravel(), columns, strict=False):
        bands = analysis.series_bands(ts, column, by=("arm",), confidence=CONFIDENCE)
        for arm in arms:
            _band(
                ax, bands[bands["arm"].astype(str) == arm], colours[arm], arm_labels.get(arm, arm), arm == ctx.reference
            )
        title, ylabel, share = SERIES[column]
        ax.set_title(title, fontsize=10)
        ax.set_ylabel(ylabel)
        ax.set_xlabel("step (year)")
        if share:
            ax.set_ylim(0, 1)
    for ax in axes.ravel()[len(columns) :]:
        ax.axis("off")
    axes.ravel()[0].legend(fontsize=8)
    where = f" - {cond_labels.get(condition, condition)}" if condition is not None else ""
    fig.suptitle(f"Over time by arm{where}: mean over replicates with 95 % CI band")
    caption = (
        f"Per-step mean over replicates by arm (dashed: the reference arm), shaded: 95 % confidence interval{where}. "
        "Bands show the spread between replicates; overlapping bands do not rule out a clear paired difference "
        "(see the tables, which compare arms replicate by replicate)."
    )
    ctx.save(fig, f"timeseries{suffix}", caption)


def _bar_ci(ax, runs: pd.DataFrame, metric: str, arms, arm_labels, colours) -> None:
    means, errs = [], []
    for arm in arms:
        _, mean, low, high = analysis.mean_ci(runs.loc[runs["arm"].astype(str) == arm, metric], CONFIDENCE)
        means.append(mean)
        errs.append([mean - low, high - mean] if math.isfinite(low) else [0.0, 0.0])
    positions = np.arange(len(arms))
    ax.bar(positions, means, color=[colours[a] for a in arms], alpha=0.85)
    ax.errorbar(positions, means, yerr=np.array(errs).T, fmt="none", ecolor="k", capsize=4, lw=1)
    ax.set_xticks(positions, [arm_labels.get(a, a) for a in arms], rotation=30, ha="right", fontsize=8)
    label, unit, better = metric_info(metric)
    ax.set_title(f"{label}" + (f" ({better} is better)" if better else ""), fontsize=10)
    ax.set_ylabel(unit or metric)


def _resilience_figure(ctx, runs, ts, arms, arm_labels, colours, condition, cond_labels, suffix) -> None:
    if not (
        _has_values(ts, "affected_mean_consumption") and _has_values(ts, "counterfactual_affected_mean_consumption")
    ):
        return
    frame = ts[["arm", "step"]].copy()
    observed = as_float(ts["affected_mean_consumption"])
    counterfactual = as_float(ts["counterfactual_affected_mean_consumption"])
    with np.errstate(divide="ignore", invalid="ignore"):
        frame["drop"] = np.where(counterfactual > 0, 100.0 * (counterfactual - observed) / counterfactual, np.nan)
    bars = [m for m in ("resilience.resistance", "resilience.loss") if _has_values(runs, m)]
    fig, axes = plt.subplots(
        1, 1 + len(bars), figsize=(6.5 + 3.6 * len(bars), 4.2), constrained_layout=True, squeeze=False
    )
    ax = axes[0, 0]
    bands = analysis.series_bands(frame, "drop", by=("arm",), confidence=CONFIDENCE)
    for arm in arms:
        _band(ax, bands[bands["arm"].astype(str) == arm], colours[arm], arm_labels.get(arm, arm), arm == ctx.reference)
    ax.axhline(0.0, color="0.4", lw=0.8, ls=":")
    ax.set_xlabel("step (year)")
    ax.set_ylabel("% below the same run without the shock")
    ax.set_title("consumption drop of the villages hit", fontsize=10)
    ax.legend(fontsize=8)
    for ax, metric in zip(axes[0, 1:], bars, strict=True):
        _bar_ci(ax, runs, metric, arms, arm_labels, colours)
    where = f" - {cond_labels.get(condition, condition)}" if condition is not None else ""
    fig.suptitle(f"Resilience to the scheduled shock{where}")
    caption = (
        "Left: mean shortfall of the villages hit, in % of the same run without the shock, with 95 % CI band. "
        "Bars: mean over replicates with 95 % CI whiskers" + (f"{where}." if where else ".") + " Whiskers show the "
        "spread between replicates; the paired differences in the tables are the sharper comparison."
    )
    ctx.save(fig, f"resilience{suffix}", caption)


def _forest(ctx, table, metric, conditions, cond_labels, ref_label, colours) -> None:
    rows = table[table["scale"] != ""] if "scale" in table.columns else table.iloc[0:0]
    if rows.empty:
        return
    scales = set(rows["scale"])
    scale = "relative" if scales == {"relative"} else ("points" if scales == {"points"} else "absolute")
    estimates = []
    for row in rows.to_dict("records"):
        if scale == "absolute":
            estimates.append((row["diff"], row["diff_low"], row["diff_high"]))
        else:
            estimates.append(analysis.display_difference(row))
    names = []
    for row in rows.to_dict("records"):
        name = row["label"]
        if conditions != [None]:
            name += f" - {cond_labels.get(str(row['condition']), str(row['condition']))}"
        names.append(name)
    est = np.array(estimates, dtype=float)
    y = np.arange(len(names))[::-1]
    fig, ax = plt.subplots(figsize=(10, 1.6 + 0.42 * len(names)), constrained_layout=True)
    err = np.vstack([est[:, 0] - est[:, 1], est[:, 2] - est[:, 0]])
    err = np.where(np.isfinite(err), err, 0.0)
    row_colours = [colours.get(str(a), "k") for a in rows["arm"]]
    for yi, e, lo, hi, c in zip(y, est[:, 0], err[0], err[1], row_colours, strict=True):
        ax.errorbar([e], [yi], xerr=[[lo], [hi]], fmt="o", color=c, ecolor=c, capsize=4, lw=1.4)
    ax.axvline(0.0, color="0.3", lw=0.9, ls="--")
    ax.set_yticks(y, names, fontsize=9)
    label, unit, _ = metric_info(metric)
    unit_text = {"relative": "% of the reference mean", "points": "percentage points"}.get(scale, unit or "own units")
    ax.set_xlabel(f"paired difference vs {ref_label}\n({unit_text})")
    ax.set_title(f"{label}: paired difference with 95 % CI", fontsize=10)
    caption = f"Paired difference in {label} against {ref_label} ({unit_text}); whiskers: 95 % CI; dashed line: no difference."
    ctx.doc.heading(2, f"Overview: {label}")
    ctx.save(fig, "forest", caption)


# ----------------------------------------------------------------------------- grid


def _heat_colours(metric: str) -> str:
    better = metric_info(metric)[2]
    return {"higher": "RdYlGn", "lower": "RdYlGn_r"}.get(better, "viridis")


def _tick(value: Any) -> str:
    return f"{value:g}".replace("-", "\u2212") if isinstance(value, (int, float, np.number)) else str(value)


def _grid(ctx: _Context) -> None:
    runs, doc = ctx.runs, ctx.doc
    factors = [f for f in (ctx.exp.get("factors") or {}) if f in runs.columns]
    if not factors:
        doc.para("No factor columns found in runs.parquet: nothing to draw.")
        return
    reps = int(runs.groupby("point").size().max()) if "point" in runs.columns else 1
    if len(factors) == 1:
        _grid_one(ctx, factors[0], reps)
        return
    x, y = factors[0], factors[1]
    text = (
        f"Each cell is the mean over the {reps} replicate(s) of that combination of {x} (columns) and {y} (rows); "
        "colours run from worse (red) to better (green) when the metric has a direction."
    )
    if len(factors) > 2:
        text += " Cells also average over the other factors: " + ", ".join(factors[2:]) + "."
    doc.para(text)
    for metric in ctx.metrics:
        doc.heading(2, _metric_title(metric))
        pivot = analysis.grid_means(runs, metric, x, y)
        values = pivot.to_numpy(dtype=float)
        finite = values[np.isfinite(values)]
        d = decimals(float(np.mean(np.abs(finite))) if finite.size else math.nan)
        fig, ax = plt.subplots(
            figsize=(1.4 + 0.95 * len(pivot.columns), 1.4 + 0.7 * len(pivot.index)), constrained_layout=True
        )
        image = ax.imshow(values, cmap=_heat_colours(metric), origin="lower", aspect="auto")
        norm, cmap = image.norm, image.cmap
        for (i, j), v in np.ndenumerate(values):
            colour = "k"
            if math.isfinite(v):
                r, g, b, _ = cmap(norm(v))
                colour = "w" if 0.299 * r + 0.587 * g + 0.114 * b < 0.5 else "k"
            ax.text(j, i, fmt(v, d), ha="center", va="center", fontsize=8, color=colour)
        ax.set_xticks(range(len(pivot.columns)), [_tick(v) for v in pivot.columns])
        ax.set_yticks(range(len(pivot.index)), [_tick(v) for v in pivot.index])
        ax.set_xlabel(x)
        ax.set_ylabel(y)
        label, unit, _ = metric_info(metric)
        fig.colorbar(image, ax=ax, label=unit or label, shrink=0.9)
        ax.set_title(f"{label}: mean over replicates", fontsize=10)
        ctx.save(fig, f"grid_{_slug(metric)}", f"{_upper_first(label)} over {x} and {y} (mean over replicates).")
        header = [f"{y} \\ {x}", *(_tick(v) for v in pivot.columns)]
        rows = [[_tick(idx), *(fmt(v, d) for v in pivot.loc[idx].to_numpy(dtype=float))] for idx in pivot.index]
        doc.table(header, rows)


def _grid_one(ctx: _Context, factor: str, reps: int) -> None:
    runs, doc = ctx.runs, ctx.doc
    doc.para(f"One factor, {factor}: each value shows the mean over its {reps} replicate(s) with a 95 % CI.")
    for metric in ctx.metrics:
        doc.heading(2, _metric_title(metric))
        stats_rows = []
        for value, group in runs.groupby(factor, sort=True):
            n, mean, low, high = analysis.mean_ci(group[metric], CONFIDENCE)
            stats_rows.append((value, n, mean, low, high))
        xs = np.array([float(r[0]) for r in stats_rows])
        means = np.array([r[2] for r in stats_rows], dtype=float)
        lows = np.array([r[3] for r in stats_rows], dtype=float)
        highs = np.array([r[4] for r in stats_rows], dtype=float)
        fig, ax = plt.subplots(figsize=(6.5, 4), constrained_layout=True)
        ax.plot(xs, means, "o-", color="k")
        ax.fill_between(xs, lows, highs, color="k", alpha=0.15, lw=0)
        label, unit, _ = metric_info(metric)
        ax.set_xlabel(factor)
        ax.set_ylabel(unit or label)
        ax.set_title(f"{label}: mean with 95 % CI", fontsize=10)
        ctx.save(
            fig,
            f"grid_{_slug(metric)}",
            f"{_upper_first(label)} against {factor} (mean over replicates, 95 % CI band).",
        )
        doc.table(
            [factor, "n", "mean [95 % CI]"], [[_tick(r[0]), str(r[1]), _ci_text(r[2], r[3], r[4])] for r in stats_rows]
        )


# ----------------------------------------------------------------------------- lhs


def _lhs(ctx: _Context) -> None:
    runs, doc = ctx.runs, ctx.doc
    factors = [f for f in (ctx.exp.get("ranges") or {}) if f in runs.columns]
    if not factors:
        doc.para("No factor columns found in runs.parquet: nothing to draw.")
        return
    points = analysis.point_means(runs, [*factors, *ctx.metrics]) if "point" in runs.columns else runs
    doc.para(
        "Spearman's rank correlation ρ measures how consistently a metric rises (ρ > 0) or falls (ρ < 0) "
        f"as one factor grows across the {len(points)} sampled design points (metrics averaged over the "
        "replicates of each point). It ignores interactions, and with many factors and metrics a few "
        "small p-values are expected by chance."
    )
    corr = analysis.rank_correlations(points, ctx.metrics, factors)
    header = ["factor", *(metric_info(m)[0] for m in ctx.metrics)]
    rows = []
    for factor in factors:
        cells = [factor]
        for metric in ctx.metrics:
            r = corr[(corr["metric"] == metric) & (corr["factor"] == factor)].iloc[0]
            cells.append("n/a" if not math.isfinite(r["rho"]) else f"{fmt(r['rho'], 2)} (p {_p_text(r['p_value'])})")
        rows.append(cells)
    doc.heading(2, "Rank correlations (Spearman ρ, p)")
    doc.table(header, rows)
    ncols = min(3, len(factors))
    nrows = math.ceil(len(factors) / ncols)
    for metric in ctx.metrics:
        label, unit, _ = metric_info(metric)
        doc.heading(2, _metric_title(metric))
        fig, axes = plt.subplots(
            nrows, ncols, figsize=(4.2 * ncols, 3.4 * nrows), constrained_layout=True, squeeze=False, sharey=True
        )
        y = as_float(runs[metric])
        for ax, factor in zip(axes.ravel(), factors, strict=False):
            ax.scatter(as_float(runs[factor]), y, s=12, alpha=0.55, color="tab:blue", edgecolor="none")
            r = corr[(corr["metric"] == metric) & (corr["factor"] == factor)].iloc[0]
            rho = "n/a" if not math.isfinite(r["rho"]) else fmt(r["rho"], 2)
            ax.set_title(f"ρ = {rho}", fontsize=9)
            ax.set_xlabel(factor, fontsize=8)
        for ax in axes[:, 0]:
            ax.set_ylabel(unit or label)
        for ax in axes.ravel()[len(factors) :]:
            ax.axis("off")
        fig.suptitle(f"{_upper_first(label)} against each factor (one dot per run)")
        ctx.save(
            fig,
            f"lhs_{_slug(metric)}",
            f"{_upper_first(label)} against each sampled factor (one dot per run); ρ: Spearman rank correlation.",
        )


# ----------------------------------------------------------------------------- sobol / morris


def _design_points(ctx: _Context, columns: list[str]) -> pd.DataFrame:
    runs = ctx.runs
    if "point" in runs.columns:
        return analysis.point_means(runs, columns)
    return runs[columns].reset_index(drop=True)


def _index_bars(ctx: _Context, table: pd.DataFrame, series: list[tuple[str, str, str]], metric: str, name: str):
    """Horizontal bars (one group per parameter) with CI whiskers."""
    label = metric_info(metric)[0]
    params = list(table["parameter"])
    fig, ax = plt.subplots(figsize=(7.5, 1.4 + 0.55 * len(params) * max(1, len(series) / 1.5)), constrained_layout=True)
    height = 0.8 / len(series)
    y = np.arange(len(params))[::-1].astype(float)
    for k, (col, conf, text) in enumerate(series):
        offset = (k - (len(series) - 1) / 2) * height
        values = table[col].to_numpy(dtype=float)
        errors = np.nan_to_num(table[conf].to_numpy(dtype=float)) if conf else None
        ax.barh(y - offset, values, height=height, xerr=errors, capsize=3, label=text, color=f"C{k}", alpha=0.85)
    ax.set_yticks(y, params, fontsize=8)
    ax.axvline(0.0, color="0.3", lw=0.8)
    ax.legend(fontsize=8)
    title = "Sobol indices" if name == "sobol" else "Morris screening"
    ax.set_title(f"{_upper_first(label)}: {title} (whiskers: 95 % CI)", fontsize=10)
    return fig, label


def _sobol(ctx: _Context) -> None:
    exp, doc = ctx.exp, ctx.doc
    ranges = exp.get("ranges") or {}
    names = list(ranges)
    bounds = [ranges[n] for n in names]
    second = bool(exp.get("calc_second_order", False))
    points = _design_points(ctx, ctx.metrics)
    n_base = exp.get("samples")
    expected = int(n_base) * (2 * len(names) + 2 if second else len(names) + 2) if n_base else None
    doc.para(
        "Sobol indices split the variance of a metric over the sampled ranges: S1 is the share explained by a "
        "parameter alone, ST the share it explains including all its interactions (ST − S1 large: the parameter "
        "acts through interactions). Intervals are SALib's 95 % bootstrap intervals; with a small N they can be "
        "wide and indices can come out slightly negative."
    )
    doc.table(["parameter", "low", "high"], [[n, _tick(float(lo)), _tick(float(hi))] for n, (lo, hi) in ranges.items()])
    if expected is not None and len(points) != expected:
        doc.para(
            f"The Saltelli design needs {expected} design points (N = {n_base}, {len(names)} parameters) but "
            f"{len(points)} are stored; the indices cannot be computed until the sweep is complete."
        )
        return
    for metric in ctx.metrics:
        doc.heading(2, _metric_title(metric))
        y = _index_outputs(doc, points, metric)
        if y is None:
            continue
        try:
            table = analysis.sobol_indices(names, bounds, y, second, seed=ctx.seed, confidence=CONFIDENCE)
        except (ValueError, RuntimeError) as error:
            doc.para(f"Sobol indices could not be computed: {error}")
            continue
        records = table.to_dict("records")
        triples = [(r[k], r[k] - r[f"{k}_conf"], r[k] + r[f"{k}_conf"]) for r in records for k in ("S1", "ST")]
        d = _ci_decimals(triples, minimum=2)
        rows = [
            [
                r["parameter"],
                _ci_text(r["S1"], r["S1"] - r["S1_conf"], r["S1"] + r["S1_conf"], digits=d),
                _ci_text(r["ST"], r["ST"] - r["ST_conf"], r["ST"] + r["ST_conf"], digits=d),
            ]
            for r in records
        ]
        doc.table(["parameter", "S1 [95 % CI]", "ST [95 % CI]"], rows)
        fig, label = _index_bars(
            ctx, table, [("S1", "S1_conf", "first order S1"), ("ST", "ST_conf", "total ST")], metric, "sobol"
        )
        ax = fig.axes[0]
        ax.set_xlabel("share of variance")
        ctx.save(fig, f"sobol_{_slug(metric)}", f"Sobol indices of {label}; whiskers: 95 % bootstrap CI.")


def _morris(ctx: _Context) -> None:
    exp, doc, runs = ctx.exp, ctx.doc, ctx.runs
    ranges = exp.get("ranges") or {}
    names = list(ranges)
    bounds = [ranges[n] for n in names]
    missing = [n for n in names if n not in runs.columns]
    doc.para(
        "Morris screening moves one parameter at a time along random trajectories: μ* (the mean absolute "
        "elementary effect) ranks overall influence, σ (their spread) flags non-linear effects or "
        "interactions. Intervals on μ* are SALib's 95 % bootstrap intervals. Effects are in the metric's units "
        "per full range of the parameter."
    )
    doc.table(["parameter", "low", "high"], [[n, _tick(float(lo)), _tick(float(hi))] for n, (lo, hi) in ranges.items()])
    if missing:
        doc.para("Parameter columns missing from runs.parquet: " + ", ".join(missing) + "; indices not computed.")
        return
    points = _design_points(ctx, [*names, *ctx.metrics])
    trajectories = int(exp.get("samples") or 0) or len(points) // (len(names) + 1)
    if len(points) != trajectories * (len(names) + 1):
        doc.para(
            f"The Morris design needs {trajectories * (len(names) + 1)} design points ({trajectories} trajectories "
            f"of {len(names) + 1}) but {len(points)} are stored; the indices cannot be computed until the sweep is "
            "complete."
        )
        return
    num_levels = int(exp.get("num_levels") or 4)
    # the values the runs used (integer parameters rounded): SALib reads only the direction of each
    # step from them and divides by the design's nominal step
    X = points[names].to_numpy(dtype=float)
    rounded = [n for n, column in zip(names, X.T, strict=True) if np.all(column == np.round(column))]
    if rounded:
        doc.para(
            "Integer parameters (" + ", ".join(rounded) + ") ran with rounded values, while the effects divide "
            "by the design's unrounded step: their μ* and σ are approximate."
        )
    for metric in ctx.metrics:
        doc.heading(2, _metric_title(metric))
        y = _index_outputs(doc, points, metric)
        if y is None:
            continue
        try:
            table = analysis.morris_indices(
                names, bounds, X, y, num_levels=num_levels, seed=ctx.seed, confidence=CONFIDENCE
            )
        except (ValueError, RuntimeError) as error:
            doc.para(f"Morris indices could not be computed: {error}")
            continue
        records = table.to_dict("records")
        d = _ci_decimals(
            [(r["mu_star"], r["mu_star"] - r["mu_star_conf"], r["mu_star"] + r["mu_star_conf"]) for r in records]
        )
        rows = [
            [
                r["parameter"],
                _ci_text(r["mu_star"], r["mu_star"] - r["mu_star_conf"], r["mu_star"] + r["mu_star_conf"], digits=d),
                fmt(r["sigma"], d),
                fmt(r["mu"], d),
            ]
            for r in records
        ]
        doc.table(["parameter", "μ* [95 % CI]", "σ", "μ"], rows)
        fig, label = _index_bars(ctx, table, [("mu_star", "mu_star_conf", "μ*"), ("sigma", "", "σ")], metric, "morris")
        fig.axes[0].set_xlabel(f"elementary effect ({metric_info(metric)[1] or 'metric units'})")
        ctx.save(fig, f"morris_{_slug(metric)}", f"Morris μ* (whiskers: 95 % bootstrap CI) and σ of {label}.")
