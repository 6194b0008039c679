"""Tests of verification/scripts/capacity_validation.py's information limit.

Covers: the Cramer-Rao bound's closed form (pairs of one SoC change, and the
prior's share); the AWTLS estimator's own final sigma on the BEV scenario
lies within 3 % of the bound its run's pairs give (the estimator uses the
information there is); the score gives the bound's figures for a constant
capacity only and counts the runs the bound expects within 0.15 %.
"""

import numpy as np
import pytest

from ._scripts import load_script

capacity_validation = load_script("capacity_validation")


def test_the_bound_adds_each_pairs_information_to_the_priors() -> None:
    x = np.full(50, 0.4)
    per_pair = 0.4**2 / (capacity_validation.VAR_Y_AH2 + 100.0**2 * capacity_validation.VAR_X)
    expected = 1.0 / np.sqrt(1.0 / capacity_validation.PRIOR_SIGMA_AH**2 + 50 * per_pair)
    assert capacity_validation.cramer_rao_sigma_ah(x, 100.0) == pytest.approx(expected, rel=1e-12)
    assert capacity_validation.cramer_rao_sigma_ah(np.zeros(5), 100.0) == pytest.approx(
        capacity_validation.PRIOR_SIGMA_AH
    )


@pytest.mark.verifies("SWR_SOH_001")
def test_awtls_final_sigma_reaches_the_cramer_rao_bound() -> None:
    constant = capacity_validation.CASES[0]
    assert constant.fade_pct == 0.0
    assert constant.gamma == 1.0
    run = capacity_validation.run_case(constant, 300, seed=7)
    assert run["sigma"][-1] == pytest.approx(run["cramer_rao_ah"], rel=0.03)


def test_the_score_counts_what_the_bound_expects() -> None:
    truth = np.full(3, 100.0)
    runs = [
        {"truth": truth, "cramer_rao_ah": 1e-6},  # a bound far inside 0.15 %: certain
        {"truth": truth, "cramer_rao_ah": 0.15},  # one sigma at 0.15 %: erf(1/sqrt 2)
    ]
    figures = capacity_validation._information_limit(runs, np.array([0.1, -0.2]))
    assert figures["runs_expected_within_0.15pct"] == pytest.approx(1.0 + 0.6826894921, abs=1e-9)
    assert figures["final_error_pct_rms"] == pytest.approx(np.sqrt((0.01 + 0.04) / 2))
    assert figures["cramer_rao_sigma_pct_mean"] == pytest.approx((1e-6 + 0.15) / 2)
    faded = capacity_validation._information_limit([{"cramer_rao_ah": None}], np.array([0.5]))
    assert set(faded.values()) == {None}
