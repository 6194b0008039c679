"""Tests of bms/estimation/_soc_constants.py: what a filter step derives once from its inputs.

The step reads the tables through :attr:`StepConstants.circuit`, a copy edged
so that no index needs clamping; these tests read that copy the way the step
does and compare it with :func:`bms.cell.lookup_rows`, the tables' reference
reader, on and off the grid and exactly at the top breakpoints.
"""

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bms.cell import (
    CellTables,
    Row,
    cell_tables,
    load_chemistry,
    lookup_rows,
    temperature_bracket,
)
from bms.estimation import SocFilterTuning
from bms.estimation._soc_constants import (
    C_CAPACITY,
    SECONDS_PER_HOUR,
    TABLE_ROWS,
    StepConstants,
    step_constants,
)
from verification.bms.unit.cell.chemistry_fixture import (
    kinetic_tables,
    synthetic_chemistry,
)

KINETIC = cell_tables(synthetic_chemistry(**kinetic_tables()))  # charge tables too
LINEAR = cell_tables(synthetic_chemistry())
SHIPPED = cell_tables(load_chemistry("NMC_Chen2020"))  # a uniform SoC grid: the arithmetic path


def _read(
    constants: StepConstants, soc: np.ndarray, temperature: np.ndarray, charging: bool
) -> np.ndarray:
    """The circuit rows at each point, indexed as ``ekf_step`` indexes them (no clamp)."""
    tables = constants.tables
    position = (
        soc * constants.soc_scale
        if constants.uniform_soc
        else np.interp(soc, tables.soc, tables.soc_position)
    )
    cells = position.astype(np.intp)
    s_weight = position - cells
    t_position = np.interp(temperature, tables.temperature_degc, tables.temperature_position)
    t_segment = t_position.astype(np.intp)
    t_weight = t_position - t_segment
    cells = cells + t_segment * constants.grid_stride
    if charging:
        assert constants.charge_offset is not None
        cells = cells + constants.charge_offset
    c = constants.circuit.take(cells, axis=2)
    rows: np.ndarray = c[0] + c[1] * s_weight + (c[2] + c[3] * s_weight) * t_weight
    return rows


def _expected_rows(tables: CellTables, fit_residual: bool) -> list[Row]:
    rows = list(TABLE_ROWS) + ([Row.KINETIC] if tables.has_kinetics else [])
    return rows + ([Row.FIT_RMSE] if fit_residual else [])


@pytest.mark.verifies("SWR_SOC_001", "SWR_CELL_006")
@pytest.mark.parametrize("tables", [KINETIC, LINEAR, SHIPPED], ids=["kinetic", "linear", "shipped"])
@pytest.mark.parametrize("fit_residual", [False, True])
@pytest.mark.parametrize("charging", [False, True])
@given(
    soc=st.lists(st.floats(0.0, 1.0), min_size=1, max_size=8),
    temperature=st.lists(st.floats(0.0, 1.0), min_size=1, max_size=8),
)
def test_edged_circuit_reads_what_the_tables_read(
    tables: CellTables,
    fit_residual: bool,
    charging: bool,
    soc: list[float],
    temperature: list[float],
) -> None:
    """Every row, top breakpoints included (SoC 1, the hottest temperature), either direction.

    ``temperature`` is a share of the tables' temperature span.
    """
    if charging and not tables.has_charge_tables:
        return
    points = min(len(soc), len(temperature))
    coldest, hottest = tables.temperature_degc[0], tables.temperature_degc[-1]
    soc_array = np.array([*soc[:points], 1.0, 1.0, 0.0])
    shares = np.array([*temperature[:points], 1.0, 0.0, 1.0])
    temperature_array = coldest + shares * (hottest - coldest)
    tuning = SocFilterTuning(fit_residual_floor=fit_residual)
    constants = step_constants(tuning, 0.1, tables, None)
    rows = _expected_rows(tables, fit_residual)
    assert constants.fit_row == len(rows) - (1 if fit_residual else 0)
    base, t_weight = temperature_bracket(tables, temperature_array)
    expected = lookup_rows(tables, base, t_weight, soc_array, np.full(soc_array.size, charging))[
        rows
    ]
    expected[C_CAPACITY] *= -SECONDS_PER_HOUR
    got = _read(constants, soc_array, temperature_array, charging)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.verifies("SWR_SOC_001")
def test_constants_are_reused_only_while_tuning_step_and_tables_match() -> None:
    tuning = SocFilterTuning()
    first = step_constants(tuning, 0.1, KINETIC, None)
    assert step_constants(tuning, 0.1, KINETIC, first) is first
    assert step_constants(tuning, 0.2, KINETIC, first) is not first
    assert step_constants(tuning, 0.1, LINEAR, first) is not first
    other = SocFilterTuning(model_error_v=0.01)
    rebuilt = step_constants(other, 0.1, KINETIC, first)
    assert rebuilt is not first
    assert float(rebuilt.rest2) > float(first.rest2)


@pytest.mark.verifies("SWR_SOC_005")
def test_noise_constants_follow_the_tuning() -> None:
    """The random walks scale with the step; switched-off states get none."""
    tuning = SocFilterTuning(estimate_current_bias=False, model_error_correlation_s=2.0)
    short = step_constants(tuning, 0.1, LINEAR, None)
    long = step_constants(tuning, 0.4, LINEAR, None)
    np.testing.assert_allclose(long.walks[:3], 4.0 * short.walks[:3])
    assert short.walks[3, 0] == 0.0
    assert long.walks[4, 0] > 0.0
    assert short.inflation == pytest.approx(20.0)
    assert step_constants(tuning, 5.0, LINEAR, None).inflation == 1.0


def test_the_plateau_table_is_rebuilt_only_when_a_field_it_is_made_from_changes() -> None:
    lfp = cell_tables(load_chemistry("LFP_Prada2013"))
    tuning = SocFilterTuning()
    first = step_constants(tuning, 0.1, lfp, None)
    assert first.plateau_sigma is not None
    fed = replace(tuning, capacity_uncertainty_pct=1.2)  # a capacity fed back
    again = step_constants(fed, 0.1, lfp, first)
    assert again is not first  # the rest of the constants follow the new tuning
    assert again.plateau_sigma is first.plateau_sigma
    for changed in (replace(tuning, plateau_voltage_v=0.01), replace(tuning, flat_ocv_slope_v=0.1)):
        other = step_constants(changed, 0.1, lfp, first)
        assert other.plateau_sigma is not first.plateau_sigma
    off = step_constants(replace(tuning, plateau_floor=False), 0.1, lfp, first)
    assert off.plateau_sigma is None
    copied = cell_tables(load_chemistry("LFP_Prada2013"))  # equal tables, not the same ones
    assert step_constants(tuning, 0.1, copied, first).plateau_sigma is not first.plateau_sigma
