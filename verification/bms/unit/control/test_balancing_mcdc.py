"""MC/DC tests of bms/control/_balancing.py (SWR_BAL_006, SWR_BAL_007).

Covers the conditions the main tests leave without independent effect: a
SoC estimate of the right length with a sigma list of another length falls
back to the voltage basis while the same estimate with matching sigmas
balances on SoC; an explicit SoC tuning is used instead of the default one
(a higher ``min_soc`` turns the same estimate into the low-SoC inhibit).
"""

import pytest

from bms.config import BalancingConfig, load_config
from bms.control import BalancingInhibit, BalancingState, SocBalancingTuning, step_balancing
from bms.units import DegreesC, Volts

LIMITS: BalancingConfig = load_config().control.balancing
VOLTS = [Volts(3.9), Volts(3.95), Volts(4.0)]
WARM = [DegreesC(25.0)] * 3
SOC = [0.90, 0.95, 0.99]


def _step(sigma: list[float], tuning: SocBalancingTuning | None = None) -> BalancingState:
    return step_balancing(
        BalancingState(), VOLTS, WARM, enabled=True, limits=LIMITS,
        cell_soc=SOC, cell_soc_sigma=sigma, soc_tuning=tuning,
    )  # fmt: skip


@pytest.mark.verifies("SWR_BAL_007", method="fault_injection")
def test_sigma_list_of_another_length_falls_back_to_voltage() -> None:
    assert _step([0.0, 0.0, 0.0]).basis == "soc"
    short = _step([0.0, 0.0])
    assert short.basis == "voltage"
    assert short.bleeding == (False, True, True)


@pytest.mark.verifies("SWR_BAL_006")
def test_explicit_tuning_is_used() -> None:
    default = _step([0.0, 0.0, 0.0])
    assert default.inhibit is BalancingInhibit.NONE
    assert any(default.bleeding)
    strict = _step([0.0, 0.0, 0.0], SocBalancingTuning(min_soc=0.995))
    assert (strict.basis, strict.inhibit) == ("soc", BalancingInhibit.LOW_SOC)
    assert not any(strict.bleeding)
