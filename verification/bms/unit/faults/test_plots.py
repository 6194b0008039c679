"""Tests of bms/faults/_plots.py: plots of traced runs.

Covers: one PNG per traced fault type, named after it; untraced or empty
traces are skipped.
"""

from pathlib import Path

import pytest

from bms.faults import RunResult, Trace, plot_traces


@pytest.mark.verifies("SWR_CTRL_FAULTS_001")
def test_one_png_per_traced_case(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    trace = Trace()
    for step in range(50):
        trace.time_s.append(step / 100)
        trace.max_cell_v.append(4.0)
        trace.min_cell_v.append(3.9)
        trace.current_a.append(10.0)
        trace.max_temperature_degc.append(25.0)
        trace.main_positive.append(step < 30)
        trace.latched.append(int(step >= 30))
    run = RunResult("crash", "driving", 25.0, 300, 100, True, [], ["crash"], 0, 0, 30, True)
    written = plot_traces({"crash": trace, "other": Trace()}, [run], tmp_path)
    assert written == [tmp_path / "crash.png"]
    assert written[0].stat().st_size > 1000
