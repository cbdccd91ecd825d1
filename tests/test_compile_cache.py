"""Numba's on-disk cache kept true to its source (sim/compile_cache.py), on a copy of sim/."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

SIM = Path(__file__).resolve().parent.parent / "sim"


def _copy_of_sim(tmp_path: Path):
    """A copy of sim/ (without caches) and its compile_cache module, which works on the copy."""
    copy = tmp_path / "sim"
    shutil.copytree(SIM, copy, ignore=shutil.ignore_patterns("__pycache__"))
    spec = importlib.util.spec_from_file_location("copied_compile_cache", copy / "compile_cache.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return copy, module


def _cached(copy: Path) -> list[Path]:
    """Fake compiled-function caches beside two modules, and one plain bytecode file."""
    files = [
        copy / "__pycache__" / "decisions.review-30.py312.nbi",
        copy / "__pycache__" / "decisions.review-30.py312.1.nbc",
        copy / "domains" / "__pycache__" / "services.shared_fixed_costs-50.py312.nbi",
        copy / "domains" / "__pycache__" / "services.shared_fixed_costs-50.py312.1.nbc",
    ]
    for f in [*files, copy / "__pycache__" / "model.cpython-312.pyc"]:
        f.write_bytes(b"cached")
    return files


def test_an_edit_of_a_compiled_source_drops_the_cache_and_unchanged_sources_keep_it(tmp_path):
    copy, cache = _copy_of_sim(tmp_path)
    assert cache.STAMP == copy / "__pycache__" / "compiled.sources"
    cache.invalidate_if_stale()  # first run: no stamp yet
    stamp = cache.STAMP.read_text()
    files = _cached(copy)
    cache.invalidate_if_stale()  # nothing changed
    assert cache.STAMP.read_text() == stamp and all(f.exists() for f in files)
    (copy / "model.py").write_text((copy / "model.py").read_text() + "\n# not compiled\n")
    cache.invalidate_if_stale()  # an edit outside the compiled sources
    assert cache.STAMP.read_text() == stamp and all(f.exists() for f in files)
    services = copy / "domains" / "services.py"
    services.write_text(services.read_text() + "\n# an edited rule\n")
    cache.invalidate_if_stale()
    assert cache.STAMP.read_text() != stamp
    assert not any(f.exists() for f in files)  # every compiled function's cache, in both folders
    assert (copy / "__pycache__" / "model.cpython-312.pyc").exists()  # bytecode is Python's business
    files = _cached(copy)
    cache.invalidate_if_stale()  # compiled again after the edit: kept
    assert all(f.exists() for f in files)


def test_every_module_with_compiled_code_is_a_compiled_source():
    """A module compiled with Numba, or inlined into compiled rules (``jitable``), that is
    missing from the list would keep stale machine code after an edit."""
    from sim import compile_cache

    compiled = {
        p.relative_to(SIM).as_posix()
        for p in SIM.rglob("*.py")
        if "from numba" in p.read_text() or "@jitable" in p.read_text()
    }
    assert compiled <= set(compile_cache.COMPILED_SOURCES)
    assert all((SIM / name).exists() for name in compile_cache.COMPILED_SOURCES)
