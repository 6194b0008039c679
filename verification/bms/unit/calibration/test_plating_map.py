"""Tests of bms/calibration/_plating_map.py's pure parts (no PyBaMM): SWR_PLAT_004.

Covers: the note the map's source gets from the refinement's history (the
last charge per temperature, its lowest potential and the step). The table
arithmetic is tested in ``test_plating_limits.py``; the DFN runs by
``bms plating-map`` (``test_plating_map_cli.py``) and the validation scripts.
"""

import pytest

from bms.calibration._plating_map import RefinePass, refinement_note


@pytest.mark.verifies("SWR_PLAT_004")
def test_refinement_note_reports_the_last_charges() -> None:
    assert refinement_note(10.0, []) == ""
    history = [
        RefinePass(0.0, 1, -0.004, 0.014, 3000.0),
        RefinePass(0.0, 2, 0.012, 0.0, 3300.0),
        RefinePass(25.0, 1, 0.011, 0.0, 1500.0),
    ]
    note = refinement_note(10.0, history)
    assert "10 s steps" in note
    assert "at most 2 charges per temperature" in note
    assert "up to 14.0 mV" in note
    assert "11.0 mV" in note  # the lowest of the last charges, not the first one's -4 mV
