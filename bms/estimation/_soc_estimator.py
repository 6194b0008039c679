"""The SoC filter of a pack as an object: holds the filter's state between steps.

ASIL: QM(D) (estimation channel, decomposed from the D(D) voltage monitor).
Requirements: SWR_SOC_001.

A stateful wrapper of the pure step :func:`bms.estimation._soc_ekf.ekf_step`
for scripts, the simulator's users and the validation, which step one pack
from one start; the controller keeps the :class:`EkfState` itself and calls
the step directly (``bms.controller._estimating``).
"""

from dataclasses import dataclass, field

import numpy as np

from bms.cell import CellModel, Chemistry, cell_model
from bms.estimation._soc_ekf import (
    EkfState,
    FloatArray,
    SocEstimate,
    ekf_step,
    initial_ekf_state,
)
from bms.estimation._soc_tuning import SocFilterTuning

__all__ = ["SocEstimator"]


@dataclass
class SocEstimator:
    """The vectorised SoC filter of a pack: holds the state between steps.

    Example::

        est = SocEstimator(chemistry, 96, initial_soc=0.5, initial_sigma=0.2)
        out = est.step(cell_voltages_v, current_a, cell_temperatures_degc, dt_s)
        out.soc, out.soc_sigma

    Implements: SWR_SOC_001
    """

    chemistry: Chemistry
    """The cell type the filter's model uses."""
    series_count: int
    """Cells in series: one filter per cell."""
    initial_soc: FloatArray | float = 0.5
    """Initial SoC guess, scalar or per cell."""
    initial_sigma: float = 0.2
    """Initial SoC standard deviation; make 3 x this cover the worst initial error."""
    tuning: SocFilterTuning = field(default_factory=SocFilterTuning)
    """Noise model."""
    initial_temperature_degc: float = 25.0
    """Temperature used until a valid one is measured."""
    model: CellModel = field(init=False)
    """The filter's cell model; its scales can be updated from SoH (:meth:`set_cell_scales`)."""
    state: EkfState = field(init=False)
    """The current filter state."""

    def __post_init__(self) -> None:
        """Check the arguments and build the initial state."""
        if self.series_count < 1:
            raise ValueError(f"series_count={self.series_count} must be >= 1")
        if not (np.isfinite(self.initial_sigma) and self.initial_sigma > 0.0):
            raise ValueError(f"initial_sigma={self.initial_sigma} must be > 0")
        self.model = cell_model(self.chemistry)
        self.state = initial_ekf_state(
            self.series_count,
            self.initial_soc,
            self.initial_sigma,
            self.tuning,
            self.initial_temperature_degc,
        )

    def set_cell_scales(
        self, capacity_scale: FloatArray | float, resistance_scale: FloatArray | float
    ) -> None:
        """Use SoH estimates: each cell's capacity and resistance relative to the chemistry's."""
        self.model = cell_model(self.chemistry, capacity_scale, resistance_scale)

    def step(
        self,
        cell_voltages_v: FloatArray,
        current_a: float,
        cell_temperatures_degc: FloatArray,
        dt_s: float,
        bleed_current_a: FloatArray | None = None,
    ) -> SocEstimate:
        """Advance every cell's filter by one sample (see :func:`ekf_step`).

        ``bleed_current_a``: each cell's balancing current over the step
        (positive), added to the measured string current; ``None`` for none.
        """
        self.state, estimate = ekf_step(
            self.model,
            self.tuning,
            self.state,
            cell_voltages_v=cell_voltages_v,
            current_a=current_a,
            cell_temperatures_degc=cell_temperatures_degc,
            dt_s=dt_s,
            bleed_current_a=bleed_current_a,
        )
        return estimate
