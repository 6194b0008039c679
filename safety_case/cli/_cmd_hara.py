"""``safety-case hara``: the ASIL table (S x E x C) and each hazard's computed vs declared ASIL."""

import argparse

from safety_case.asil import asil_table, determine_asil, parse_asil, parse_class
from safety_case.cli._exit import ExitCode
from safety_case.needs import export_needs, load_needs
from safety_case.policy import Policy

__all__ = ["HELP", "NAME", "add_arguments", "run"]

NAME = "hara"
HELP = "print the ASIL table and each hazard's computed ASIL; exit 1 on a mismatch"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """No options."""
    del parser


def run(args: argparse.Namespace, policy: Policy) -> ExitCode:
    """Print ISO 26262-3 Table 4, then one row per hazardous event."""
    del args
    print("ASIL determination (ISO 26262-3:2018 Table 4)")
    print(f"{'':8}{'C1':>4}{'C2':>4}{'C3':>4}")
    for severity, exposure, row in asil_table():
        print(f"S{severity} E{exposure}   " + "".join(f"{a.name:>4}" for a in row))
    needs = load_needs(
        export_needs(policy.path(policy.requirements), policy.path(policy.build_dir))
    )
    hazards = sorted(i for i, n in needs.items() if n.get("type") == "hazard")
    print(f"\n{'hazard':40} {'S':3}{'E':3}{'C':3} {'computed':9}{'declared':9}")
    mismatches = 0
    for hazard_id in hazards:
        need = needs[hazard_id]
        s, e, c = (str(need.get(k) or "?") for k in ("severity", "exposure", "controllability"))
        classes = (parse_class(s, "S"), parse_class(e, "E"), parse_class(c, "C"))
        declared = str(need.get("asil") or "?")
        numbers = [x for x in classes if x is not None]
        computed = determine_asil(*numbers).name if len(numbers) == len(classes) else "?"
        rating = parse_asil(declared)
        ok = rating is not None and not rating.decomposed and rating.level.name == computed
        mismatches += not ok
        mark = "" if ok else "  MISMATCH"
        print(f"{hazard_id:40} {s:3}{e:3}{c:3} {computed:9}{declared:9}{mark}")
    print(f"{len(hazards)} hazardous events, {mismatches} mismatches")
    return ExitCode.GATE_FAILED if mismatches else ExitCode.OK
