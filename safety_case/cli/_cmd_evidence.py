"""``safety-case evidence``: produce, inspect, bundle and verify evidence records.

Actions:

* ``status``: each record in the evidence folder with its verdict and freshness;
* ``static``: run the static checks (subset, mypy, ruff, complexity) and write records;
* ``coverage``: turn an MC/DC report (and coverage.py's JSON) into records;
* ``flow``: control-flow and data-flow analysis of the path from entry points;
* ``reviews``: turn the project's review records (``reviews/*.toml``) into records;
* ``review-template``: print a review record to fill in, pinning the units' fingerprints;
* ``collect``: gather every record into a bundle folder with a manifest of hashes;
* ``verify``: detect any change since ``collect`` and name the evidence now stale;
* ``schema``: write the JSON Schemas of the record and of the manifest.
"""

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path

from safety_case.cli._exit import ExitCode
from safety_case.cli._impl import evidence_status
from safety_case.errors import SafetyCaseError
from safety_case.evidence import check_integrity, collect_bundle, json_schemas, verify_bundle
from safety_case.fingerprint import file_sha256
from safety_case.needs import export_needs
from safety_case.policy import Policy
from safety_case.snapshot import Snapshot, take_snapshot

__all__ = ["HELP", "NAME", "add_arguments", "run"]

NAME = "evidence"
HELP = "produce, inspect, bundle and verify evidence records"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the actions and their options."""
    actions = parser.add_subparsers(dest="evidence_command", metavar="ACTION", required=True)
    actions.add_parser(
        "status", help="list records with verdict and freshness; exit 1 if any does not count"
    )
    static = actions.add_parser("static", help="run the static checks and write their records")
    static.add_argument(
        "--tools",
        default="subset,mypy,ruff,complexity",
        help="comma-separated checks to run (default: all of subset,mypy,ruff,complexity)",
    )
    static.add_argument(
        "--disable", action="append", default=[], metavar="RULE", help="switch a subset rule off"
    )
    static.add_argument("--complexity-limit", type=int, default=10, metavar="N")
    coverage = actions.add_parser("coverage", help="write structural-coverage records")
    coverage.add_argument("--mcdc", type=Path, required=True, help="MC/DC report (pytest --mcdc)")
    coverage.add_argument("--coverage", type=Path, help="coverage.py JSON report ('coverage json')")
    coverage.add_argument("--justifications", type=Path, help="TOML file of [[justification]]")
    coverage.add_argument(
        "--criterion", choices=("unique_cause", "masking"), default="unique_cause"
    )
    coverage.add_argument(
        "--require-asil",
        action="append",
        default=None,
        metavar="ASIL",
        help="ASIL whose units need 100 %% MC/DC or a justification (repeatable; default D)",
    )
    flow = actions.add_parser("flow", help="control/data-flow analysis from entry points")
    flow.add_argument(
        "--entry", action="append", required=True, metavar="QUALNAME", help="entry point"
    )
    flow.add_argument(
        "--allow",
        action="append",
        default=None,
        metavar="PACKAGE",
        help="package the path may use (repeatable; default: the policy's code folders)",
    )
    flow.add_argument("--depth", type=int, default=2, help="name parts of a component (2)")
    reviews = actions.add_parser("reviews", help="write inspection records from reviews/*.toml")
    reviews.add_argument("--folder", type=Path, default=Path("reviews"), help="review folder")
    template = actions.add_parser(
        "review-template", help="print a review record to fill in for the named units"
    )
    template.add_argument(
        "units", nargs="+", metavar="QUALNAME", help="code unit or module reviewed"
    )
    collect = actions.add_parser(
        "collect", help="gather every record into a bundle with a manifest"
    )
    collect.add_argument("--out", type=Path, help="bundle folder (default: <build_dir>/bundle)")
    verify = actions.add_parser("verify", help="detect changes since collect; name stale evidence")
    verify.add_argument("bundle", nargs="?", type=Path, help="bundle folder (default as collect)")
    verify.add_argument("--manifest-sha256", help="the manifest's SHA-256 printed by collect")
    schema = actions.add_parser("schema", help="write the JSON Schemas of record and manifest")
    schema.add_argument("--out", type=Path, required=True, help="folder for the .schema.json files")


def run(args: argparse.Namespace, policy: Policy) -> ExitCode:
    """Dispatch to the chosen action."""
    actions: dict[str, Callable[[argparse.Namespace, Policy], ExitCode]] = {
        "status": _status,
        "static": _static,
        "coverage": _coverage,
        "flow": _flow,
        "reviews": _reviews,
        "review-template": _review_template,
        "collect": _collect,
        "verify": _verify,
        "schema": _schema,
    }
    return actions[args.evidence_command](args, policy)


def _status(args: argparse.Namespace, policy: Policy) -> ExitCode:
    """Print each record's verdict and freshness; fail unless all count."""
    del args
    statuses, problems = evidence_status(policy)
    for status in statuses:
        stale = "; ".join(status.stale_because)
        state = f"STALE: {stale}" if stale else "fresh"
        print(f"{status.record.verdict.value:12} {state:6}  {status.record.id}")
    for problem in problems:
        print(problem, file=sys.stderr)
    counted = sum(status.counts for status in statuses)
    print(f"{counted} of {len(statuses)} records count (fresh and passing)")
    all_count = bool(statuses) and counted == len(statuses) and not problems
    return ExitCode.OK if all_count else ExitCode.GATE_FAILED


def _snapshot(policy: Policy) -> tuple[Snapshot, Path]:
    needs_json = export_needs(policy.path(policy.requirements), policy.path(policy.build_dir))
    return take_snapshot(policy, needs_json), needs_json


def _bundle_dir(policy: Policy, given: Path | None) -> Path:
    return given.resolve() if given is not None else policy.path(policy.build_dir) / "bundle"


def _static(args: argparse.Namespace, policy: Policy) -> ExitCode:
    from safety_case.runners.static import STATIC_TOOLS, SubsetRule, run_static  # noqa: PLC0415

    tools = [t.strip() for t in args.tools.split(",") if t.strip()]
    unknown = sorted(set(tools) - set(STATIC_TOOLS))
    rule_ids = {r.value: r for r in SubsetRule}
    bad_rules = sorted(set(args.disable) - set(rule_ids))
    if unknown or bad_rules:
        print(
            f"safety-case evidence static: unknown tools {unknown} or rules {bad_rules}; valid "
            f"tools: {', '.join(STATIC_TOOLS)}; rules: {', '.join(rule_ids)}",
            file=sys.stderr,
        )
        return ExitCode.USAGE
    rules = [r for r in SubsetRule if r.value not in args.disable]
    snapshot, _ = _snapshot(policy)
    try:
        outcome = run_static(
            policy,
            snapshot,
            policy.path(policy.evidence_dir),
            tools=tools,
            rules=rules,
            complexity_limit=args.complexity_limit,
        )
    except RuntimeError as error:
        raise SafetyCaseError(str(error)) from None
    for tool_run in outcome.runs:
        total = sum(len(found) for found in tool_run.findings.values())
        print(f"{tool_run.name} {tool_run.version}: {total} findings")
        for file, found in sorted(tool_run.findings.items()):
            for line in found:
                print(f"  {file}:{line}")
    failing = sum(1 for r in outcome.records if r.verdict.value != "pass")
    print(
        f"{len(outcome.records)} records written ({failing} failing); "
        f"{len(outcome.untraced)} files carry no traced unit, so no record"
    )
    return ExitCode.OK if outcome.passed else ExitCode.GATE_FAILED


def _coverage(args: argparse.Namespace, policy: Policy) -> ExitCode:
    from safety_case.runners.mcdc import (  # noqa: PLC0415
        Criterion,
        coverage_records,
        load_justifications,
        read_report,
    )

    try:
        report = read_report(args.mcdc)
        coverage_json = (
            json.loads(args.coverage.read_text(encoding="utf-8")) if args.coverage else None
        )
        justifications = load_justifications(args.justifications) if args.justifications else []
    except (OSError, ValueError) as error:
        raise SafetyCaseError(str(error)) from None
    snapshot, _ = _snapshot(policy)
    outcome = coverage_records(
        snapshot,
        report,
        policy.path(policy.evidence_dir),
        coverage_json=coverage_json,
        justifications=justifications,
        criterion=Criterion(args.criterion),
        required_asils=tuple(args.require_asil or ("D",)),
    )
    for record in outcome.records:
        figures = record.figures
        print(
            f"{record.verdict.value:5} {record.id}: ASIL {figures['asil']}, MC/DC "
            f"{figures[f'{args.criterion}_pct']} %, statements {figures.get('statement_pct')} %, "
            f"branches {figures.get('branch_pct')} %"
        )
    for gap in outcome.gaps:
        state = f"justified: {gap.justification}" if gap.justification else "OPEN GAP"
        print(
            f"  {gap.file}:{gap.line}: {gap.function}: "
            f"'{gap.condition}' in '{gap.decision}': {state}"
        )
    for unused in outcome.unused_justifications:
        print(f"  unused justification: {unused.function}: '{unused.condition}'")
    print(
        f"{len(outcome.records)} coverage records; "
        f"{sum(1 for g in outcome.gaps if not g.justification)} open MC/DC gaps; "
        f"{len(outcome.untraced)} measured files carry no traced unit"
    )
    failing = any(r.verdict.value != "pass" for r in outcome.records)
    return ExitCode.GATE_FAILED if failing else ExitCode.OK


def _flow(args: argparse.Namespace, policy: Policy) -> ExitCode:
    from datetime import UTC, datetime  # noqa: PLC0415

    from safety_case.runners.flow import analyse, flow_records, index_project  # noqa: PLC0415

    started = datetime.now(UTC)
    code = [policy.path(p) for p in policy.code]
    allowed = args.allow or [p.stem if p.is_file() else p.name for p in code]
    index = index_project(code, policy.path(policy.import_root), policy.root)
    result = analyse(index, args.entry, allowed)
    snapshot, _ = _snapshot(policy)
    outcome = flow_records(
        snapshot,
        index,
        result,
        policy.path(policy.evidence_dir),
        started_at=started,
        finished_at=datetime.now(UTC),
        depth=args.depth,
    )
    print(
        f"{len(result.reachable)} functions reachable from {', '.join(args.entry)}; "
        f"call depth {result.max_call_depth}; {len(result.findings)} findings"
    )
    for line in [*result.errors, *map(str, result.findings)]:
        print(f"  {line}")
    for record in outcome.records:
        print(f"{record.verdict.value:5} {record.id}: {record.figures['functions']} functions")
    for component in outcome.untraced:
        print(f"  reached, no record (no traced unit): {component}")
    ok = outcome.passed and not result.findings and not result.errors
    return ExitCode.OK if ok else ExitCode.GATE_FAILED


def _reviews(args: argparse.Namespace, policy: Policy) -> ExitCode:
    from safety_case.runners.reviews import review_records  # noqa: PLC0415

    folder = args.folder if args.folder.is_absolute() else policy.root / args.folder
    snapshot, _ = _snapshot(policy)
    outcome = review_records(snapshot, folder, policy.path(policy.evidence_dir))
    for problem in outcome.problems:
        print(problem, file=sys.stderr)
    for record in outcome.records:
        units = ", ".join(s.qualified_name for s in record.subjects)
        print(f"{record.verdict.value:5} {record.id}: {units}")
    print(f"{len(outcome.records)} inspection records written from {folder}")
    if outcome.problems:
        return ExitCode.CONFIG
    passed = all(r.verdict.value == "pass" for r in outcome.records)
    return ExitCode.OK if passed else ExitCode.GATE_FAILED


def _review_template(args: argparse.Namespace, policy: Policy) -> ExitCode:
    from safety_case.runners.reviews import review_template  # noqa: PLC0415

    snapshot, _ = _snapshot(policy)
    try:
        print(review_template(snapshot, args.units), end="")
    except ValueError as error:
        raise SafetyCaseError(str(error)) from None
    return ExitCode.OK


def _collect(args: argparse.Namespace, policy: Policy) -> ExitCode:
    out = _bundle_dir(policy, args.out)
    snapshot, needs_json = _snapshot(policy)
    manifest = collect_bundle(policy, snapshot, needs_json, out, policy.path(policy.evidence_dir))
    print(
        f"bundle {out}: {len(manifest.records)} records, {len(manifest.artefacts)} artefacts, "
        f"{len(manifest.sources)} source files, {len(manifest.requirements)} requirements"
    )
    print(f"manifest SHA-256: {file_sha256(out / 'manifest.json')}")
    return ExitCode.OK if manifest.records else ExitCode.GATE_FAILED


def _verify(args: argparse.Namespace, policy: Policy) -> ExitCode:
    bundle = _bundle_dir(policy, args.bundle)
    report = check_integrity(bundle, args.manifest_sha256)
    if not report.problems:  # the manifest holds: compare the sources too (exports the needs)
        snapshot, _ = _snapshot(policy)
        report = verify_bundle(bundle, policy, snapshot, args.manifest_sha256)
    for line in report.lines():
        print(line)
    if report.ok:
        print(f"bundle {bundle}: intact, sources unchanged, no stale evidence")
        return ExitCode.OK
    print(f"bundle {bundle}: does NOT hold ({len(report.stale)} records stale)")
    return ExitCode.GATE_FAILED


def _schema(args: argparse.Namespace, policy: Policy) -> ExitCode:
    del policy
    args.out.mkdir(parents=True, exist_ok=True)
    for stem, schema in json_schemas().items():
        path = args.out / f"{stem}.schema.json"
        path.write_text(json.dumps(schema, indent=2) + "\n", encoding="utf-8")
        print(path)
    return ExitCode.OK
