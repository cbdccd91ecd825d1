"""``python -m sim.classic [SCENARIO]``: check a classic scenario and describe it in one line."""

import sys

from sim.classic.outputs import describe
from sim.classic.scenario import ROOT, load_classic

print(describe(load_classic(sys.argv[1] if len(sys.argv) > 1 else ROOT)))
