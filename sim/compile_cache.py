"""Numba's on-disk cache of the compiled rules, kept true to their source.

Numba caches the machine code of each compiled function beside its module and
notices only edits to that module, not to the rules it inlines from other modules
(``sim/decisions.py`` inlines ``sim/gains.py``, ``sim/membership.py``, ``sim/ties.py``,
``sim/behaviour.py``, ``sim/domains/`` ...). So the whole cache is dropped whenever any
compiled source changed: an edited rule always takes effect in the next run.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

HERE = Path(__file__).resolve().parent
COMPILED_SOURCES = (
    "behaviour.py", "decisions.py", "forms.py", "gains.py", "landscape.py", "learning.py", "lifecycle.py", "membership.py",
    "metrics.py", "shocks.py", "state.py", "ties.py", "year.py", "domains/__init__.py", "domains/agriculture.py",
    "domains/infrastructure.py", "domains/services.py",
)  # fmt: skip
STAMP = HERE / "__pycache__" / "compiled.sources"


def invalidate_if_stale() -> None:
    """Drop every cached compiled function when a compiled source changed since it was cached."""
    digest = hashlib.sha256()
    for name in COMPILED_SOURCES:  # each file by name and length, so text moved between files still counts
        text = (HERE / name).read_bytes()
        digest.update(f"{name}:{len(text)}:".encode() + text)
    digest = digest.hexdigest()[:16]
    try:
        if STAMP.exists() and STAMP.read_text() == digest:
            return
        for folder in (HERE / "__pycache__", HERE / "domains" / "__pycache__"):
            folder.mkdir(exist_ok=True)
            for old in [*folder.glob("*.nbi"), *folder.glob("*.nbc")]:
                old.unlink(missing_ok=True)
        STAMP.write_text(digest)
    except OSError:  # a read-only install: Numba then compiles in memory
        pass
