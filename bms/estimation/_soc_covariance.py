"""The SoC filter's covariance prediction, laid out for few numpy calls on many cells.

ASIL: QM(D) (estimation channel). Requirements: SWR_SOC_001.

The filter's state-transition Jacobian (:mod:`bms.estimation._soc_ekf`) is
``A = diag(1, a1, a2, 1, 1) + u e_b^T + w e_d^T``: it differs from the
identity only in its first three rows. :func:`predict_covariance` computes
``A P A^T + Q`` for every cell at once from those rows' parts, with fixed
gathers (the module's index arrays) instead of a dense product per cell; its
result is symmetric by construction. Split from the filter step so that the
index layout, which only this product reads, is in one place.
"""

from types import MappingProxyType

import numpy as np
import numpy.typing as npt

__all__ = ["STATE_SIZE", "predict_covariance"]

FloatArray = npt.NDArray[np.float64]
IndexArray = npt.NDArray[np.intp]

STATE_SIZE = 5
"""[SoC, v1, v2, b, d]: the filter's states."""


def _index(values: list[int]) -> IndexArray:
    """A read-only index array: one of the filter step's fixed gathers (a constant)."""
    array = np.array(values, dtype=np.intp)
    array.setflags(write=False)
    return array


# Rows of the Jacobian's parts array ``k`` (ekf_step): A's diagonal d (d_0 = 1), its offset
# column u and its resistance column w (w_0 = 0), entries 0-2 each. The order lets one
# division write d_1, d_2 and u_0, and one product write u_1, u_2, w_1, w_2.
_D, _U, _W = (0, 1, 2), (3, 4, 5), (8, 6, 7)
# The covariance step (predict_covariance) works on flat (rows, cells) arrays: P as its 25
# entries (row-major, entry 5 i + j) and a work array of 60 rows: [0, 36) the P entries each
# term of A P reads, [36, 39) P33, P34, P44, [39, 51) the entries of A P's rows 0-2 that
# A P A^T needs (_AP_ENTRIES), [51, 54) the input noise times u, [54, 60) the upper triangle
# of A P A^T's top-left block (_PAIRS). Each product is one gather, one multiplication and
# one sum over equal-shaped, contiguous arrays: numpy runs each as one inner loop, where
# broadcasting a (3, 1, cells) against a (5, cells) runs one per row (most of the cost at
# this size).
_PAIRS = ((0, 0), (0, 1), (0, 2), (1, 1), (1, 2), (2, 2))
_AP_ENTRIES = (*_PAIRS, (0, 3), (0, 4), (1, 3), (1, 4), (2, 3), (2, 4))
_P_COPY_ROW, _AP_ROW, _NOISE_ROW, _PAIR_ROW, _WORK_ROWS = 36, 39, 51, 54, 60
_P_LOWER_RIGHT = MappingProxyType(
    {(3, 3): _P_COPY_ROW, (3, 4): _P_COPY_ROW + 1, (4, 3): _P_COPY_ROW + 1, (4, 4): _P_COPY_ROW + 2}
)
_AP = MappingProxyType({entry: _AP_ROW + index for index, entry in enumerate(_AP_ENTRIES)})
_AP_P = _index(
    [5 * i + j for i, j in _AP_ENTRIES]  # d_i P_ij
    + [15 + j for _, j in _AP_ENTRIES]  # u_i P_3j
    + [20 + j for _, j in _AP_ENTRIES]  # w_i P_4j
    + [18, 19, 24]  # P33, P34, P44, copied
)
_K = _index(
    [part[i] for part in (_D, _U, _W) for i, _ in _AP_ENTRIES]  # of _AP_P's terms
    + [_D[k] for _, k in _PAIRS]  # d_k (A P)_ik
    + [_U[k] for _, k in _PAIRS]  # u_k (A P)_i3
    + [_W[k] for _, k in _PAIRS]  # w_k (A P)_i4
    + [_U[k] for _, k in _PAIRS]  # u_k (q u_i): the input noise q u u^T
)
_TOP = _index(
    [_AP[i, k] for i, k in _PAIRS]
    + [_AP[i, 3] for i, _ in _PAIRS]
    + [_AP[i, 4] for i, _ in _PAIRS]
    + [_NOISE_ROW + i for i, _ in _PAIRS]
)
_ASSEMBLE = _index(
    [
        _PAIR_ROW + _PAIRS.index((min(i, j), max(i, j)))
        if max(i, j) < 3
        else _AP[min(i, j), max(i, j)]
        if min(i, j) < 3
        else _P_LOWER_RIGHT[i, j]
        for i in range(STATE_SIZE)
        for j in range(STATE_SIZE)
    ]
)
_DIAGONAL = slice(None, None, STATE_SIZE + 1)
"""P's diagonal among its 25 flat entries."""


def predict_covariance(
    p: FloatArray,
    k: FloatArray,
    input_var: FloatArray | float,
    walks: FloatArray,
) -> FloatArray:
    """``A P A^T + Q`` for ``A`` that differs from the identity only in its first 3 rows.

    Implements: SWR_SOC_001

    ``k`` holds those rows' parts, shape (9, cells): the diagonal ``d``, the
    offset column ``u`` and the resistance column ``w`` (rows ``_D``, ``_U``,
    ``_W``). ``Q`` is the input noise ``input_var u u^T`` plus the random
    walks ``walks`` (5, 1) on the diagonal. Returns the 25 entries row-major,
    shape (25, cells).

    Rows 0-2 of ``A P`` are ``d_i P_ij + u_i P_3j + w_i P_4j`` (one gather of
    the P entries, one of the matching ``k`` rows, one product, one sum over
    the three terms); the top-left block of ``A P A^T`` (its upper triangle
    only, so that the result is symmetric by construction) is ``(A P)_ik d_k
    + (A P)_i3 u_k + (A P)_i4 w_k + input_var u_i u_k``; the rest is
    ``A P``'s rows 0-2 (mirrored) and ``P``'s lower-right block, copied by
    the one gather that assembles the result. See the module-level index
    arrays for the layout.
    """
    count = k.shape[1]
    terms = k.take(_K, axis=0)  # the k factor of every product term below
    work = np.empty((_WORK_ROWS, count))
    p.reshape(STATE_SIZE * STATE_SIZE, count).take(_AP_P, 0, work[:_AP_ROW], "clip")
    entries = len(_AP_ENTRIES)
    ap_terms = terms[: 3 * entries]
    np.multiply(ap_terms, work[: 3 * entries], ap_terms)
    np.add.reduce(ap_terms.reshape(3, entries, count), axis=0, out=work[_AP_ROW:_NOISE_ROW])
    np.multiply(k[_U[0] : _U[2] + 1], input_var, work[_NOISE_ROW:_PAIR_ROW])
    top_terms = work.take(_TOP, axis=0)
    np.multiply(top_terms, terms[3 * entries :], top_terms)
    np.add.reduce(top_terms.reshape(4, len(_PAIRS), count), axis=0, out=work[_PAIR_ROW:])
    p_pred = work.take(_ASSEMBLE, axis=0)
    diagonal = p_pred[_DIAGONAL]
    np.add(diagonal, walks, diagonal)
    return p_pred
