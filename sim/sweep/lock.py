"""One sweep at a time per results folder: the lock file ``<folder>/.lock``.

The lock is created atomically (``O_CREAT | O_EXCL``) and says who holds it: process id,
host and time. Another sweep (or ``--resume``) on the folder is refused in one line while
that process lives. A lock whose process is gone (a sweep killed with SIGKILL, a machine
that rebooted) or that cannot be read is stale: it is reported in one line and taken over.
The holder removes the lock however the sweep ends (normally, on an error, on Ctrl-C or
SIGTERM), so a finished results folder never contains one.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import socket
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sim.io import file_mode
from sim.scenario import ScenarioError

LOCK = ".lock"
SETTLE = 0.5  # seconds an empty or half-written lock is given before it counts as stale (its writer may be at work)
ROUNDS = 5  # attempts to create the lock when other sweeps take over the same stale lock at the same moment


def _stat(pid: int) -> list[str] | None:
    """The fields of ``/proc/<pid>/stat`` after the command name (Linux); None where /proc does not say."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def _start_ticks(pid: int) -> int | None:
    """When process ``pid`` started (clock ticks after boot, Linux), to tell it from a later
    process given the same id; None where /proc does not say."""
    fields = _stat(pid)
    try:
        return int(fields[19]) if fields is not None else None
    except (IndexError, ValueError):
        return None


def _running(pid: int) -> bool:
    """Is process ``pid`` running on this machine (a zombie counts as gone)?"""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        return True
    except OSError:
        return False
    fields = _stat(pid)
    return not fields or fields[0] != "Z"


def holder_alive(holder: dict[str, Any]) -> bool:
    """Is the process a lock names still running? One on another host cannot be checked:
    it counts as alive (its lock is removed by hand once that sweep is known to be gone)."""
    if holder.get("host") != socket.gethostname():
        return True
    pid, started = holder["pid"], holder.get("process_start")
    if not _running(pid):
        return False
    now = _start_ticks(pid)
    return started is None or now is None or now == started


def describe(holder: dict[str, Any]) -> str:
    return f"pid {holder['pid']} on host {holder.get('host')}, since {holder.get('since')}"


def _parse(text: bytes) -> dict[str, Any] | None:
    """The holder a lock names (None: empty or not a lock of ours)."""
    try:
        holder = json.loads(text)
    except ValueError:
        return None
    pid = holder.get("pid") if isinstance(holder, dict) else None
    return holder if isinstance(pid, int) and not isinstance(pid, bool) and pid > 0 else None


class FolderLock:
    """Hold ``<folder>/.lock`` (a context manager). ``note`` is the line reporting a stale lock
    that was taken over (None if there was none). Folders it had to create are removed again
    on release when they are still empty (a sweep refused before writing leaves nothing)."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.path = self.folder / LOCK
        self.note: str | None = None
        self._mine: bytes | None = None
        self._created: list[Path] = []

    def __enter__(self) -> FolderLock:
        self.acquire()
        return self

    def __exit__(self, *exc_info) -> None:
        self.release()

    def acquire(self) -> None:
        self._make_folder()
        try:
            for _ in range(ROUNDS):
                if self._create():
                    return
                seen, holder = self._read_holder()
                if seen is None:
                    continue  # its holder just released it
                if holder is not None and holder_alive(holder):
                    raise ScenarioError(
                        f"{self.folder}: in use by another sweep ({describe(holder)}); wait for it to finish, "
                        f"or remove {self.path} if that process is gone"
                    )
                why = f"{describe(holder)}, no longer running" if holder else "unreadable"
                self.note = f"{self.folder}: took over a stale lock ({why}) left by a sweep that was stopped"
                self._take_over(seen)
        except BaseException:
            self._remove_created()
            raise
        self._remove_created()
        raise ScenarioError(f"{self.path}: other sweeps keep taking this lock at the same moment; try again")

    def _make_folder(self) -> None:
        self._created = []  # deepest first
        for folder in (self.folder, *self.folder.parents):
            if folder.exists():
                break
            self._created.append(folder)
        self.folder.mkdir(parents=True, exist_ok=True)

    def _create(self) -> bool:
        """Create the lock naming this process; False if there is one already."""
        pid = os.getpid()
        since = datetime.now(UTC).isoformat(timespec="seconds")
        mine = {"pid": pid, "host": socket.gethostname(), "since": since, "process_start": _start_ticks(pid)}
        text = (json.dumps({**mine, "token": secrets.token_hex(8)}) + "\n").encode()
        try:
            fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, file_mode())
        except FileExistsError:
            return False
        except OSError as exc:
            raise ScenarioError(f"{self.path}: cannot create the lock ({exc.strerror or exc})") from None
        try:
            os.write(fd, text)
            os.fsync(fd)
        finally:
            os.close(fd)
        self._mine = text
        return True

    def _read_holder(self) -> tuple[bytes | None, dict[str, Any] | None]:
        """The lock's bytes and holder (bytes None: the lock is gone). An empty or unreadable
        lock is read again for up to SETTLE seconds, as its creator may be writing it."""
        deadline = time.monotonic() + SETTLE
        while True:
            try:
                seen = self.path.read_bytes()
            except FileNotFoundError:
                return None, None
            except OSError:
                seen = b""
            holder = _parse(seen)
            if holder is not None or time.monotonic() >= deadline:
                return seen, holder
            time.sleep(0.05)

    def _take_over(self, seen: bytes) -> None:
        """Remove the stale lock whose bytes are ``seen``, unless another sweep replaced it
        meanwhile (moved aside with one rename, so that only one sweep removes it)."""
        aside = self.path.with_name(f"{LOCK}.stale-{os.getpid()}-{secrets.token_hex(4)}")
        try:
            os.rename(self.path, aside)
        except FileNotFoundError:
            return
        try:
            if aside.read_bytes() != seen:  # a fresh lock of a sweep that took over first: put it back
                with contextlib.suppress(FileExistsError):
                    os.link(aside, self.path)
        finally:
            aside.unlink(missing_ok=True)

    def release(self) -> None:
        """Remove the lock if it is still ours, then the folders it created if still empty."""
        if self._mine is not None:
            with contextlib.suppress(OSError):
                if self.path.read_bytes() == self._mine:
                    self.path.unlink()
            self._mine = None
        self._remove_created()

    def _remove_created(self) -> None:
        for folder in self._created:
            try:
                folder.rmdir()  # only when empty
            except OSError:
                break
        self._created = []
