"""``python -m sim`` is the ``kerjasama`` command."""

from sim.cli import main

raise SystemExit(main())
