"""The reference-result suite: classic cooperation results reproduced with the model's own code.

``kerjasama validate [--quick]`` runs :func:`run_suite` and prints one row per check: the
published (or exactly known) value, this project's measured value, the tolerance and
pass/fail. The settings of each check are those of its scenario file in
``scenarios/classic/`` (``--quick``: smaller lattices, fewer replicas and samples, as
stated in the settings column). Seeds are fixed (``SEED``), so the suite is reproducible;
nothing is tuned toward the published values. docs/validation.md describes every check.

Where things are: ``check.py`` (``Check``: one row; ``SEED``), one module per reference
result (``nowak_may.py``, ``fixation.py``, ``public_goods.py``, ``sensitivity.py``) and
``suite.py`` (``CHECKS``, ``run_suite``, ``text_table``, ``markdown_table``).
"""

from sim.validation.check import SEED, Check
from sim.validation.fixation import fixation_scan, ohtsuki
from sim.validation.nowak_may import (
    INDEPENDENT_FIXED_EXCESS,
    INDEPENDENT_PERIODIC,
    NOWAK_MAY_LIMIT,
    nowak_may_asynchronous,
    nowak_may_b_invariance,
    nowak_may_kaleidoscope,
    nowak_may_random,
    nowak_may_regimes,
)
from sim.validation.public_goods import public_goods
from sim.validation.sensitivity import ishigami, ishigami_exact
from sim.validation.suite import CHECKS, markdown_table, run_suite, text_table

__all__ = [
    "CHECKS",
    "INDEPENDENT_FIXED_EXCESS",
    "INDEPENDENT_PERIODIC",
    "NOWAK_MAY_LIMIT",
    "SEED",
    "Check",
    "fixation_scan",
    "ishigami",
    "ishigami_exact",
    "markdown_table",
    "nowak_may_asynchronous",
    "nowak_may_b_invariance",
    "nowak_may_kaleidoscope",
    "nowak_may_random",
    "nowak_may_regimes",
    "ohtsuki",
    "public_goods",
    "run_suite",
    "text_table",
]
