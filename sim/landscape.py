"""The landscape: which villages are near which (spill-over reach of a project)."""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def any_neighbour(indptr, cols, flag):
    """For each village, is ``flag`` true for any of its neighbours (CSR ``indptr``, ``cols``)?"""
    n = indptr.shape[0] - 1
    out = np.zeros(n, dtype=np.bool_)
    for i in range(n):
        for e in range(indptr[i], indptr[i + 1]):
            if flag[cols[e]]:
                out[i] = True
                break
    return out
