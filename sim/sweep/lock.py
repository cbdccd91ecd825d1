"""One sweep at a time per results folder: the lock file ``<folder>/.lock``.

The lock says who holds it (process id, host, time) and is held with ``flock`` by its
holder, so exactly one sweep holds a folder at a time. Another sweep (or ``--resume``) on the folder is refused in one line while
that process lives. A lock whose process is gone (a sweep killed with SIGKILL, a machine
that rebooted) or that cannot be read is stale: it is reported in one line and taken over.
The holder removes the lock however the sweep ends (normally, on an error, on Ctrl-C or
SIGTERM), so a finished results folder never contains one.
"""

from __future__ import annotations

import contextlib
import fcntl
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
SETTLE = 0.5  # seconds a refused sweep waits for a lock changing hands to name its new holder
ROUNDS = 5  # attempts at the lock while other sweeps take over the same stale lock at the same moment


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
    on release when they are still empty (a sweep refused before writing leaves nothing).

    The lock file is held with ``flock`` while it names its holder: the lock is written whole
    to a private file, locked, then linked into place (so nobody reads a half-written lock),
    and a stale one is replaced with one rename by the only sweep that could lock it. The
    kernel drops a dead process's ``flock``, so two sweeps never both believe they hold the
    folder, however many find the same stale lock at the same moment."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.path = self.folder / LOCK
        self.note: str | None = None
        self._fd: int | None = None
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
                if self._attempt():
                    return
        except BaseException:
            self._remove_created()
            raise
        self._remove_created()
        raise ScenarioError(f"{self.path}: other sweeps keep taking this lock at the same moment; try again")

    def _attempt(self) -> bool:
        """One try at the lock: True once held; False to try again (the lock changed hands
        meanwhile); a ScenarioError when a living sweep holds it."""
        fresh, fresh_fd = self._write_fresh()
        try:
            try:
                os.link(fresh, self.path)
            except FileExistsError:
                pass
            except FileNotFoundError:
                return False  # our private file was removed by someone tidying the folder
            else:
                self._fd, fresh_fd = fresh_fd, None
                return True
            try:
                old_fd = os.open(self.path, os.O_RDONLY)
            except FileNotFoundError:
                return False  # its holder just released it
            try:
                if not _try_flock(old_fd):  # a living sweep holds it (or is taking it over)
                    holder = self._read_holder()[1]
                    if holder is not None and holder_alive(holder):
                        raise self._in_use(holder)
                    time.sleep(SETTLE / ROUNDS)  # another sweep is replacing a stale lock: look again
                    return False
                if not _same_file(old_fd, self.path):
                    return False  # replaced or removed between open and flock
                holder = _parse(os.pread(old_fd, 1 << 16, 0))
                if holder is not None and holder_alive(holder):  # on another host, or locked by a writer without flock
                    raise self._in_use(holder)
                why = f"{describe(holder)}, no longer running" if holder else "unreadable"
                self.note = f"{self.folder}: took over a stale lock ({why}) left by a sweep that was stopped"
                os.rename(fresh, self.path)  # we hold the stale lock's flock: nobody else replaces it
                self._fd, fresh_fd = fresh_fd, None
                return True
            finally:
                os.close(old_fd)
        finally:
            if fresh_fd is not None:
                os.close(fresh_fd)
            with contextlib.suppress(FileNotFoundError):
                os.unlink(fresh)

    def _in_use(self, holder: dict[str, Any]) -> ScenarioError:
        return ScenarioError(
            f"{self.folder}: in use by another sweep ({describe(holder)}); wait for it to finish, "
            f"or remove {self.path} if that process is gone"
        )

    def _write_fresh(self) -> tuple[Path, int]:
        """A private file naming this process, written whole and locked: the lock to put in place."""
        pid = os.getpid()
        since = datetime.now(UTC).isoformat(timespec="seconds")
        mine = {"pid": pid, "host": socket.gethostname(), "since": since, "process_start": _start_ticks(pid)}
        text = (json.dumps({**mine, "token": secrets.token_hex(8)}) + "\n").encode()
        fresh = self.path.with_name(f"{LOCK}.new-{pid}-{secrets.token_hex(4)}")
        try:
            fd = os.open(fresh, os.O_CREAT | os.O_EXCL | os.O_RDWR, file_mode())
        except OSError as exc:
            raise ScenarioError(f"{self.path}: cannot create the lock ({exc.strerror or exc})") from None
        try:
            os.write(fd, text)
            os.fsync(fd)
            _try_flock(fd)
        except BaseException:
            os.close(fd)
            fresh.unlink(missing_ok=True)
            raise
        return fresh, fd

    def _make_folder(self) -> None:
        self._created = []  # deepest first
        for folder in (self.folder, *self.folder.parents):
            if folder.exists():
                break
            self._created.append(folder)
        self.folder.mkdir(parents=True, exist_ok=True)

    def _read_holder(self) -> tuple[bytes | None, dict[str, Any] | None]:
        """The lock's bytes and holder (bytes None: the lock is gone). An unreadable lock is
        read again for up to SETTLE seconds, as it may be changing hands."""
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

    def release(self) -> None:
        """Remove the lock if it is still ours, then the folders it created if still empty."""
        if self._fd is not None:
            with contextlib.suppress(OSError):
                if _same_file(self._fd, self.path):
                    self.path.unlink()
            os.close(self._fd)  # drops the flock
            self._fd = None
        self._remove_created()

    def _remove_created(self) -> None:
        for folder in self._created:
            try:
                folder.rmdir()  # only when empty
            except OSError:
                break
        self._created = []


def _try_flock(fd: int) -> bool:
    """Lock ``fd``'s file for this open file (not waiting); False if another holds it."""
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _same_file(fd: int, path: Path) -> bool:
    """Is ``path`` still the file open as ``fd``?"""
    try:
        here = os.stat(path)
    except FileNotFoundError:
        return False
    there = os.fstat(fd)
    return (here.st_dev, here.st_ino) == (there.st_dev, there.st_ino)
