"""Plots of representative fault-injection runs (matplotlib, imported when called).

ASIL: QM (a verification tool). Requirements: SWR_CTRL_FAULTS_001.
"""

from collections.abc import Mapping
from pathlib import Path

from bms.faults._campaign import RunResult, Trace

__all__ = ["plot_traces"]


def plot_traces(traces: Mapping[str, Trace], runs: list[RunResult], directory: Path) -> list[Path]:
    """One PNG per traced run: cell voltages, current, temperature, main contactor and faults.

    Implements: SWR_CTRL_FAULTS_001

    Raises:
        ImportError: when matplotlib is not installed (the ``plant`` extra).
    """
    import matplotlib as mpl  # noqa: PLC0415 - heavy and optional

    mpl.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    directory.mkdir(parents=True, exist_ok=True)
    written = []
    first_runs: dict[str, RunResult] = {}
    for run in runs:
        first_runs.setdefault(run.case, run)
    for case, trace in traces.items():
        if not trace.time_s or case not in first_runs:
            continue
        run = first_runs[case]
        figure, axes = plt.subplots(4, 1, sharex=True, figsize=(8, 8))
        axes[0].plot(trace.time_s, trace.max_cell_v, label="max cell (true)")
        axes[0].plot(trace.time_s, trace.min_cell_v, label="min cell (true)")
        axes[0].set_ylabel("V")
        axes[1].plot(trace.time_s, trace.current_a)
        axes[1].set_ylabel("pack A")
        axes[2].plot(trace.time_s, trace.max_temperature_degc)
        axes[2].set_ylabel("max cell C")
        axes[3].step(trace.time_s, [int(v) for v in trace.main_positive], label="main+ command")
        axes[3].step(trace.time_s, trace.latched, label="latched faults")
        axes[3].set_xlabel("time (s)")
        onset_s = run.onset_ms / 1000.0
        for axis in axes:
            axis.axvline(onset_s, color="red", linestyle="--", linewidth=0.8)
            if run.open_command_ms is not None:
                axis.axvline(onset_s + run.open_command_ms / 1000.0, color="black", linewidth=0.8)
        axes[0].legend(loc="lower left", fontsize="small")
        axes[3].legend(loc="center left", fontsize="small")
        detected = run.detection_ms if run.detection_ms is not None else "not detected"
        figure.suptitle(
            f"{case} at {run.point} {run.ambient_degc:g} C: onset {onset_s:.2f} s, "
            f"detection {detected} ms, FTTI {run.ftti_ms} ms"
        )
        figure.tight_layout()
        path = directory / f"{case}.png"
        figure.savefig(path, dpi=90)
        plt.close(figure)
        written.append(path)
    return written
