"""The series overpotential: the circuit's R0 bent by Butler-Volmer kinetics.

ASIL: QM(D) (estimation channel and test plant). Requirements: SWR_CELL_006.

A linear ``R0 I`` fitted at the pulse tests' currents (C/2 to 1C) under-predicts
the drop at the smaller currents of a drive: the charge-transfer overpotential
is ``(2RT/F) asinh(I / (2 I0))`` (Butler-Volmer, symmetric), steeper near zero
current than at 1C, and in the cold, where the exchange current ``I0`` is small,
the difference reaches 20-40 mV at C/4 on PyBaMM's DFN (LFP and NMC, -10 to
-20 degC). A chemistry calibrated with pulses at C/5 and 1C carries a kinetic
current ``Ik`` per (T, SoC), and the series drop is::

    eta(I) = R0 Ik asinh(I / Ik) = R0 asinh(g I) / g,   g = 1 / Ik,  |I| <= Ib

``R0`` is then its slope at zero current, and the drop tends to ``R0 I`` as
``Ik`` grows (``g = 0`` is the linear circuit exactly, the value of a chemistry
without kinetic tables). Beyond the bend's limit ``Ib`` (1C, the largest
current the calibration's pulses reach) the drop is its secant at ``Ib``
times the current, ``eta(Ib) I / Ib``: the effective resistance the pulses
measured at 1C, held. A logarithm extrapolated past its data would
under-predict the drop at high current, and so would the tangent at ``Ib``
(the State of Function on the shipped NMC file at -20 degC and 50 % SoC
would allow 8.2C where the secant allows 3.7C); holding the secant is what
the linear circuit assumed. The drop is odd in the current, so charge and
discharge read the same function (with their own ``R0`` and ``Ik``); its
secant ``eta(I) / I`` never rises with ``|I|``, and ``R0 |I|`` bounds it
from above.
"""

import numpy as np
import numpy.typing as npt

__all__ = ["BEND_LIMIT_C_RATE", "LINEAR_CURVATURE_PER_A", "series_overpotential_v", "series_slope"]

FloatArray = npt.NDArray[np.float64]

BEND_LIMIT_C_RATE = 1.0
"""The bend's limit ``Ib`` in C (times the nominal capacity): the calibration's largest pulse."""
LINEAR_CURVATURE_PER_A = 1e-12
"""Floor of the curvature ``g``: ``asinh(g I) / g`` is ``I`` to 1e-22 at 1 kA, and a smaller
``g`` (0 included) would underflow ``g I``; so the linear drop needs no branch of its own."""


def _bend(
    curvature_per_a: FloatArray | float, current_a: FloatArray | float, limit_a: float
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """``g`` (floored), ``g I`` and ``g Ib``."""
    curvature = np.maximum(curvature_per_a, LINEAR_CURVATURE_PER_A)
    return curvature, np.multiply(curvature, current_a), np.multiply(curvature, limit_a)


def series_overpotential_v(
    r0_ohm: FloatArray | float,
    curvature_per_a: FloatArray | float,
    current_a: FloatArray | float,
    limit_a: float,
) -> FloatArray:
    """The series drop: ``R0 asinh(g I) / g`` up to ``|I| = limit_a``, its secant beyond.

    Discharge positive. Where ``g`` is 0 it is ``R0 I`` (to 1e-22 relative).

    Implements: SWR_CELL_006
    """
    curvature, scaled, reach = _bend(curvature_per_a, current_a, limit_a)
    clipped = np.clip(scaled, -reach, reach)
    magnitude = np.abs(scaled)
    beyond = magnitude > reach  # never for an infinite limit
    stretch = np.divide(magnitude, reach, out=np.ones_like(magnitude), where=beyond)
    result: FloatArray = np.multiply(r0_ohm, np.arcsinh(clipped) * stretch / curvature)
    return result


def series_slope(
    r0_ohm: FloatArray | float,
    curvature_per_a: FloatArray | float,
    current_a: FloatArray | float,
    limit_a: float,
) -> FloatArray:
    """The drop's small-signal resistance at ``I``.

    ``R0 / sqrt(1 + (g I)^2)`` up to ``|I| = limit_a``, the secant ``R0 asinh(g Ib) /
    (g Ib)`` beyond.

    Implements: SWR_CELL_006
    """
    _, scaled, reach = _bend(curvature_per_a, current_a, limit_a)
    beyond = np.abs(scaled) > reach
    root = np.array(np.sqrt(1.0 + np.square(scaled)), dtype=np.float64)
    np.divide(reach, np.arcsinh(reach), out=root, where=beyond)
    result: FloatArray = np.divide(r0_ohm, root)
    return result
