"""``safety-case prove``: check the contracts of modules with CrossHair and write their records.

Each postcondition of each top-level function of the named modules is
checked with a budget of its own; the table shows, per condition, whether it
was confirmed over all paths (a proof on ints and enums; with floats taken
as reals, supporting evidence only), not refuted within the budget,
refuted (with the failing call), timed out or could not be checked. One
evidence record is written per condition of a function whose docstring
carries an ``Implements:`` tag; the requirements are read from that tag.
"""

import argparse
import importlib
import json
import sys
import types
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from safety_case.cli._exit import ExitCode
from safety_case.errors import SafetyCaseError
from safety_case.policy import Policy
from safety_case.runners.crosshair import (
    DEFAULT_TIMEOUT_S,
    ContractResult,
    ContractVerdict,
    check_module,
    write_contract_records,
)
from safety_case.snapshot import take_snapshot

__all__ = ["HELP", "NAME", "add_arguments", "run"]

NAME = "prove"
HELP = "check the contracts of modules with CrossHair and write one record per condition"

_SHOWN = {
    ContractVerdict.CONFIRMED: "CONFIRMED",
    ContractVerdict.NO_COUNTEREXAMPLE: "NOT REFUTED",
    ContractVerdict.COUNTEREXAMPLE: "COUNTEREXAMPLE",
    ContractVerdict.TIMEOUT: "TIMEOUT",
    ContractVerdict.ERROR: "ERROR",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the modules, the budget and the outputs."""
    parser.add_argument("modules", nargs="+", metavar="MODULE", help="dotted module name")
    parser.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT_S,
        metavar="S",
        help=f"budget per condition in seconds of process time (default {DEFAULT_TIMEOUT_S})",
    )
    parser.add_argument(
        "--report",
        type=Path,
        metavar="FILE",
        help="also write every result (traced or not) as JSON",
    )
    parser.add_argument(
        "--no-records", action="store_true", help="check and print only; write no evidence"
    )


def _import(name: str) -> types.ModuleType:
    try:
        return importlib.import_module(name)
    except Exception as error:  # noqa: BLE001 - any import failure is reported the same way
        raise SafetyCaseError(
            f"cannot import module {name!r}: {type(error).__name__}: {error}"
        ) from None


def _timed(
    modules: list[types.ModuleType], timeout_s: float
) -> Iterator[tuple[ContractResult, datetime, datetime]]:
    for module in modules:
        results = check_module(module, timeout_s)
        while True:
            started = datetime.now(UTC)
            result = next(results, None)
            if result is None:
                break
            yield result, started, datetime.now(UTC)


def _print(result: ContractResult) -> None:
    print(
        f"{_SHOWN[result.verdict]:14} {result.domain.value:5} {result.elapsed_s:6.2f}s "
        f"{result.paths:5} paths  {result.qualified_name}: {result.condition}",
        flush=True,
    )
    if result.verdict in (ContractVerdict.COUNTEREXAMPLE, ContractVerdict.ERROR):
        print(f"{'':20}{result.detail}", flush=True)


def run(args: argparse.Namespace, policy: Policy) -> ExitCode:
    """Check, print, write the records; exit 1 unless every condition held."""
    if args.timeout <= 0:
        print("safety-case prove: --timeout must be positive", file=sys.stderr)
        return ExitCode.USAGE
    root = str(policy.path(policy.import_root))
    if root not in sys.path:
        sys.path.insert(0, root)
    modules = [_import(name) for name in args.modules]
    snapshot = take_snapshot(policy)
    results: list[tuple[ContractResult, datetime, datetime]] = []
    for entry in _timed(modules, args.timeout):
        _print(entry[0])
        results.append(entry)
    evidence_dir = policy.path(policy.evidence_dir)
    outcome = write_contract_records(snapshot, results, None if args.no_records else evidence_dir)
    counts = {verdict: 0 for verdict in ContractVerdict}
    for result, _, _ in results:
        counts[result.verdict] += 1
    print(
        f"{len(results)} conditions: "
        + ", ".join(f"{count} {_SHOWN[verdict].lower()}" for verdict, count in counts.items())
    )
    written = 0 if args.no_records else len(outcome.records)
    print(f"{written} records written to {evidence_dir}")
    for name in outcome.untraced:
        print(f"  checked, no record (no Implements: tag): {name}")
    if args.report is not None:
        args.report.parent.mkdir(parents=True, exist_ok=True)
        rows = [
            {
                **vars(r),
                "verdict": r.verdict.value,
                "domain": r.domain.value,
                "strength": r.strength,
            }
            for r, _, _ in results
        ]
        args.report.write_text(json.dumps(rows, indent=1) + "\n", encoding="utf-8")
    held = (ContractVerdict.CONFIRMED, ContractVerdict.NO_COUNTEREXAMPLE)
    return ExitCode.OK if all(r.verdict in held for r, _, _ in results) else ExitCode.GATE_FAILED
