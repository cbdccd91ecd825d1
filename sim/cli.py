"""The ``kerjasama`` command line.

    kerjasama run SCENARIO [--seed N] [--steps N] [--villages N] [--set KEY=VALUE ...] [--out DIR]
    kerjasama demo [--out DIR] [--workers N]
    kerjasama sweep FILE [--workers N] [--scheduler tcp://HOST:PORT] [--out DIR] [--resume] [--quick]
    kerjasama report DIR
    kerjasama scenarios
    kerjasama check FILE
    kerjasama validate [--quick] [--markdown] [--patterns]
    kerjasama explore [SCENARIO] [--host 127.0.0.1] [--port 8765]   (needs the explore extra)

Input a person can fix (unknown key, wrong type, out-of-range value, missing
file, malformed TOML, bad ``--set``) gives one line on stderr naming the file and
key and what is allowed, exit code 2, and nothing written.
"""

from __future__ import annotations

import argparse
import atexit
import functools
import math
import os
import sys
import threading
import warnings
from pathlib import Path
from typing import NoReturn

from sim.classic.scenario import is_spatial_game
from sim.i18n import N_
from sim.scenario import (
    ScenarioError,
    available_scenarios,
    check_scenario,
    load_scenario,
    parse_value,
    read_toml,
    scenario_path,
)

EXIT_USAGE = 2
LANG_HELP = "language of the texts: en (default) or id, Bahasa Indonesia (needs kerjasama[lang])"
REPORT_LANG_HELP = (
    "language(s) of the report: en (default), id (Bahasa Indonesia, needs kerjasama[lang]) or both, en,id; "
    "English goes in the folder, another language in its subfolder (id/)"
)
_SHOW_WARNING = warnings.showwarning  # Python's own, for every other warning
_WARNINGS: list[str] = []
DEFAULT_SEED = 42


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2
        self.exit(EXIT_USAGE, f"kerjasama: error: {message} (see kerjasama --help)\n")


def _seed(text: str) -> int:
    """--seed: a whole number >= 0 (numpy seeds cannot be negative)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid int value: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {value}")
    return value


def _count(key: str):
    """--steps / --villages: a whole number in the range the schema allows for ``key``, so a bad
    value is named by its flag (checked against sim.scenario.schema, the one source of ranges)."""

    def parse(text: str) -> int:
        from sim.scenario.schema import parameter

        declared = parameter(key)
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"invalid int value: {text!r}") from None
        if not declared.lo <= value <= declared.hi:
            raise argparse.ArgumentTypeError(
                f"must be a whole number in [{declared.lo:g}, {declared.hi:g}] ({key}), got {value}"
            )
        return value

    return parse


def _folder(text: str) -> str:
    """--out: a folder; an empty one would silently mean the default."""
    if not text.strip():
        raise argparse.ArgumentTypeError("empty; give a folder, or leave --out out for the default")
    return text


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid int value: {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"must be a port number 0-65535, got {value}")
    return value


def _parse_sets(items: list[str]) -> dict:
    overrides = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ScenarioError(f"--set: expected KEY=VALUE (e.g. forms.formal.enforcement=0.9), got {item!r}")
        overrides[key.strip()] = parse_value(value.strip())
    return overrides


def _fmt(value) -> str:
    from sim.io import format_value

    return format_value(value, 3)


# The console's short names of measures whose registry label would not fit its one line per
# group (the registry's label after each); every other measure it names is named by the registry.
CONSOLE_NAMES = {
    "welfare.food_insecurity_rate": N_("food insecure"),  # food-insecurity rate
    "welfare.gini": N_("Gini"),  # Gini of consumption
    "resilience.resistance": N_("resistance"),  # resistance to the shock
    "resilience.recovery_steps": N_("recovery"),  # recovery time
    "resilience.loss": N_("loss"),  # welfare loss after the shock
    "resilience.robustness": N_("robustness"),  # robustness to the shock
    "resilience.cvar5": N_("CVaR5"),  # worst-5 % consumption (CVaR 5 %)
}
# The console summary's texts (English; ``kerjasama run --lang`` shows them in its language, sim/i18n.py).
# A group's name is padded to GROUP_WIDTH, so that the values line up under each other.
CONSOLE = {
    "title": N_("Scenario {scenario}  (seed {seed}, {villages} villages, {steps} steps)"),
    "welfare": N_("welfare"),
    "efficiency": N_("efficiency"),
    "cooperation": N_("cooperation"),
    "resilience": N_("resilience"),
    "poverty_lines": N_("{amount} poverty lines"),
    "poverty_lines_money": N_("{amount} poverty lines ({money} per household)"),
    "per_year": N_("{amount} poverty lines per year"),
    "per_year_money": N_("{amount} poverty lines per year ({money} per household)"),
    "participation": N_("participation: {domains}"),
    "partnerships": N_("partnerships (mean number active): {forms}"),
    "not_recovered": N_("not recovered"),
    "recovery_steps": N_("{steps} steps"),
    "no_shock": N_("no scheduled shock | {cvar}"),
    "cvar": N_("{name} of consumption {value}"),
    "every_step": N_("averages over every step, 0-{last}: the run is not longer than its burn-in of {burn_in} steps"),
    "after_burn_in": N_("averages over steps {first}-{last}, after a burn-in of {burn_in} steps"),
    "wrote_figures": N_("Wrote {out}/summary.json, timeseries.csv, manifest.json and figures/"),
    "wrote": N_("Wrote {out}/summary.json, timeseries.csv and manifest.json (add --figures for figures/)"),
}
GROUP_WIDTH = 13


def _name(key: str, lang=None) -> str:
    """What the console calls a summary key: its short name, else its label in the output registry."""
    from sim.outputs import measure_info

    if lang is not None and lang.code != "en":
        return lang.gettext(CONSOLE_NAMES[key]) if key in CONSOLE_NAMES else lang.label("measure", key)
    return CONSOLE_NAMES.get(key) or measure_info(key).label


def _named(key: str, summary: dict, lang=None) -> str:
    """A measure by name, with its value: "mean trust 0.638"."""
    return f"{_name(key, lang)} {_shown(summary[key], lang)}"


def _shown(value, lang=None) -> str:
    """A summary value in the console's language (English: ``_fmt``)."""
    text = _fmt(value)
    return text if lang is None or lang.code == "en" else lang.localize(lang.gettext(text))


def print_summary(
    summary: dict,
    out: Path | None = None,
    burn_in: int | None = None,
    figures: bool = True,
    lang=None,
    currency: tuple[str, float] | None = None,
) -> None:
    """A short, readable summary of one run (``burn_in``: the scenario's, to say which steps
    the means average over; ``figures``: whether the folder ``out`` holds figures/), in the
    language ``lang`` (a ``sim.i18n.Language``; default English). ``currency``: the scenario's
    ``economy.currency`` and ``poverty_line``; when the currency is an ISO code ("IDR million")
    money also reads in it ("IDR 7.2 million per household")."""
    from sim.domains import DOMAIN_NAMES
    from sim.i18n import is_currency, language

    lang = lang or language("en")
    t = lang.gettext

    # the groups' names padded to one width (English: GROUP_WIDTH), so that the values line up
    width = max(GROUP_WIDTH, *(len(t(CONSOLE[k])) + 2 for k in ("welfare", "efficiency", "cooperation", "resilience")))

    def group(key: str, text: str) -> str:
        return f"  {t(CONSOLE[key]):<{width}}{text}"

    def money(key: str, template: str) -> str:
        amount = _named(key, summary, lang)
        if currency and is_currency(currency[0]) and summary[key] is not None:
            in_currency = lang.money(summary[key] * currency[1], currency[0])
            return t(CONSOLE[f"{template}_money"]).format(amount=amount, money=in_currency)
        return t(CONSOLE[template]).format(amount=amount)

    def form(key: str) -> str:
        name = key.rsplit(".", 1)[1]
        shown = name.replace("_", "-") if lang.code == "en" else lang.label("form", name)
        return f"{shown} {lang.localize(f'{summary[key]:.1f}')}"

    welfare = ("welfare.poverty_rate", "welfare.food_insecurity_rate", "welfare.gini")
    forms = [key for key in summary if key.startswith("cooperation.partnerships.")]
    domains = ", ".join(
        f"{lang.label('domain', d)} {_shown(summary[f'cooperation.participation.{d}'], lang)}" for d in DOMAIN_NAMES
    )
    rates = ("cooperation.contribution_rate", "cooperation.mean_trust")
    lines = [
        t(CONSOLE["title"]).format(
            scenario=summary["scenario"], seed=summary["seed"], villages=summary["n_villages"], steps=summary["steps"]
        ),
        group("welfare", money("welfare.mean_consumption", "poverty_lines") + " | ")
        + " | ".join(_named(key, summary, lang) for key in welfare),
        group("efficiency", money("efficiency.service_cost_per_household", "per_year")),
        group("cooperation", t(CONSOLE["participation"]).format(domains=domains)),
        " " * (width + 2) + t(CONSOLE["partnerships"]).format(forms=", ".join(form(key) for key in forms)),
        " " * (width + 2) + " | ".join(_named(key, summary, lang) for key in rates),
    ]
    if summary.get("resilience.resistance") is not None:
        recovery = summary["resilience.recovery_steps"]
        recovered = (
            t(CONSOLE["not_recovered"]) if recovery is None else t(CONSOLE["recovery_steps"]).format(steps=recovery)
        )
        lines.append(
            group("resilience", f"{_named('resilience.resistance', summary, lang)} | ")
            + f"{_name('resilience.recovery_steps', lang)} {recovered} | "
            + " | ".join(_named(f"resilience.{key}", summary, lang) for key in ("loss", "robustness", "cvar5"))
        )
    else:
        cvar = t(CONSOLE["cvar"]).format(
            name=_name("resilience.cvar5", lang), value=_shown(summary["resilience.cvar5"], lang)
        )
        lines.append(group("resilience", t(CONSOLE["no_shock"]).format(cvar=cvar)))
    english = lang.code == "en"  # English: the notes as sim.outputs and sim.io write them
    if burn_in is not None:
        from sim.outputs import averaged_steps, averaging_note

        first, last = averaged_steps(summary["steps"], burn_in)
        note = t(CONSOLE["every_step"] if first == 0 else CONSOLE["after_burn_in"])
        shown = (
            averaging_note(summary["steps"], burn_in)
            if english
            else note.format(first=first, last=last, burn_in=burn_in)
        )
        lines.append(f"  ({shown})")
    if out is not None:
        from sim.io import wrote_run_folder

        written = t(CONSOLE["wrote_figures" if figures else "wrote"]).format(out=out)
        lines += wrote_run_folder(out, figures) if english else [written]
    print("\n".join(lines))


def _refuse_other_name(name: str) -> None:
    """An experiment's or a calibration's name where a scenario belongs (run, check): say which
    command runs it."""
    from sim.scenario.files import CALIBRATION_DIR, EXPERIMENT_DIR

    text = str(name).removesuffix(".toml")
    if text in available_scenarios() or Path(name).exists():
        return
    for folder, kind, command in (
        (EXPERIMENT_DIR, "an experiment", "sweep"),
        (CALIBRATION_DIR, "a calibration", "calibrate"),
    ):
        if (folder / f"{text}.toml").is_file():
            raise ScenarioError(f"{name}: this is {kind}: use `kerjasama {command} {name}`")


def cmd_run(args: argparse.Namespace) -> int:
    _refuse_other_name(args.scenario)
    overrides = _parse_sets(args.set or [])
    if args.posterior:  # free parameters drawn from a calibration's posterior: sim/calibrate/posterior.py
        from sim.calibrate.posterior import posterior_overrides

        overrides = posterior_overrides(args.posterior, args.seed, overrides, quiet=args.quiet)
    if is_spatial_game(args.scenario):  # scenarios/classic/: the classic games (sim/classic/)
        return _run_classic(args, overrides)
    if args.villages is not None:
        overrides["n_villages"] = args.villages
    if args.steps is not None:
        overrides["steps"] = args.steps
    scenario = load_scenario(args.scenario, overrides)  # validates everything before any work
    out = Path(args.out) if args.out else default_run_folder(scenario, args.seed)
    _check_writable(out)
    write_run(scenario, args.seed, out, quiet=args.quiet, figures=args.figures, lang=args.lang)
    return 0


def default_run_folder(scenario, seed: int) -> Path:
    """Where ``kerjasama run`` writes without --out: one folder per scenario file and seed.
    A shipped scenario (in scenarios/) by its name, ``results/default-seed42``; any other file
    by its name and a short hash of its absolute path, so two files never share a folder."""
    import hashlib

    from sim.scenario.files import SCENARIO_DIR

    source = Path(scenario.source).resolve()
    if source.is_relative_to(SCENARIO_DIR):
        return Path("results") / f"{scenario.name}-seed{seed}"
    tag = hashlib.sha256(str(source).encode()).hexdigest()[:8]
    return Path("results") / f"{scenario.name}-{tag}-seed{seed}"


def _run_classic(args: argparse.Namespace, overrides: dict) -> int:
    from sim import classic

    if args.villages is not None:
        raise ScenarioError("--villages: a spatial_game scenario has no villages; use --set lattice.size=N")
    if args.steps is not None:
        overrides["steps"] = args.steps
    scenario = classic.load_classic(args.scenario, overrides)  # validates everything before any work
    out = Path(args.out) if args.out else default_run_folder(scenario, args.seed)
    _check_writable(out)
    classic.write_run(scenario, args.seed, out, quiet=args.quiet, figures=args.figures)
    return 0


def _check_writable(out: Path) -> None:
    """An unwritable --out is one line before any work (``io.check_writable``)."""
    from sim import io

    io.check_writable(out)


def write_run(scenario, seed: int, out: Path, quiet: bool = False, figures: bool = False, lang: str = "en") -> dict:
    """Run a scenario and write its results folder atomically, with its figures when ``figures``
    (drawing them costs more than a default run, and imports matplotlib: hence opt-in); the
    console summary and the figures' texts in the language ``lang`` ("en", "id")."""
    from sim import io
    from sim.i18n import language
    from sim.model import VillageModel

    shown = language(lang)  # an unknown language or a missing extra: one line, before the run
    started = io.now()
    model = VillageModel(scenario, rng=seed)
    model.run()
    summary = model.summary()
    finished = io.now()
    draw = None
    if figures:
        from sim import plots

        draw = plots.run_figures if shown.code == "en" else functools.partial(plots.run_figures, lang=shown)
    io.write_run_folder(model, summary, out, started, finished, draw)
    if not quiet:
        economy = scenario.params["economy"]
        print_summary(
            summary,
            out,
            burn_in=scenario.params["run"]["burn_in"],
            figures=figures,
            lang=shown,
            currency=(economy["currency"], economy["poverty_line"]),
        )
    return summary


def _report_languages(text: str) -> tuple[str, ...]:
    """``--lang`` of a report: one code or several, comma-separated ("en,id"), each checked
    (an unknown code or a missing extra is a one-line error, before any work)."""
    from sim.i18n import language

    codes = tuple(dict.fromkeys(code.strip() for code in str(text).split(",") if code.strip())) or ("en",)
    for code in codes:
        language(code)
    return codes


def cmd_demo(args: argparse.Namespace) -> int:
    langs = _report_languages(args.lang)
    from sim.sweep.orchestrate import run_demo

    out = run_demo(args.out, workers=args.workers, langs=langs)
    _print_report_pointer(out, langs)
    return 0


POINTER = {  # what a sweep, demo or report command prints about the folder it wrote
    "wrote": N_("Wrote {folder}/runs.parquet, timeseries/, manifest.json"),
    "brief": N_("Brief: {where}/brief.md and {where}/brief.html (one page; the report opens with it)"),
    "report": N_("Report: {where}/report.md and {where}/report.html (figures in {where}/figures/)"),
}


def _print_report_pointer(folder: Path, langs: tuple[str, ...] = ("en",), sweep: bool = True) -> None:
    """Where the results and each language's brief and report are, in the first language asked
    for, then the brief's answer (``sweep``: also the run table; a report command has none new)."""
    from sim.i18n import language

    t = language(langs[0]).gettext
    if sweep:
        print(t(POINTER["wrote"]).format(folder=folder))
    for code in langs:  # English at the top of the folder, another language in its subfolder
        where = folder if code == "en" else folder / code
        if (where / "brief.md").exists():
            print(t(POINTER["brief"]).format(where=where))
        print(t(POINTER["report"]).format(where=where))
    readings = _headline(folder if langs[0] == "en" else folder / langs[0])
    if readings:
        print("\n".join(readings))


def _headline(folder: Path) -> list[str]:
    """For the terminal: the brief's answer (its three sentences), or for a report without a
    brief its first six readings of a difference; none when no report was written."""
    brief = folder / "brief.md"
    if brief.exists():
        from sim.report.brief import answer_of

        return answer_of(brief.read_text(encoding="utf-8"))
    from sim.report.experiment import differences
    from sim.report.wording import reading

    if not (folder / "report.md").exists():
        return []
    return [reading(d) for d in differences(folder) if math.isfinite(d.estimate)][:6]


def cmd_sweep(args: argparse.Namespace) -> int:
    from sim.sweep.design import load_experiment

    load_experiment(args.file, quick=args.quick)  # a bad file: one line, before the slow imports
    langs = _report_languages(args.lang)
    from sim.sweep.orchestrate import run_sweep
    from sim.sweep.runner import Execution, check_execution

    check_execution(args.workers, args.scheduler)
    try:
        folder = run_sweep(
            args.file,
            execution=Execution(workers=args.workers, scheduler=args.scheduler),
            out=args.out,
            resume=args.resume,
            quick=args.quick,
            langs=langs,
        )
    except KeyboardInterrupt:
        print(
            "kerjasama: interrupted; the runs finished so far are stored - rerun with --resume to continue",
            file=sys.stderr,
        )
        return 130
    _print_report_pointer(folder, langs)
    return _report_failed_runs(folder)


def _report_failed_runs(folder: Path) -> int:
    """1, with one line, when runs failed (their worker process died repeatedly); else 0."""
    import json

    failed = json.loads((Path(folder) / "manifest.json").read_text()).get("failed") or {}
    if not failed:
        return 0
    print(
        f"kerjasama: {len(failed)} run(s) failed (their worker process died repeatedly; see manifest.json"
        ' "failed"); rerun with --resume to try them again',
        file=sys.stderr,
    )
    return 1


def cmd_report(args: argparse.Namespace) -> int:
    folder = Path(args.folder)
    if not folder.exists():
        raise ScenarioError(f"{folder}: does not exist (give a folder written by `kerjasama sweep`)")
    if not (folder / "manifest.json").exists() or not (folder / "runs.parquet").exists():
        raise ScenarioError(f"{folder}: not a sweep results folder (needs manifest.json and runs.parquet)")
    langs = _report_languages(args.lang)
    from sim.report import write_reports
    from sim.sweep.lock import FolderLock

    with FolderLock(folder) as lock:  # not while a sweep writes the folder, nor two reports at once
        if lock.note:
            print(lock.note, file=sys.stderr)
        write_reports(folder, langs=langs)
    _print_report_pointer(folder, langs, sweep=False)
    return 0


def cmd_scenarios(args: argparse.Namespace) -> int:
    names = available_scenarios()
    width = max(len(n) for n in names)
    for name in names:
        try:
            description = read_toml(scenario_path(name)).get("description", "")
        except ScenarioError as exc:
            description = f"(unreadable: {exc})"
        print(f"{name:<{width}}  {description}")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    _refuse_other_name(args.file)
    if is_spatial_game(args.file):
        from sim import classic

        print(classic.describe(classic.load_classic(args.file)))
        return 0
    scenario = check_scenario(args.file)
    p = scenario.params
    print(
        f"{scenario.source}: OK - scenario {scenario.name!r}: {p['landscape']['n_villages']} villages, "
        f"{p['run']['steps']} steps, forms {p['cooperation']['forms'] or 'none (autarky)'}, "
        f"{len(p['shocks']['scheduled'])} scheduled shock(s)"
    )
    return 0


def _listen_advice(error: OSError) -> str:
    """What to do when the explorer cannot listen: another port when the port is taken, else another host."""
    import errno

    if error.errno in (errno.EADDRINUSE, errno.EACCES):
        return "choose another --port (0 = any free port)"
    return "choose another --host: an address of this machine (127.0.0.1: this machine only; 0.0.0.0: every network)"


def cmd_explore(args: argparse.Namespace) -> int:
    check_scenario(args.scenario)  # a bad name or file: one line, exit 2, before the slow imports
    from sim.i18n import language

    language(args.lang)  # an unknown language or a missing extra: one line, exit 2
    if args.port:
        import socket

        with socket.socket(socket.AF_INET6 if ":" in args.host else socket.AF_INET) as probe:
            try:
                probe.bind((args.host, args.port))
            except OSError as exc:
                raise ScenarioError(
                    f"--host {args.host} --port {args.port}: cannot listen there ({exc.strerror or exc}); "
                    + _listen_advice(exc)
                ) from None
    try:
        import sim.app  # lazy: mesa.visualization and Solara take seconds to import
    except ImportError as exc:
        missing = getattr(exc, "name", None) or exc
        print(
            f"kerjasama: error: explore needs the optional extra (missing {missing}): pip install 'kerjasama[explore]'",
            file=sys.stderr,
        )
        return EXIT_USAGE
    return sim.app.serve(args.scenario, host=args.host, port=args.port, lang=args.lang)


def cmd_validate(args: argparse.Namespace) -> int:
    if args.patterns:  # the empirical pattern suite (docs/validation.md, "Empirical patterns")
        from sim.validation import patterns

        return patterns.main(quick=args.quick, markdown=args.markdown)
    from sim import validation

    rows = validation.run_suite(quick=args.quick, progress=not args.markdown)
    print(validation.markdown_table(rows) if args.markdown else validation.text_table(rows))
    return 0 if all(row.passed for row in rows) else 1


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="kerjasama", description="Simulate cooperation between villages.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    run = sub.add_parser("run", help="run one scenario and write its results (and, with --figures, its figures)")
    run.add_argument("scenario", help="scenario name (see `kerjasama scenarios`) or path to a .toml file")
    run.add_argument("--seed", type=_seed, default=DEFAULT_SEED, help=f"random seed, >= 0 (default {DEFAULT_SEED})")
    run.add_argument("--steps", type=_count("run.steps"), help="horizon in steps (overrides run.steps)")
    run.add_argument(
        "--villages", type=_count("landscape.n_villages"), help="number of villages (overrides landscape.n_villages)"
    )
    run.add_argument(
        "--set", action="append", metavar="KEY=VALUE", help="override a scenario key, e.g. forms.formal.enforcement=0.9"
    )
    run.add_argument("--out", type=_folder, help="results folder (default results/SCENARIO-seedN; see README, Outputs)")
    run.add_argument(
        "--figures", action="store_true", help="also draw the run's figures into OUT/figures/ (about 1 s more)"
    )
    run.add_argument("--quiet", action="store_true", help="print nothing on success")
    run.add_argument(
        "--posterior",
        metavar="FILE",
        help="draw free parameters from a posterior.parquet of `kerjasama calibrate` (seeded by --seed)",
    )
    run.add_argument("--lang", default="en", help=LANG_HELP)
    run.set_defaults(func=cmd_run)
    demo = sub.add_parser("demo", help="the main job: the quick partnership-forms comparison, with its report")
    demo.add_argument(
        "--out",
        type=_folder,
        default="results/partnership_forms",
        help="results folder (default results/partnership_forms)",
    )
    demo.add_argument("--workers", type=int, help="local worker processes (default: all cores)")
    demo.add_argument("--lang", default="en", help=REPORT_LANG_HELP)
    demo.set_defaults(func=cmd_demo)
    sweep = sub.add_parser("sweep", help="run an experiment (experiments/*.toml): sweeps, comparisons, sensitivity")
    sweep.add_argument("file", help="experiment name (see experiments/) or path to a .toml file")
    sweep.add_argument("--workers", type=int, help="local worker processes (default: all cores; 1 = in this process)")
    sweep.add_argument("--scheduler", metavar="tcp://HOST:PORT", help="run on this Dask cluster instead")
    sweep.add_argument("--out", type=_folder, help="results folder (default results/<experiment name>)")
    sweep.add_argument(
        "--resume", action="store_true", help="continue an interrupted sweep in --out, skipping stored runs"
    )
    sweep.add_argument("--quick", action="store_true", help="use the experiment's [quick] settings")
    sweep.add_argument("--lang", default="en", help=REPORT_LANG_HELP)
    sweep.set_defaults(func=cmd_sweep)
    report = sub.add_parser("report", help="(re)write the report of a sweep results folder")
    report.add_argument("folder", help="a folder written by `kerjasama sweep`")
    report.add_argument("--lang", default="en", help=REPORT_LANG_HELP)
    report.set_defaults(func=cmd_report)
    scen = sub.add_parser("scenarios", help="list the scenarios with a one-line description")
    scen.set_defaults(func=cmd_scenarios)
    check = sub.add_parser("check", help="validate a scenario file")
    check.add_argument("file", help="scenario name or path")
    check.set_defaults(func=cmd_check)
    val = sub.add_parser(
        "validate", help="reproduce the reference results (docs/validation.md); exit 0 only when all pass"
    )
    val.add_argument("--quick", action="store_true", help="smaller lattices and fewer replicas (for CI, < 1 minute)")
    val.add_argument("--markdown", action="store_true", help="print the table in Markdown (for docs/validation.md)")
    val.add_argument(
        "--patterns", action="store_true", help="run the empirical pattern suite instead (docs/validation.md)"
    )
    val.set_defaults(func=cmd_validate)
    explore = sub.add_parser(
        "explore", help="serve the interactive explorer; open the address it prints (needs kerjasama[explore])"
    )
    explore.add_argument("scenario", nargs="?", default="default", help="scenario name or path (default: default)")
    explore.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)")
    explore.add_argument("--port", type=_port, default=8765, help="port (default 8765; 0 = any free port)")
    explore.add_argument("--lang", default="en", help=LANG_HELP)
    explore.set_defaults(func=cmd_explore)
    from sim.calibrate.cli import add_parser as add_calibrate  # kerjasama calibrate: sim/calibrate/cli.py

    add_calibrate(sub)
    return parser


def _one_line_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """Warnings about a user's input (ScenarioWarning) are kept, once each, and printed as one
    line each when the command has done its work; an error instead stays the only line."""
    from sim.scenario import ScenarioWarning

    if issubclass(category, ScenarioWarning):
        if str(message) not in _WARNINGS:  # a scenario is loaded more than once (the model re-checks it)
            _WARNINGS.append(str(message))
    else:
        _SHOW_WARNING(message, category, filename, lineno, file, line)


def _print_warnings() -> None:
    for message in _WARNINGS:
        print(f"kerjasama: warning: {message}", file=sys.stderr)
    _WARNINGS.clear()


def main(argv: list[str] | None = None) -> int:
    warnings.showwarning = _one_line_warning
    given = sys.argv[1:] if argv is None else [str(a) for a in argv]
    if given and given[0].startswith("-") and given[0] not in ("-h", "--help", "--version"):
        # argparse would read the option's value as the command ("invalid choice: 'fr'")
        print(
            f"kerjasama: error: {given[0]}: not an option of kerjasama itself; options go after the command "
            "(kerjasama COMMAND --help lists them)",
            file=sys.stderr,
        )
        return EXIT_USAGE
    args = build_parser().parse_args(argv)
    _WARNINGS.clear()
    try:
        status = args.func(args)
    except ScenarioError as exc:
        print(f"kerjasama: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # output piped into e.g. `head`
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        print("kerjasama: interrupted; nothing was written", file=sys.stderr)
        return 130
    _print_warnings()
    return status


def entry(argv: list[str] | None = None) -> NoReturn:
    """The ``kerjasama`` command (and ``python -m sim``): :func:`main`, then the end of the process.

    Python's own teardown of NumPy, numba, Mesa and pandas takes 0.2-0.5 s after every command
    (measured on the machine of ``benchmarks/bench_cli.py --startup``) and does nothing a
    finished command needs: every result is already written and closed (atomically). So once
    ``main`` has returned, the exit handlers run (worker pools, Dask, logging), the output is
    flushed, and the process ends at once with ``main``'s status. While another thread is still
    running, or when ``main`` raised, Python ends the process its usual way."""
    status = main(argv)
    if threading.active_count() > 1:
        raise SystemExit(status)
    atexit._run_exitfuncs()  # what a normal exit runs first
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (BrokenPipeError, ValueError):  # output piped into e.g. `head`, or already closed
        pass
    os._exit(status)


if __name__ == "__main__":
    entry()
