"""MC/DC tests of bms/faults/_plots.py (SWR_CTRL_FAULTS_001).

Covers the conditions the main tests leave without independent effect: a
non-empty trace of a fault type without any run is skipped; a run that was
neither detected nor opened is plotted without the open-command line and
titled "not detected".
"""

from pathlib import Path

import pytest

from bms.faults import RunResult, Trace, plot_traces


def _trace() -> Trace:
    trace = Trace()
    for step in range(20):
        trace.time_s.append(step / 100)
        trace.max_cell_v.append(4.0)
        trace.min_cell_v.append(3.9)
        trace.current_a.append(10.0)
        trace.max_temperature_degc.append(25.0)
        trace.main_positive.append(True)
        trace.latched.append(0)
    return trace


@pytest.mark.verifies("SWR_CTRL_FAULTS_001")
def test_undetected_run_and_untraced_case(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    missed = RunResult(
        "isolation_loss", "driving", 25.0, 100, 5000, True, [], [], None, None, None, False
    )
    written = plot_traces({"isolation_loss": _trace(), "no_run": _trace()}, [missed], tmp_path)
    assert written == [tmp_path / "isolation_loss.png"]
    assert written[0].stat().st_size > 1000
