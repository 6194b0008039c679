"""Contract checks as evidence: one record per checked postcondition of a traced function.

Layer 4 (producers). The record rests on the function (its fingerprint) and
verifies the requirements of its ``Implements:`` tag. Its ISO 26262-6:2018
Table 7 method is ``formal`` (1k, + at ASIL D) only for a condition
confirmed over all paths on an exact signature (ints, enums), and
``semi_formal`` (1j, ++ at ASIL D) otherwise: a float contract confirmed
with floats as reals, or any condition merely not refuted within its
budget, is supporting evidence and the record says so in ``strength``.
Verdicts: confirmed and not refuted pass; a counterexample fails; a
timeout or an error is inconclusive (nothing was shown).
"""

import importlib.metadata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from safety_case.evidence import EvidenceRecord, Method, ToolInfo, Verdict, write_record
from safety_case.runners._units import module_record
from safety_case.runners.crosshair._model import ContractResult, ContractVerdict, Domain
from safety_case.snapshot import Snapshot

__all__ = [
    "ProveOutcome",
    "contract_record",
    "crosshair_tool",
    "method_of",
    "record_id",
    "write_contract_records",
]

_VERDICTS = {
    ContractVerdict.CONFIRMED: Verdict.PASS,
    ContractVerdict.NO_COUNTEREXAMPLE: Verdict.PASS,
    ContractVerdict.COUNTEREXAMPLE: Verdict.FAIL,
    ContractVerdict.TIMEOUT: Verdict.INCONCLUSIVE,
    ContractVerdict.ERROR: Verdict.INCONCLUSIVE,
}


@dataclass(frozen=True)
class ProveOutcome:
    """What a contract run checked and wrote."""

    results: tuple[ContractResult, ...]
    """Every condition's result, traced or not."""
    records: tuple[EvidenceRecord, ...]
    """Records written, one per condition of a traced function."""
    untraced: tuple[str, ...]
    """Functions with contracts but no ``Implements:`` tag: checked, but no record."""


def record_id(result: ContractResult) -> str:
    """Stable id of one condition's check: the function and the condition text (no line)."""
    return f"crosshair::{result.qualified_name}::post: {result.condition}"


def method_of(result: ContractResult) -> Method:
    """``formal`` for a proof on exact values, ``semi_formal`` for everything else."""
    proof = result.verdict is ContractVerdict.CONFIRMED and result.domain is Domain.EXACT
    return Method.FORMAL if proof else Method.SEMI_FORMAL


def contract_record(
    snapshot: Snapshot,
    result: ContractResult,
    *,
    tool: ToolInfo,
    started_at: datetime,
    finished_at: datetime,
) -> EvidenceRecord | None:
    """The record of one condition's check, or ``None`` if its function carries no trace."""
    units = [u for u in snapshot.code_units if u.qualified_name == result.qualified_name]
    if not units or not units[0].requirement_ids:
        return None
    figures: dict[str, float | int | str] = {
        "outcome": result.verdict.value,
        "strength": result.strength,
        "domain": result.domain.value,
        "condition": result.condition,
        "preconditions": " ; ".join(result.preconditions),
        "detail": result.detail,
        "duration_s": round(result.elapsed_s, 3),
        "cpu_s": round(result.cpu_s, 3),
        "paths": result.paths,
        "confirmed_paths": result.confirmed_paths,
        "exhausted": int(result.exhausted),
        "timeout_s": result.timeout_s,
    }
    if result.verdict is ContractVerdict.COUNTEREXAMPLE:
        figures["counterexample"] = result.detail
    return module_record(
        snapshot=snapshot,
        units=units,
        record_id=record_id(result),
        method=method_of(result),
        tool=tool,
        verdict=_VERDICTS[result.verdict],
        figures=figures,
        started_at=started_at,
        finished_at=finished_at,
    )


def crosshair_tool() -> ToolInfo:
    """CrossHair and its installed version."""
    return ToolInfo(name="crosshair", version=importlib.metadata.version("crosshair-tool"))


def write_contract_records(
    snapshot: Snapshot,
    results: Iterable[tuple[ContractResult, datetime, datetime]],
    evidence_dir: Path | None,
) -> ProveOutcome:
    """Write one record per result of a traced function; list the untraced functions.

    With ``evidence_dir`` ``None`` the records are built (and returned) but not written.
    """
    tool = crosshair_tool()
    kept: list[ContractResult] = []
    records: list[EvidenceRecord] = []
    untraced: list[str] = []
    for result, started_at, finished_at in results:
        kept.append(result)
        record = contract_record(
            snapshot, result, tool=tool, started_at=started_at, finished_at=finished_at
        )
        if record is None:
            if result.qualified_name not in untraced:
                untraced.append(result.qualified_name)
            continue
        if evidence_dir is not None:
            write_record(evidence_dir, record)
        records.append(record)
    return ProveOutcome(tuple(kept), tuple(records), tuple(untraced))
