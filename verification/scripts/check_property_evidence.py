"""Check the property tests' evidence records: example count and seed kept, >= 1,000 examples.

Run by the nox session ``properties`` after the hypothesis tests ran under
the ``certification`` profile (DESIGN.md section 7: record the seed and the
example count; a certification run is derandomized so it can be repeated).
Reads the records in the evidence folder written since ``--since`` whose
figures carry hypothesis' settings (the pytest plugin adds them to every
traced test that ran a property) and prints one line per record. Exit 1
when a record ran under another profile, allowed or ran fewer than
``--min-examples`` examples, or has a seed that cannot be repeated; exit 2
when no such record was found.

Usage::

    python verification/scripts/check_property_evidence.py [--evidence build/evidence] \
        [--since 2026-01-01T00:00:00+00:00] [--min-examples 1000] [--profile certification]
"""

import argparse
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from safety_case.evidence import EvidenceRecord, read_records

__all__ = ["main", "problems"]


def problems(record: EvidenceRecord, *, min_examples: int, profile: str) -> list[str]:
    """Why ``record`` is not certification evidence of a property (empty: it is)."""
    figures = record.figures
    found = []
    if figures.get("hypothesis_profile") != profile:
        found.append(f"profile {figures.get('hypothesis_profile')!r}, not {profile!r}")
    if int(figures.get("max_examples", 0)) < min_examples:
        found.append(f"max_examples={figures.get('max_examples')} (settings in the test)")
    if int(figures.get("examples_run", 0)) < min_examples:
        found.append(f"examples_run={figures.get('examples_run', 0)}")
    if str(figures.get("seed", "random")).startswith("random"):
        found.append("seed not reproducible")
    return found


def main(argv: Sequence[str] | None = None) -> int:
    """Print one line per property record; exit 1 on a shortfall, 2 when none was found."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--evidence", type=Path, default=Path("build/evidence"))
    parser.add_argument("--since", type=datetime.fromisoformat, default=None)
    parser.add_argument("--min-examples", type=int, default=1000)
    parser.add_argument("--profile", default="certification")
    args = parser.parse_args(argv)
    since: datetime | None = args.since
    if since is not None and since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    records, unreadable = read_records(args.evidence)
    for message in unreadable:
        print(f"unreadable record: {message}", file=sys.stderr)
    chosen = sorted(
        (
            r
            for r in records
            if "hypothesis_profile" in r.figures and (since is None or r.finished_at >= since)
        ),
        key=lambda r: r.id,
    )
    if not chosen:
        print(f"no property record in {args.evidence}", file=sys.stderr)
        return 2
    short = 0
    for record in chosen:
        found = problems(record, min_examples=args.min_examples, profile=args.profile)
        short += bool(found)
        figures = record.figures
        state = "; ".join(found) if found else "ok"
        print(
            f"{record.verdict.value:5} {record.id}: {figures.get('examples_run', 0)} examples "
            f"(max {figures.get('max_examples')}), seed {figures.get('seed')}: {state}"
        )
    print(
        f"{len(chosen)} property records; {short} below {args.min_examples} examples "
        f"or not repeatable under the {args.profile!r} profile"
    )
    return 1 if short or unreadable else 0


if __name__ == "__main__":
    sys.exit(main())
