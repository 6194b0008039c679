"""Tests of bms/estimation/_soc_covariance.py: the structured A P A^T + Q of the SoC filter.

Covers: for random symmetric positive definite covariances and random Jacobian
parts, the gathered product equals the dense ``A P A^T + Q`` (to 1e-12), is
symmetric to the last bit and stays positive definite.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bms.estimation._soc_covariance import STATE_SIZE, predict_covariance

_D, _U, _W = (0, 1, 2), (3, 4, 5), (8, 6, 7)
"""The rows of the Jacobian's parts in ``k`` (as the filter step writes them)."""


def _dense(p: np.ndarray, k: np.ndarray, input_var: float, walks: np.ndarray) -> np.ndarray:
    """``A P A^T + Q`` one cell at a time, with A and Q written out."""
    cells = p.shape[2]
    result = np.empty_like(p)
    for cell in range(cells):
        a = np.eye(STATE_SIZE)
        u = np.zeros(STATE_SIZE)
        for i in range(3):
            a[i, i] = k[_D[i], cell]
            a[i, 3] = k[_U[i], cell]
            a[i, 4] = k[_W[i], cell]
            u[i] = k[_U[i], cell]
        q = input_var * np.outer(u, u) + np.diag(walks[:, 0])
        result[:, :, cell] = a @ p[:, :, cell] @ a.T + q
    return result


@pytest.mark.verifies("SWR_SOC_001")
@settings(deadline=None)
@given(seed=st.integers(0, 2**32 - 1), cells=st.integers(1, 7))
def test_the_gathered_product_is_the_dense_one_and_symmetric(seed: int, cells: int) -> None:
    rng = np.random.default_rng(seed)
    root = rng.normal(size=(cells, STATE_SIZE, STATE_SIZE))
    p = np.einsum("nij,nkj->ikn", root, root) + 1e-3 * np.eye(STATE_SIZE)[:, :, None]
    k = rng.normal(size=(9, cells))
    k[_D[0]] = 1.0  # the SoC's own diagonal and resistance entries, as the filter's A has them
    k[_W[0]] = 0.0
    walks = rng.uniform(0.0, 1e-3, size=(STATE_SIZE, 1))
    input_var = float(rng.uniform(0.0, 0.1))
    flat = predict_covariance(p, k, input_var, walks)
    got = flat.reshape(STATE_SIZE, STATE_SIZE, cells)
    expected = _dense(p, k, input_var, walks)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)
    assert np.array_equal(got, got.transpose(1, 0, 2))
    for cell in range(cells):
        assert np.all(np.linalg.eigvalsh(got[:, :, cell]) > 0.0)
