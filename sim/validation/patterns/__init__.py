"""The empirical pattern suite: patterns observed in the field or the lab that the village
model is meant to reproduce, each a documented, tested comparison (pattern-oriented
modelling, Grimm et al. 2005, Science 310:987).

``kerjasama validate --patterns [--quick] [--markdown]`` runs :func:`run_patterns` and prints
one row per pattern: the observed figure and its source, the simulated figure, the rule and
tolerance that compare them, pass/fail and the settings. docs/validation.md ("Empirical
patterns") describes each one; docs/ODD.md 1.2 lists them.

Where things are: ``rules.py`` (the comparison rules: sign, rank, monotone shape, interval,
distribution distance), ``runs.py`` (``Pattern``: one row; seeds and model runs),
``cases.py`` (one function per pattern; ``PATTERNS``) and ``suite.py`` (``run_patterns``,
``text_table``, ``markdown_table``, ``main``).
"""

from sim.validation.patterns.cases import PATTERNS
from sim.validation.patterns.runs import Pattern
from sim.validation.patterns.suite import main, markdown_table, run_patterns, text_table

__all__ = ["PATTERNS", "Pattern", "main", "markdown_table", "run_patterns", "text_table"]
