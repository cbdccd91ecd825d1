"""The report's numbers as files for other tools and for the people who pass tables around.

Beside ``report.md`` an arms report writes

* ``estimates.csv`` and ``estimates.parquet``: one tidy table with a row per estimate (an
  arm's mean in one condition, with its interval) and a row per paired difference (an arm
  against the reference arm, and against the arm it changes one thing of, ``compare_with``),
  keyed by condition, arm and measure (:data:`COLUMNS` says what every column means);
* ``tables.xlsx``: the report's tables, one sheet each (Estimates, Differences and, with
  ``compare_with`` arms, Components), and a README sheet: the experiment, its commit and date,
  what every column means and what the intervals cover. It needs the ``excel`` extra
  (openpyxl); without it everything else is written and one line says how to install it.

Every number comes from the functions the report reads (``arms._comparisons``, that is
``analysis.paired_comparison`` and ``analysis.mean_ci``), so the files hold the report's
numbers unrounded. A grid report writes each design point's mean with its interval per
measure, an LHS report its rank correlations. Sobol, Morris and robustness reports write no
exports: their sections compute their tables (SALib bootstraps; regret, win shares, PRIM
boxes) inline, and ``report.md`` holds them. Each file is written atomically.

The workbook is reproducible: the same results give the same bytes. Its document dates are
the time the sweep finished (the manifest's ``finished``) and every entry of the ZIP archive
carries one fixed time (openpyxl's own ``save`` stamps the time of saving on both).
:func:`write_workbook` takes any named tables, so a later section can add its own.
"""

from __future__ import annotations

import math
import sys
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.io import write_atomically
from sim.report import measures
from sim.report.arms import Comparisons, _comparisons
from sim.report.results import CONFIDENCE, Context, observations_sentence, posterior_facts, posterior_of
from sim.report.wording import N_
from sim.sweep import analysis

ESTIMATES = ("estimates.csv", "estimates.parquet")
WORKBOOK = "tables.xlsx"
EXTRA = "pip install 'kerjasama[excel]' (or pip install openpyxl)"
ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest time a ZIP entry can hold
UNDATED = datetime(1980, 1, 1)  # the document date of results whose manifest has no finishing time
P_FORMAT = '[<0.001]"< 0.001";0.000'  # as the report prints p-values, the cell still holding the number
PERCENT = f"{100 * CONFIDENCE:g} %"

# how each kind of row's interval is computed; the report's shares and rates use the same t intervals
INTERVAL_METHOD = {"estimate": "student_t", "difference": "paired_student_t"}

COLUMNS: dict[str, str] = {
    "kind": N_(
        "estimate: an arm's mean over its replicates; difference: an arm's mean paired difference against "
        "another arm (grid: a design point's mean; lhs: rank_correlation, a Spearman correlation)"
    ),
    "comparison": N_(
        "for a difference: reference (against the experiment's reference arm, the report's tables per "
        "condition) or compare_with (against the arm it changes one thing of, the report's Components); "
        "empty for an estimate"
    ),
    "condition": N_("the condition the runs ran under (its name in the experiment file; empty: none declared)"),
    "condition_label": N_("the condition's label in the report"),
    "arm": N_("the arm (its name in the experiment file)"),
    "arm_label": N_("the arm's label in the report"),
    "reference": N_("for a difference: the arm it is taken against (its name); empty for an estimate"),
    "reference_label": N_("that arm's label in the report"),
    "factor": N_("the factor a rank correlation is taken with (its scenario key)"),
    "metric": N_("the measure's key (a column of runs.parquet, declared in sim/outputs.py)"),
    "metric_label": N_("the measure's label (sim/outputs.py)"),
    "unit": N_("the measure's unit; value, low and high are in it (a share: 0.05 is 5 percentage points)"),
    "value": N_("the estimate: the mean, the mean paired difference, or the rank correlation"),
    "low": N_("the lower end of the value's confidence interval (empty: fewer than two runs or pairs)"),
    "high": N_("the upper end of the value's confidence interval"),
    "relative": N_(
        "a difference in % of the reference arm's mean over the same pairs (empty: the report reads it in "
        "the measure's own units, or the reference mean is close to 0)"
    ),
    "relative_low": N_("the lower end of the relative difference's interval (that of the difference, divided)"),
    "relative_high": N_("the upper end of the relative difference's interval"),
    "confidence": N_("the confidence level of every interval (0.95: 95 %)"),
    "n": N_("runs with a value (estimate), replicates paired (difference), design points (rank correlation)"),
    "p_value": N_("a difference: two-sided paired t-test; a rank correlation: Spearman's test; empty if none"),
    "interval_method": N_(
        "student_t: t interval of the mean across replicates; logit_student_t: for a mean of shares, the t "
        "interval on the logit scale (delta method), mapped back, so it stays inside 0 and 1; wilson: for a "
        "share of runs (a yes/no per run), the Wilson score interval; paired_student_t: t interval of the "
        "per-replicate differences"
    ),
    "scale": N_(
        "how the report reads a difference: relative (in % of the reference), points (a share, in "
        "percentage points) or absolute (in the measure's own units)"
    ),
}
ARM_COLUMNS = [c for c in COLUMNS if c != "factor"]

# a number's estimate and interval, and the fewest decimals the report shows them with (% differences: 1)
TRIPLES = {
    **dict.fromkeys(("value", "low", "high"), ("value", "low", "high", 0)),
    **dict.fromkeys(("relative", "relative_low", "relative_high"), ("relative", "relative_low", "relative_high", 1)),
}

MEAN = N_("the arm's mean over its replicates, in the measure's unit")
DIFFERENCE = N_(
    "the arm's mean minus that of the arm it is against, taken replicate by replicate (paired), in the "
    "measure's unit (a share: 0.05 is 5 percentage points)"
)
PAIRED_P = N_("two-sided paired t-test of the difference (empty: fewer than two pairs, or all pairs differ alike)")

ABOUT = {
    "intervals": N_(
        "Every low-high pair is a {percent} confidence interval computed as the report computes it: Student t "
        "across replicates for a mean (for a share, on the logit scale or Wilson's, so that it stays inside 0 "
        "and 1), and the t interval of the per-replicate differences for a paired "
        "difference (replicate r of every arm has the same seed: the same villages and shocks). It covers "
        "replicate noise only, the spread between runs with different seeds, not parameter uncertainty."
    ),
    "illustrative": N_(
        "The figures are illustrative and uncalibrated: the model's parameters are not estimated from data, so "
        "they show how the model behaves under its assumptions, not what a policy would do in a given place."
    ),
    "intervals.posterior": N_(
        "Every low-high pair is a {percent} confidence interval computed as the report computes it: Student t "
        "across replicates for a mean (for a share, on the logit scale or Wilson's, so that it stays inside 0 "
        "and 1), and the t interval of the per-replicate differences for a paired difference (replicate r of "
        "every arm has the same seed, and the same set of {parameters} drawn from the posterior of calibration "
        "{name}: columns of those names and particle in runs.parquet). It covers replicate noise and parameter "
        "uncertainty (posterior of calibration {name}, {particles} particles)."
    ),
    "calibrated": N_(
        "The parameters {parameters} are drawn from the posterior of calibration {name}; the model's other "
        "parameters are illustrative and uncalibrated. {observations}"
    ),
    "numbers": N_(
        "Cells hold the numbers unrounded; their format shows as many decimals as the interval supports, as the "
        "report prints them. estimates.csv and estimates.parquet beside this file hold the same rows, with keys."
    ),
}


@dataclass(frozen=True)
class Sheet:
    """A table of the workbook: its rows (one column per header; numbers stay numbers), what each
    column means, and each numeric column's Excel number format (one for the column, or one per row)."""

    frame: pd.DataFrame
    meanings: Mapping[str, str]
    formats: Mapping[str, str | Sequence[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Exported:
    """What a design exports: the tidy table (``estimates.csv`` / ``.parquet``) and the workbook's sheets."""

    estimates: pd.DataFrame
    sheets: dict[str, Sheet]


def write_exports(ctx: Context, design: str) -> list[Path]:
    """Write the exports of the report of ``ctx`` (a ``design`` experiment) into its folder;
    returns the files written (none for designs without exports, or without runs)."""
    exported = EXPORTS[design](ctx) if design in EXPORTS and not ctx.runs.empty else None
    if exported is None:
        return []
    folder, table = ctx.results_dir, exported.estimates
    csv, parquet, workbook = folder / ESTIMATES[0], folder / ESTIMATES[1], folder / WORKBOOK
    write_atomically(csv, lambda tmp: table.to_csv(tmp, index=False))
    write_atomically(parquet, lambda tmp: table.to_parquet(tmp, index=False))
    files = {" and ".join(ESTIMATES): {c: COLUMNS[c] for c in table.columns if c in COLUMNS}}
    if write_workbook(workbook, exported.sheets, about(ctx, design), finished(ctx.manifest), files):
        return [csv, parquet, workbook]
    workbook.unlink(missing_ok=True)  # an earlier report's workbook would hold other numbers
    print(f"kerjasama: note: {WORKBOOK} not written: the Excel workbook needs openpyxl: {EXTRA}", file=sys.stderr)
    return [csv, parquet]


# ----------------------------------------------------------------------------- arms


def arm_estimates(ctx: Context, compared: Comparisons | None = None) -> pd.DataFrame:
    """The tidy table of an arms report (:data:`COLUMNS`): per condition and measure the report
    shows, every arm's estimate, then every arm's difference against the reference arm; then the
    ``compare_with`` differences in the order of the report's Components section."""
    compared = compared or _comparisons(ctx)
    rows = []
    for condition in compared.conditions.names if compared else []:
        for metric in ctx.metrics:
            table = compared.shown(metric, condition)
            records = [] if table is None else table.to_dict("records")
            rows += [_estimate(r, metric, condition, compared) for r in records]
            against = (compared.arms.reference, "reference")
            rows += [_difference(r, metric, condition, compared, against) for r in records if r["scale"]]
    if compared:
        rows += _component_rows(ctx, compared)
    return pd.DataFrame(rows, columns=ARM_COLUMNS).astype({"n": "int64"})


def _where(condition: str | None, compared: Comparisons) -> dict[str, Any]:
    return {
        "condition": condition,
        "condition_label": None if condition is None else compared.conditions.label(condition),
    }


def _measure(metric: str) -> dict[str, Any]:
    return {"metric": metric, "metric_label": measures.label(metric), "unit": measures.unit(metric)}


def _estimate(row: dict, metric: str, condition: str | None, compared: Comparisons) -> dict[str, Any]:
    """A row of ``paired_comparison`` as an estimate: the arm's mean and its t interval."""
    return {
        "kind": "estimate",
        "comparison": "",
        **_where(condition, compared),
        "arm": str(row["arm"]),
        "arm_label": row["label"],
        **_measure(metric),
        **{"value": row["mean"], "low": row["ci_low"], "high": row["ci_high"]},
        **{"relative": np.nan, "relative_low": np.nan, "relative_high": np.nan},
        **{"confidence": CONFIDENCE, "n": int(row["n"]), "p_value": np.nan},
        **{"interval_method": analysis.level_method(metric), "scale": ""},
    }


def _difference(
    row: dict, metric: str, condition: str | None, compared: Comparisons, against: tuple[str, str]
) -> dict[str, Any]:
    """A compared row of ``paired_comparison`` as a difference against ``against`` (the arm, and
    the kind of comparison): in the measure's units and, unless the report reads it in those
    units only (scale "absolute"), in % of the reference mean."""
    reference, comparison = against
    relative = row["scale"] != "absolute"
    return {
        **_estimate(row, metric, condition, compared),
        "kind": "difference",
        "comparison": comparison,
        "reference": reference,
        "reference_label": compared.arms.label(reference),
        **{"value": row["diff"], "low": row["diff_low"], "high": row["diff_high"]},
        **{k: row[f"rel{k[8:]}"] if relative else np.nan for k in ("relative", "relative_low", "relative_high")},
        **{"n": int(row["n_pairs"]), "p_value": row["p_value"]},
        **{"interval_method": INTERVAL_METHOD["difference"], "scale": row["scale"]},
    }


def _component_rows(ctx: Context, compared: Comparisons) -> list[dict[str, Any]]:
    """Each ``compare_with`` arm against the arm it changes, per measure, arm changed and
    condition: the comparisons of the report's Components section (``arms._components``)."""
    names = compared.arms.names
    changes = [a for a in ctx.exp.get("arms") or [] if a.get("compare_with") in names and a["name"] in names]
    group_cols = ("condition",) if compared.conditions.declared else ()
    rows = []
    for metric in ctx.metrics:
        for base in dict.fromkeys(a["compare_with"] for a in changes):
            table = analysis.paired_comparison(
                ctx.runs, metric, base, group_cols=group_cols, confidence=CONFIDENCE, arm_labels=compared.arms.labels
            )
            changed = {a["name"] for a in changes if a["compare_with"] == base}
            for condition in compared.conditions.names:
                part = table if condition is None else table[table["condition"].astype(str) == condition]
                rows += [
                    _difference(r, metric, condition, compared, (base, "compare_with"))
                    for r in part.to_dict("records")
                    if str(r["arm"]) in changed and r["scale"]
                ]
    return rows


def _arm_exports(ctx: Context) -> Exported | None:
    compared = _comparisons(ctx)
    if compared is None:
        return None
    table = arm_estimates(ctx, compared)
    where = [("condition", "condition_label", N_("the condition the runs ran under"))]
    where = where if compared.conditions.declared else []
    arm = [("arm", "arm_label", N_("the arm (its label in the report)"))]
    measure = [
        ("measure", "metric_label", N_("the measure")),
        ("unit", "unit", N_("the measure's unit: the mean, difference and interval are in it")),
    ]
    keys = [("measure key", "metric", COLUMNS["metric"]), ("arm key", "arm", COLUMNS["arm"])]
    estimate = [*where, *arm, *measure, ("runs", "n", N_("runs with a value")), *_triple(N_("mean"), MEAN), *keys]
    against = ("against", "reference_label", N_("the arm the difference is taken against"))
    difference = [
        *where, *arm, against, *measure, ("pairs", "n", N_("replicates paired (both arms have a value)")),
        *_triple(N_("difference"), DIFFERENCE), *_relative(), ("p (paired t)", "p_value", PAIRED_P),
        ("read as", "scale", COLUMNS["scale"]), *keys,
    ]  # fmt: skip
    sheets = {"Estimates": _sheet(table[table["kind"] == "estimate"], estimate)}
    sheets["Differences"] = _sheet(table[table["comparison"] == "reference"], difference)
    components = table[table["comparison"] == "compare_with"]
    if not components.empty:
        sheets["Components"] = _sheet(components, difference)
    return Exported(table, sheets)


def _triple(name: str, meaning: str) -> list[tuple[str, str, str]]:
    """The value (its header ``name``) and its interval as three sheet columns."""
    return [
        (name, "value", meaning),
        (f"low ({PERCENT})", "low", N_("the lower end of its confidence interval")),
        (f"high ({PERCENT})", "high", N_("the upper end of its confidence interval")),
    ]


def _relative() -> list[tuple[str, str, str]]:
    return [
        ("relative (%)", "relative", COLUMNS["relative"]),
        (f"relative low ({PERCENT})", "relative_low", COLUMNS["relative_low"]),
        (f"relative high ({PERCENT})", "relative_high", COLUMNS["relative_high"]),
    ]


# ----------------------------------------------------------------------------- grid, lhs


def _grid_exports(ctx: Context) -> Exported | None:
    """Each design point's mean of each measure with its t interval (the grid report's cells)."""
    factors = [f for f in (ctx.exp.get("factors") or {}) if f in ctx.runs.columns]
    if not factors:
        return None
    rows = []
    for metric in ctx.metrics:
        for values, group in ctx.runs.groupby(factors, sort=True):
            n, mean, low, high = analysis.mean_ci(group[metric], CONFIDENCE)
            point = dict(zip(factors, values if isinstance(values, tuple) else (values,), strict=True))
            rows.append({"kind": "estimate", **point, **_measure(metric), "value": mean, "low": low, "high": high})
            rows[-1].update(confidence=CONFIDENCE, n=n, interval_method=INTERVAL_METHOD["estimate"])
    table = pd.DataFrame(rows)
    spec = [(f, f, N_("the factor's value (its scenario key)")) for f in factors]
    spec += [("measure", "metric_label", N_("the measure")), ("unit", "unit", COLUMNS["unit"])]
    spec += [
        ("runs", "n", N_("runs with a value")),
        *_triple(N_("mean"), N_("the mean over the runs of that design point")),
        ("measure key", "metric", COLUMNS["metric"]),
    ]
    return Exported(table, {"Means": _sheet(table, spec)})


def _lhs_exports(ctx: Context) -> Exported | None:
    """The LHS report's table: Spearman's rank correlation of each measure with each factor."""
    runs = ctx.runs
    factors = [f for f in (ctx.exp.get("ranges") or {}) if f in runs.columns]
    if not factors:
        return None
    points = analysis.point_means(runs, [*factors, *ctx.metrics]) if "point" in runs.columns else runs
    corr = analysis.rank_correlations(points, ctx.metrics, factors)
    table = pd.DataFrame(
        [
            {"kind": "rank_correlation", "factor": r["factor"], **_measure(r["metric"]), "value": r["rho"]}
            | {"n": int(r["n"]), "p_value": r["p_value"]}
            for r in corr.to_dict("records")
        ]
    )
    spec = [("factor", "factor", COLUMNS["factor"]), ("measure", "metric_label", N_("the measure"))]
    spec += [("design points", "n", N_("design points with a value (replicates averaged)"))]
    spec += [
        ("rho (Spearman)", "value", N_("Spearman's rank correlation")),
        ("p", "p_value", N_("Spearman's test of no correlation")),
    ]
    return Exported(table, {"Rank correlations": _sheet(table, [*spec, ("measure key", "metric", COLUMNS["metric"])])})


EXPORTS: dict[str, Callable[[Context], Exported | None]] = {
    "arms": _arm_exports,
    "grid": _grid_exports,
    "lhs": _lhs_exports,
}


# ----------------------------------------------------------------------------- the workbook


def _sheet(table: pd.DataFrame, spec: Sequence[tuple[str, str, str]]) -> Sheet:
    """A sheet of the tidy table's rows: ``spec`` lists (header, tidy column, meaning); numbers get
    the decimals the report prints them with (``analysis.decimals`` of the row's estimate and interval)."""
    frame = pd.DataFrame({header: table[column].to_numpy() for header, column, _ in spec})
    formats: dict[str, str | list[str]] = {}
    for header, column, _ in spec:
        if column == "n":
            formats[header] = "0"
        elif column == "p_value":
            formats[header] = P_FORMAT
        elif column in TRIPLES:
            *triple, minimum = TRIPLES[column]
            formats[header] = [_decimal_format(analysis.decimals(*r, minimum)) for r in _rows(table, triple)]
    return Sheet(frame, {header: meaning for header, _, meaning in spec}, formats)


def _rows(table: pd.DataFrame, columns: Sequence[str]) -> list[tuple[float, ...]]:
    present = [table[c].to_numpy(dtype=float) if c in table.columns else np.full(len(table), np.nan) for c in columns]
    return list(zip(*present, strict=True)) if len(table) else []


def _decimal_format(digits: int) -> str:
    return "0" if digits <= 0 else "0." + "0" * digits


def finished(manifest: dict) -> datetime:
    """When the sweep finished (the manifest's ``finished``, as UTC without a time zone, as a
    workbook's document dates are); results without it get one fixed date."""
    try:
        when = datetime.fromisoformat(str(manifest.get("finished")))
    except ValueError:
        return UNDATED
    return when.astimezone(UTC).replace(tzinfo=None) if when.tzinfo else when


def about(ctx: Context, design: str) -> list[tuple[str, str]]:
    """The README sheet's facts: the experiment, how it was run, its commit and date, and how to read it."""
    exp, manifest = ctx.exp, ctx.manifest
    facts = [
        ("experiment", exp.get("name") or ctx.results_dir.name),
        ("description", exp.get("description")),
        ("design", design),
        ("base scenario", exp.get("scenario") if not isinstance(exp.get("scenario"), dict) else None),
        ("runs", len(ctx.runs)),
        ("replicates", exp.get("replicates")),
        ("variant", None if "quick" not in manifest else ("quick" if manifest["quick"] else "full")),
        ("git commit", manifest.get("git_commit")),
        ("code (SHA-256 of sim/**/*.py)", manifest.get("code_sha256")),
        ("finished", manifest.get("finished")),
        *_uncertainty_facts(exp),
        ("numbers", ABOUT["numbers"]),
    ]
    return [(item, str(text)) for item, text in facts if text is not None and text != ""]


def _uncertainty_facts(exp: dict) -> list[tuple[str, str]]:
    """The README sheet's facts on what the intervals cover and where the parameters come from:
    replicate noise and illustrative parameters, or also the posterior the replicates drew from."""
    posterior = posterior_of(exp)
    if posterior is None:
        return [("intervals", ABOUT["intervals"].format(percent=PERCENT)), ("illustrative", ABOUT["illustrative"])]
    facts = posterior_facts(posterior)
    observations = observations_sentence(posterior)
    return [
        ("intervals", ABOUT["intervals.posterior"].format(percent=PERCENT, **facts)),
        ("calibration", ABOUT["calibrated"].format(**facts, observations=observations)),
    ]


def write_workbook(
    path: Path,
    sheets: Mapping[str, Sheet],
    facts: Sequence[tuple[str, str]],
    date: datetime = UNDATED,
    files: Mapping[str, Mapping[str, str]] | None = None,
) -> bool:
    """Write ``path`` (atomically): a README sheet (``facts``, then what every column of every
    sheet means, then those of other ``files`` beside it), then one sheet per table of
    ``sheets`` (name -> :class:`Sheet`) with its header row frozen and its columns wide enough
    to read. ``date`` is the document's creation and modification date. False, and nothing
    written, when openpyxl (the ``excel`` extra) is missing."""
    try:
        import openpyxl
    except ImportError:
        return False
    workbook = openpyxl.Workbook()
    readme = workbook.active
    readme.title = "README"
    rows = [("README", item, text) for item, text in facts]
    rows += [(name, column, s.meanings.get(column, "")) for name, s in sheets.items() for column in s.frame.columns]
    rows += [(name, column, meaning) for name, columns in (files or {}).items() for column, meaning in columns.items()]
    _fill(readme, pd.DataFrame(rows, columns=["sheet", "item or column", "what it is"]), {})
    readme.column_dimensions["C"].width = 110
    for cell in readme["C"]:
        cell.alignment = openpyxl.styles.Alignment(wrap_text=True, vertical="top")
    for name, sheet in sheets.items():
        _fill(workbook.create_sheet(name[:31]), sheet.frame, sheet.formats)
    write_atomically(path, lambda tmp: _save(workbook, tmp, date))
    return True


def _fill(worksheet, frame: pd.DataFrame, formats: Mapping[str, str | Sequence[str]]) -> None:
    """A worksheet holding ``frame``: a bold, frozen header row with filters, numbers as numbers in their formats."""
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    worksheet.append([str(c) for c in frame.columns])
    for cell in worksheet[1]:
        cell.font = Font(bold=True)
    for row in frame.itertuples(index=False):
        worksheet.append([_cell(v) for v in row])
    for j, header in enumerate(frame.columns, start=1):
        fmt = formats.get(header)
        cells = [worksheet.cell(row=i, column=j) for i in range(2, len(frame) + 2)]
        for i, cell in enumerate(cells):
            if fmt is not None and isinstance(cell.value, (int, float)):
                cell.number_format = fmt if isinstance(fmt, str) else fmt[i]
        longest = max([len(str(header)), *(len(_shown(c.value)) for c in cells)])
        worksheet.column_dimensions[get_column_letter(j)].width = min(60, max(8, longest + 2))
    worksheet.freeze_panes = "A2"
    worksheet.auto_filter.ref = worksheet.dimensions


def _cell(value: Any) -> Any:
    """A value as a cell holds it: numbers as Python numbers, missing values as empty cells."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(value) else None
    return str(value)


def _shown(value: Any) -> str:
    """About how wide a cell's value shows (numbers: at most a dozen characters)."""
    return f"{value:.6g}" if isinstance(value, float) else ("" if value is None else str(value))


class _FixedTimeZip(zipfile.ZipFile):
    """A ZIP archive whose every entry carries :data:`ZIP_TIME` (``ZipFile.writestr`` stamps the time of
    writing, ``ZipFile.write`` the file's time: openpyxl writes its worksheets through temporary files)."""

    def write(self, filename, arcname=None, compress_type=None, compresslevel=None):
        self.writestr(arcname or Path(filename).name, Path(filename).read_bytes(), compress_type, compresslevel)

    def writestr(self, zinfo_or_arcname, data, compress_type=None, compresslevel=None):
        if not isinstance(zinfo_or_arcname, zipfile.ZipInfo):
            zinfo_or_arcname = zipfile.ZipInfo(zinfo_or_arcname, date_time=ZIP_TIME)
            zinfo_or_arcname.external_attr = 0o600 << 16
        super().writestr(
            zinfo_or_arcname,
            data,
            compress_type=compress_type or self.compression,
            compresslevel=compresslevel or self.compresslevel,
        )


def _save(workbook, path: Path, date: datetime) -> None:
    """openpyxl's ``save_workbook`` with fixed dates: the document's (``date``) and the archive's."""
    from openpyxl.writer.excel import ExcelWriter

    workbook.properties.creator = "Kerjasama"
    workbook.properties.created = workbook.properties.modified = date
    ExcelWriter(workbook, _FixedTimeZip(path, "w", zipfile.ZIP_DEFLATED, allowZip64=True)).save()
