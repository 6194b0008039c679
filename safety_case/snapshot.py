"""A snapshot of the project's sources: needs, traces and their fingerprints.

Layer 2 (sources). Everything the toolkit judges is compared against one
snapshot taken at one moment, so that the evidence written by a run and the
staleness check that reads it later use the same definitions.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from safety_case.fingerprint import code_unit_fingerprints, requirement_fingerprint
from safety_case.needs import export_needs_data, load_needs
from safety_case.policy import Policy
from safety_case.trace import TraceError, TraceTarget, extract, module_name

__all__ = ["Snapshot", "take_snapshot"]


@dataclass(frozen=True)
class Snapshot:
    """Needs, traces and fingerprints of a project at one moment."""

    root: Path
    """Project root (the policy file's folder)."""
    needs: dict[str, dict[str, Any]]
    """Needs by id, as sphinx-needs exported them."""
    code_units: tuple[TraceTarget, ...]
    """Code units carrying ``Implements:`` tags."""
    tests: tuple[TraceTarget, ...]
    """Tests carrying ``verifies`` markers."""
    trace_errors: tuple[TraceError, ...]
    """Traces that could not be read."""
    code_fingerprints: dict[str, str | None] = field(default_factory=dict)
    """Fingerprint of each traced code unit by qualified name."""
    requirement_fingerprints: dict[str, str] = field(default_factory=dict)
    """Fingerprint of each need by id."""
    import_root: Path | None = None
    """The folder qualified names are relative to (``None``: the project root)."""

    def implementers(self, requirement_id: str) -> list[TraceTarget]:
        """Code units that name ``requirement_id`` in their ``Implements:`` tag."""
        return [unit for unit in self.code_units if requirement_id in unit.requirement_ids]

    def relative(self, path: Path) -> str:
        """``path`` relative to the project root, as records store it."""
        return path.resolve().relative_to(self.root).as_posix()


def take_snapshot(policy: Policy, needs_json: Path | None = None) -> Snapshot:
    """Export the needs (unless ``needs_json`` is given) and extract the traces.

    The export is taken in memory (:func:`safety_case.needs.export_needs_data`):
    ``needs.json`` is written only when a caller asks for the file.
    """
    if needs_json is None:
        needs = export_needs_data(policy.path(policy.requirements), policy.path(policy.build_dir))
    else:
        needs = load_needs(needs_json)
    import_root = policy.path(policy.import_root)
    code, code_errors = extract([policy.path(p) for p in policy.code], import_root)
    tests, test_errors = extract([policy.path(p) for p in policy.tests], import_root)
    fingerprints = code_unit_fingerprints(
        (unit.path, unit.qualified_name, module_name(unit.path, import_root)) for unit in code
    )
    by_kind: dict[str, list[TraceTarget]] = defaultdict(list)
    for target in [*code, *tests]:
        by_kind[target.kind].append(target)
    return Snapshot(
        root=policy.root,
        needs=needs,
        code_units=tuple(by_kind["code"]),
        tests=tuple(by_kind["test"]),
        trace_errors=tuple(code_errors + test_errors),
        code_fingerprints=fingerprints,
        requirement_fingerprints={
            need_id: requirement_fingerprint(need) for need_id, need in needs.items()
        },
        import_root=import_root,
    )
