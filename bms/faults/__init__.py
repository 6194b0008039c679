"""Fault-injection campaign on the equivalent-circuit pack plant, in closed loop.

ASIL: QM (a verification tool producing fault-injection evidence for the D
protection; the BMS never imports it). Requirements: SWR_CTRL_FAULTS_001.

    from bms.faults import run_campaign
    report = run_campaign(config, load_chemistry("NMC_Chen2020"), fault_free_s=60.0, workers=2)
    report.summary["passed"]
"""

from bms.faults._campaign import (
    DEFAULT_ONSETS_MS,
    DEFAULT_POINTS,
    DEFAULT_SEGMENT_S,
    FAULT_FREE_POINTS,
    MISSION_SEGMENT_S,
    CampaignReport,
    DtcSink,
    FaultFreeResult,
    RunResult,
    Trace,
    run_campaign,
    run_fault_case,
    run_fault_free,
)
from bms.faults._cases import FaultCase, fault_cases
from bms.faults._plots import plot_traces
from bms.faults._rig import MISSION, MissionProfile, OperatingPoint, PackRig, RigParameters

__all__ = [
    "DEFAULT_ONSETS_MS",
    "DEFAULT_POINTS",
    "DEFAULT_SEGMENT_S",
    "FAULT_FREE_POINTS",
    "MISSION",
    "MISSION_SEGMENT_S",
    "CampaignReport",
    "DtcSink",
    "FaultCase",
    "FaultFreeResult",
    "MissionProfile",
    "OperatingPoint",
    "PackRig",
    "RigParameters",
    "RunResult",
    "Trace",
    "fault_cases",
    "plot_traces",
    "run_campaign",
    "run_fault_case",
    "run_fault_free",
]
