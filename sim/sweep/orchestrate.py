"""A sweep from start to finish: design -> runner -> store -> report."""

from __future__ import annotations

import os
import platform
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from sim import io
from sim.scenario import check_scenario
from sim.sweep.design import load_experiment
from sim.sweep.experiment import Experiment
from sim.sweep.runner import Execution, Progress, check_execution, make_executor, terminate_as_interrupt
from sim.sweep.store import ResultStore


def default_out(exp: Experiment) -> Path:
    return Path("results") / exp.name


def _manifest(exp: Experiment, executor_name: str, started: str, previous: dict[str, Any] | None) -> dict[str, Any]:
    base = check_scenario(exp.scenario, exp.common)
    return {
        "kind": "kerjasama sweep",
        "experiment": {**exp.describe(), "scenario_file": io.portable_path(exp.scenario)},
        "experiment_file": io.portable_path(exp.source),
        "experiment_sha256": exp.sha256,
        "experiment_text": exp.text,
        "quick": exp.quick,
        "base_scenario": {"name": base.name, "file": io.portable_path(base.source), "parameters": base.flat()},
        "versions": io.package_versions(),
        "git_commit": io.git_commit(),
        "code_sha256": io.code_sha256(),  # the model's source (sim/**/*.py): --resume needs the same
        "python": sys.version,
        "platform": platform.platform(),
        "executor": executor_name,
        "started": (previous or {}).get("started", started),
        "resumed": [*(previous or {}).get("resumed", []), *([started] if previous else [])],
        "finished": None,
        "status": "running",
    }


def run_sweep(
    experiment: str | Path,
    *,
    execution: Execution | None = None,
    out: str | Path | None = None,
    resume: bool = False,
    quick: bool = False,
    report: bool = True,
    progress: bool = True,
    beside: Path | None = None,
    langs: tuple[str, ...] = ("en",),
) -> Path:
    """Run (or resume) an experiment where ``execution`` says (default: all local cores);
    every finished run is stored at once. Returns the folder. The folder is locked for the
    whole sweep (another sweep on it is refused) and unlocked however the sweep ends.
    ``beside``: where the report looks for the results of the experiment that explains
    this one (``explained_by``); default the folder's parent. ``langs``: the report's
    languages (``sim.report.write_reports``: English at the top, another in its subfolder)."""
    exp = load_experiment(experiment, quick=quick)
    folder = Path(out) if out else default_out(exp)
    store = ResultStore(folder)
    base_parameters = check_scenario(exp.scenario, exp.common).flat()
    with terminate_as_interrupt(), store.lock() as lock:
        if lock.note:
            print(f"kerjasama: {lock.note}", file=sys.stderr)
        posterior = exp.posterior.sha256 if exp.posterior is not None else None
        store.check(exp.sha256, quick, resume, base_parameters, io.code_sha256(), posterior)
        execution = execution or Execution()
        executor = make_executor(execution.workers, execution.scheduler)  # checked before anything is written
        _sweep(exp, store, executor, resume, progress)
        if report:
            if progress:  # several seconds of tables and figures: say so
                print(f"Writing the report ({folder}/report.md, report.html, figures/)...", file=sys.stderr, flush=True)
            from sim.report import write_reports

            write_reports(folder, beside=beside, langs=langs)
    return folder


def _sweep(exp: Experiment, store: ResultStore, executor, resume: bool, progress: bool) -> None:
    """Store every run still to do, then the consolidated tables and the final manifest."""
    try:
        started = io.now().isoformat(timespec="seconds")
        manifest = _manifest(exp, executor.name, started, store.manifest() if resume else None)
        store.write_manifest(manifest)  # first: a folder with a manifest can always be resumed
        store.open()
        specs = exp.runs()
        for note in store.verify(specs):  # a damaged or duplicate stored run is set aside and redone
            print(f"kerjasama: {note}", file=sys.stderr)
        done = store.done()
        todo = [spec for spec in specs if spec.run_id not in done]
        manifest["runs"] = {"total": len(specs), "stored_before": len(done), "to_run": len(todo)}
        store.write_manifest(manifest)
    except BaseException:
        executor.close()
        raise
    bar = Progress(len(specs), len(specs) - len(todo)) if progress else None
    try:
        for result in executor.run(todo):
            store.save(result)
            if bar is not None:
                bar.update()
    finally:
        executor.close()
        if bar is not None:
            bar.close()
    runs = store.consolidate()
    manifest["runs"]["stored"] = len(runs)
    manifest["failed"] = dict(getattr(executor, "failed", {}))  # run id -> why (its worker kept dying)
    manifest["finished"] = io.now().isoformat(timespec="seconds")
    manifest["status"] = "complete" if len(runs) == len(specs) else "incomplete"
    store.write_manifest(manifest)


def run_demo(
    out: str | Path = "results/partnership_forms", workers: int | None = None, langs: tuple[str, ...] = ("en",)
) -> Path:
    """The main job: the quick partnership-forms comparison with its report. It is
    built in a temporary folder that then replaces ``out``, so an interrupted demo
    leaves the previous results intact."""
    check_execution(workers, None)  # refuse early, before any work or folder
    target = Path(out).resolve()
    io.check_replaceable(target)
    io.check_writable(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent))
    os.chmod(staging, io.file_mode() | 0o111)  # a normal folder once renamed into place
    try:
        run_sweep(
            "partnership_forms",
            execution=Execution(workers=workers),
            out=staging / "r",
            quick=True,
            beside=target.parent,
            langs=langs,
        )
        io.replace_directory(staging / "r", target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target
