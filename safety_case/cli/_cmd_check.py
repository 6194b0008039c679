"""``safety-case check``: every rule of the metamodel over the project, findings with locations.

With ``--watch`` the command stays: it keeps Sphinx's application and
environment in memory (:class:`safety_case.rules.Checker`) and checks the
whole project again whenever a requirement, code or test file changes, so a
re-check after an edit pays neither Sphinx's start nor loading its
environment. Each re-check prints the same report as a one-shot check.

ASIL: tool (ISO 26262-8 clause 11); no requirement of the item.
"""

import argparse
import time
from collections.abc import Callable
from pathlib import Path

from safety_case.cli._exit import ExitCode
from safety_case.errors import NeedsBuildError
from safety_case.policy import Policy
from safety_case.rules import RULES, Checker, CheckReport, Severity, check_project

__all__ = ["HELP", "NAME", "add_arguments", "render", "run", "watch"]

NAME = "check"
HELP = "check requirements and traces against the ISO 26262 rules; exit 1 on a violation"

REPORT_NAME = "check_report.json"
"""File name of the JSON report in the policy's build folder."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare ``--json``, ``--watch`` and ``--interval``."""
    parser.add_argument(
        "--json",
        type=Path,
        metavar="OUT",
        help=f"write the JSON report here (default: <build_dir>/{REPORT_NAME})",
    )
    parser.add_argument(
        "--watch",
        action="store_true",
        help="stay, with Sphinx and its environment in memory, and check the whole project "
        "again whenever a requirement, code or test file changes (Ctrl-C stops)",
    )
    parser.add_argument(
        "--interval",
        type=float,
        default=0.5,
        metavar="SECONDS",
        help="with --watch: how often the files are looked at (default: 0.5)",
    )


def run(args: argparse.Namespace, policy: Policy) -> ExitCode:
    """Check, print the findings grouped by severity, write the JSON report."""
    out = args.json if args.json is not None else policy.path(policy.build_dir) / REPORT_NAME
    if args.watch:
        return watch(policy, out, max(args.interval, 0.05))
    return _emit(check_project(policy), out)


def watch(
    policy: Policy,
    out: Path,
    interval_s: float,
    *,
    checks: int | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> ExitCode:
    """Check now and again after every change of a source, code or test file.

    Args:
        policy: the project's policy.
        out: where each check writes its JSON report.
        interval_s: seconds between two looks at the files.
        checks: stop after this many checks (``None``: until Ctrl-C).
        sleep: waits between two looks (a test replaces it).

    Returns:
        The exit code of the last check (:data:`ExitCode.CONFIG` when its build failed).
    """
    checker = Checker(policy)
    code = ExitCode.OK
    seen: tuple[tuple[str, int, int], ...] | None = None
    done = 0
    try:
        while checks is None or done < checks:
            files = _watched(policy)
            if files == seen:
                sleep(interval_s)
                continue
            seen = files
            started = time.perf_counter()
            try:
                report = checker.check()
            except NeedsBuildError as error:
                print(f"error: {error}")
                code = ExitCode.CONFIG
            else:
                code = _emit(report, out)
            done += 1
            print(
                f"checked in {time.perf_counter() - started:.2f} s; "
                "watching for changes (Ctrl-C stops)",
                flush=True,
            )
            checker.settle()
    except KeyboardInterrupt:
        pass
    finally:
        checker.close()
    return code


def _watched(policy: Policy) -> tuple[tuple[str, int, int], ...]:
    """Every file the check reads (requirements, code, tests, policy): size and mtime."""
    roots = [policy.path(policy.requirements), *(policy.path(p) for p in policy.code)]
    roots += [policy.path(p) for p in policy.tests]
    files: list[tuple[str, int, int]] = []
    for root in roots:
        paths = sorted(root.rglob("*")) if root.is_dir() else [root]
        for path in paths:
            if "__pycache__" in path.parts:
                continue
            try:
                stat = path.stat()
            except OSError:
                continue
            if path.is_file():
                files.append((str(path), stat.st_size, stat.st_mtime_ns))
    return tuple(files)


def _emit(report: CheckReport, out: Path) -> ExitCode:
    """Write the JSON report, print the text one; the exit code the report calls for."""
    report.write_json(out)
    print(render(report))
    print(f"report: {out}")
    if any(f.severity is Severity.CONFIG_ERROR for f in report.findings):
        return ExitCode.CONFIG
    return ExitCode.GATE_FAILED if report.failed else ExitCode.OK


def render(report: CheckReport) -> str:
    """The findings as text, worst severity first, each with location, rule and clause."""
    lines: list[str] = []
    for severity in sorted(Severity, reverse=True):
        group = [f for f in report.findings if f.severity is severity]
        if not group:
            continue
        lines.append(f"{severity.name} ({len(group)})")
        for finding in group:
            need = f" {finding.need_id}" if finding.need_id else ""
            lines.append(
                f"  {finding.location}: {finding.rule.value} {finding.rule.name}{need}: "
                f"{finding.message} [{RULES[finding.rule].clause}]"
            )
    open_work = len(report.open_work)
    verdict = "FAILED" if report.failed else "passed"
    lines.append(
        f"check {verdict}: {report.needs} needs, {report.code_units} code units, "
        f"{report.tests} tests; {len(report.findings)} findings, {open_work} of them open work "
        "(not implemented, not verified, methods missing)"
    )
    return "\n".join(lines)
