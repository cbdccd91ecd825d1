"""Public names a package exports without importing them until first use.

``kerjasama --help``, a one-line error or ``import sim.scenario`` should not pay for Mesa,
pandas, Numba or matplotlib (each takes from a few tenths of a second to over a second to
import). A package lists where each of its public names lives and gets a module
``__getattr__`` (PEP 562) that imports the name's module the first time the name is read.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_exports(package: str, names: Mapping[str, str]) -> Callable[[str], Any]:
    """The ``__getattr__`` of ``package`` for ``names`` ({public name: module that defines it})."""
    namespace = importlib.import_module(package).__dict__

    def __getattr__(name: str) -> Any:
        if name not in names:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(names[name]), name)
        namespace[name] = value  # read once: later reads are plain attribute reads
        return value

    return __getattr__
