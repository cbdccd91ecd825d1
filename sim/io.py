"""Writing results: atomic files and directories, and run manifests (provenance)."""

from __future__ import annotations

import hashlib
import json
import math
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from sim.scenario import ScenarioError

REPO_ROOT = Path(__file__).resolve().parent.parent


def to_json(value: Any) -> Any:
    """Make a value JSON-safe: numpy scalars to Python, NaN/inf to None."""
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def format_value(value: Any, digits: int = 3) -> str:
    """A summary value for people: n/a for missing, yes/no for booleans, ``digits`` decimals."""
    if value is None:
        return "n/a"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def write_json(path: Path, data: Any) -> None:
    """Write JSON atomically (temporary name in the same folder, then rename)."""
    write_text(path, json.dumps(to_json(data), indent=2, sort_keys=False) + "\n")


def file_mode() -> int:
    """Permissions of a new results file: what the umask allows (mkstemp makes them private)."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


# The name of a file being written: ".<final name>.<8 random characters>.tmp" (tempfile.mkstemp), beside it
TEMPORARY_NAME = re.compile(r"\..+\.[a-z0-9_]{8}\.tmp")


def is_temporary(name: str) -> bool:
    """Is ``name`` one of the temporary names of :func:`write_atomically` (or of the probe of
    :func:`check_writable`)? Such a file outlives its write only if the writer was killed."""
    return TEMPORARY_NAME.fullmatch(name) is not None


def write_atomically(path: Path, write) -> None:
    """Write the file ``path`` through ``write(temporary_path)``, a sibling that is synced and
    then renamed into place: a reader sees the old file or the whole new one, never a part."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        os.chmod(tmp, file_mode())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@contextmanager
def signals_held():
    """Ctrl-C and SIGTERM wait until the block ends, then take effect as they would have.
    For writes that a signal must not cut in the middle: a KeyboardInterrupt raised inside
    pyarrow's Parquet writer can be swallowed by the writer's clean-up ("Exception ignored in
    ParquetWriter.__del__"), so the sweep would neither stop nor say it was interrupted.
    Only the main thread receives signals; elsewhere this does nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    arrived: list[int] = []
    held = (signal.SIGINT, signal.SIGTERM)
    previous = {signum: signal.signal(signum, lambda signum, frame: arrived.append(signum)) for signum in held}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        for signum in dict.fromkeys(arrived):  # each signal once, in the order they came
            handler = previous[signum]
            if callable(handler):
                handler(signum, None)  # e.g. signal.default_int_handler raises KeyboardInterrupt
            elif handler == signal.SIG_DFL:
                os.kill(os.getpid(), signum)


def write_text(path: Path, text: str) -> None:
    """Write text atomically (see write_atomically)."""
    write_atomically(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def portable_path(path: str | Path | None) -> str | None:
    """A file as a manifest records it: its path relative to the repository when it lies inside
    it, else just its name, so that a manifest names no folder of the machine it was made on."""
    if path is None or str(path) == "":
        return path
    resolved = Path(path).resolve()
    try:
        return resolved.relative_to(REPO_ROOT).as_posix()
    except ValueError:
        return resolved.name


def portable_command(argv: list[str]) -> list[str]:
    """The command line as a manifest records it: the program by its name, and every
    absolute path among the arguments (also as ``--opt=/path``) made portable."""

    def portable(arg: str) -> str:
        option, equals, value = arg.partition("=")
        if equals and option.startswith("-") and os.path.isabs(value):
            return f"{option}={portable_path(value)}"
        return portable_path(arg) if os.path.isabs(arg) else arg

    return [Path(argv[0]).name if argv else "", *(portable(arg) for arg in argv[1:])]


def write_run_folder(
    model, summary: dict, out: Path, started: datetime, finished: datetime, figures, manifest_extra: dict | None = None
) -> None:
    """One run's results folder, written atomically: summary.json, timeseries.csv,
    manifest.json (plus the keys of ``manifest_extra``) and, unless ``figures`` is None,
    ``figures(model, summary, folder)``."""
    with atomic_directory(out) as staging:
        write_json(staging / "summary.json", summary)
        model.timeseries().to_csv(staging / "timeseries.csv", index=False)
        write_json(staging / "manifest.json", {**run_manifest(model, started, finished), **(manifest_extra or {})})
        if figures is not None:
            figures(model, summary, staging / "figures")


def wrote_run_folder(out: Path, figures: bool) -> list[str]:
    """What ``kerjasama run`` says it wrote into ``out`` (and how to get the figures it did not draw)."""
    if figures:
        return [f"Wrote {out}/summary.json, timeseries.csv, manifest.json and figures/"]
    return [f"Wrote {out}/summary.json, timeseries.csv and manifest.json (add --figures for figures/)"]


def check_replaceable(target: Path) -> None:
    """A results folder may only replace an empty folder or one Kerjasama wrote
    (its manifest.json says so); anything else is refused, never deleted."""
    target = Path(target)
    if not target.exists():
        return
    if not target.is_dir():
        raise ScenarioError(f"{target}: exists and is not a folder; choose another --out")
    if not any(target.iterdir()):
        return
    manifest = target / "manifest.json"
    try:
        kind = json.loads(manifest.read_text()).get("kind", "")
    except (OSError, ValueError, AttributeError) as exc:
        if manifest.is_file():
            raise ScenarioError(
                f"{manifest}: damaged ({(str(exc).splitlines() or [type(exc).__name__])[0]}), so {target} cannot be "
                "told apart from a folder of yours; refusing to replace it - restore the manifest, move the folder "
                "aside, or choose another --out"
            ) from None
        kind = ""
    if not str(kind).startswith("kerjasama"):
        raise ScenarioError(
            f"{target}: exists and is not a Kerjasama results folder (no manifest.json of ours); "
            "refusing to replace it - choose another --out"
        )


def check_writable(folder: Path) -> None:
    """Refuse, in one line and before any work, a results folder that cannot be created or
    written: the nearest part of its path that exists must be a folder we may write in."""
    folder = Path(folder)
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise ScenarioError(f"{folder}: cannot write there ({existing} is a file, not a folder); choose another --out")
    try:
        fd, probe = tempfile.mkstemp(prefix=".kerjasama-write-test.", suffix=".tmp", dir=existing)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise ScenarioError(
            f"{folder}: cannot write there ({exc.strerror or exc} in {existing}); choose another --out"
        ) from None


def replace_directory(built: Path, target: Path) -> None:
    """Put the finished folder ``built`` at ``target``: one rename, after which an
    earlier Kerjasama result there is removed (see :func:`check_replaceable`)."""
    target = Path(target).resolve()
    check_replaceable(target)
    old = None
    if target.exists():
        old = target.parent / f".{target.name}.old-{os.getpid()}"
        os.replace(target, old)
    os.replace(built, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


@contextmanager
def atomic_directory(target: Path):
    """Build a results folder under a temporary name next to ``target``; on success it
    replaces ``target`` in one rename. On failure nothing is left behind and an
    existing ``target`` is untouched. Only an empty folder or an earlier Kerjasama
    result is ever replaced."""
    target = Path(target).resolve()
    check_replaceable(target)
    check_writable(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent))
    os.chmod(staging, file_mode() | 0o111)  # a normal folder once renamed into place
    try:
        yield staging
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    replace_directory(staging, target)


def git_commit() -> str | None:
    """The repository's current commit, with "-dirty" when code or inputs have local changes
    (changes under results/ do not count: regenerating the committed results must not mark the
    next regeneration dirty), if known."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True, timeout=5, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no", "--", ".", ":(exclude)results"],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=5,
        ).stdout.strip()
        return commit + ("-dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return None


def code_sha256(root: str | Path | None = None) -> str:
    """The model's code identity: SHA-256 over every ``*.py`` below ``root`` (default: this
    package's ``sim/``), sorted by path relative to ``root``, each file's relative path, length
    and bytes hashed. Where the checkout lies and ``__pycache__`` do not count."""
    root = Path(root) if root is not None else Path(__file__).resolve().parent
    sources = sorted(
        (path.relative_to(root).as_posix(), path)
        for path in root.rglob("*.py")
        if "__pycache__" not in path.relative_to(root).parts and path.is_file()
    )
    digest = hashlib.sha256()
    for name, path in sources:
        text = path.read_bytes()
        digest.update(f"{name}\0{len(text)}\0".encode() + text)
    return digest.hexdigest()


def package_versions() -> dict[str, str | None]:
    out: dict[str, str | None] = {"python": platform.python_version()}
    names = ("kerjasama", "mesa", "numpy", "scipy", "pandas", "matplotlib", "networkx", "numba", "llvmlite", "pyarrow")
    for name in names:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def file_sha256(path: str | Path) -> str | None:
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return None


def run_manifest(model, started: datetime, finished: datetime) -> dict[str, Any]:
    """Everything needed to reproduce a run: parameters, seed, versions, commit."""
    scenario = model.scenario
    return {
        "kind": "kerjasama run",
        "scenario": scenario.name,
        "scenario_file": portable_path(scenario.source),
        "scenario_sha256": file_sha256(scenario.source),
        "overrides": scenario.overrides,
        "seed": model.seed,
        "steps": int(model.steps),
        "parameters": scenario.flat(),
        "command": portable_command(sys.argv),
        "versions": package_versions(),
        "git_commit": git_commit(),
        "platform": platform.platform(),
        "started": started.isoformat(timespec="seconds"),
        "finished": finished.isoformat(timespec="seconds"),
    }


def now() -> datetime:
    return datetime.now(UTC)
