"""``python -m sim`` is the ``kerjasama`` command."""

from sim.cli import entry

entry()
