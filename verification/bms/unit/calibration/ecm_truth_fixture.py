"""A validation truth from the equivalent-circuit plant, for tests that must not run PyBaMM."""

import numpy as np

from bms.calibration._physics import CellTestRecord
from bms.cell import Chemistry
from bms.cycles import DriveCycle
from bms.plant import PackSimulator

__all__ = ["ecm_truth"]


def ecm_truth(chemistry: Chemistry, cycle: DriveCycle, fraction: float) -> CellTestRecord:
    """The truth of a case from the equivalent-circuit plant (1 s), aged like the DFN's age()."""
    sim = PackSimulator(
        chemistry, 1, initial_soc=0.9, seed=1, capacity_fraction=fraction,
        resistance_factor=1.0 / fraction,
    )  # fmt: skip
    time_s = cycle.time_s - cycle.time_s[0]
    voltage, temperature = [sim.measure().cell_voltages_v[0]], [25.0]
    for index in range(1, time_s.size):
        seen = sim.step(float(cycle.current_a[index - 1]), float(time_s[index] - time_s[index - 1]))
        voltage.append(seen.cell_voltages_v[0])
        temperature.append(seen.cell_temperatures_degc[0])
    charge = np.concatenate([[0.0], np.cumsum(cycle.current_a[:-1] * np.diff(time_s))]) / 3600
    return CellTestRecord(
        time_s=time_s, current_a=cycle.current_a, voltage_v=np.array(voltage),
        temperature_degc=np.array(temperature), discharged_ah=charge,
        step=np.full(time_s.size, -1, dtype=np.int64),
    )  # fmt: skip
