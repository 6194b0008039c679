"""Turn one test outcome into an evidence record (pure; the pytest plugin is glue)."""

import platform
import sys
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path

from safety_case.evidence._record import EvidenceRecord, Method, Subject, ToolInfo, Verdict
from safety_case.fingerprint import procedure_fingerprint
from safety_case.snapshot import Snapshot
from safety_case.trace import module_name

__all__ = ["procedure_of_script", "procedures_of_tests", "record_from_test", "run_environment"]

_VERDICTS = {"passed": Verdict.PASS, "failed": Verdict.FAIL}


def run_environment() -> dict[str, str]:
    """Facts of the machine and interpreter that a reader of the record may need."""
    return {
        "python": sys.version.split()[0],
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
    }


def procedures_of_tests(
    node_ids: Iterable[str], rootdir: Path, snapshot: Snapshot
) -> dict[str, Subject]:
    """The test behind each pytest node id, fingerprinted, by node id.

    The unit is the test function as its file defines it, fingerprinted with
    the helpers, constants and fixtures of its module, conftests and helper
    modules it uses (:func:`safety_case.fingerprint.procedure_fingerprint`), else the whole
    module: a test its file does not define (a hypothesis state machine's
    ``runTest``, a method inherited from a base class) rests on the code
    around it. A node whose file is not a Python file of the project has no
    procedure. Each file is parsed once.

    Args:
        node_ids: pytest node ids (``path::Class::test[param]``).
        rootdir: the folder the node ids' paths are relative to (pytest's rootdir).
        snapshot: the project, for its root and import root.
    """
    tests: dict[str, tuple[Path, str, str]] = {}
    for node_id in node_ids:
        file_part, *names = node_id.split("[", 1)[0].split("::")
        path = (rootdir / file_part).resolve()
        if path.suffix != ".py" or not path.is_file() or not path.is_relative_to(snapshot.root):
            continue
        import_root = snapshot.import_root or snapshot.root
        if not path.is_relative_to(import_root):
            import_root = snapshot.root
        module = module_name(path, import_root)
        tests[node_id] = (path, ".".join([module, *names]), module)
    procedures: dict[str, Subject] = {}
    for node_id, (path, name, module) in tests.items():
        unit, fingerprint = name, procedure_fingerprint(path, name, module, snapshot.root)
        if fingerprint is None:
            unit, fingerprint = module, procedure_fingerprint(path, module, module, snapshot.root)
        if fingerprint is not None:
            procedures[node_id] = Subject(
                qualified_name=unit, path=snapshot.relative(path), fingerprint=fingerprint
            )
    return procedures


def procedure_of_script(path: str | Path, snapshot: Snapshot) -> Subject | None:
    """A script that makes evidence itself, as the procedure of its records.

    Its tables, workloads and budgets decide the verdicts, so its records rest
    on the whole module and the helper modules of its tree it imports (an edit
    stales them); ``None`` for a file outside the project.
    """
    node_id = str(Path(path).resolve())
    return procedures_of_tests([node_id], snapshot.root, snapshot).get(node_id)


def record_from_test(  # noqa: PLR0913 - a record has this many independent facts
    *,
    test_id: str,
    outcome: str,
    requirement_ids: Sequence[str],
    method: Method,
    snapshot: Snapshot,
    tool: ToolInfo,
    started_at: datetime,
    finished_at: datetime,
    duration_s: float,
    procedure: Subject | None = None,
) -> EvidenceRecord:
    """Build the record of one test run.

    Args:
        test_id: the test's node id.
        outcome: ``passed``, ``failed`` or ``skipped`` (anything else is inconclusive).
        requirement_ids: the ids its ``verifies`` marker names.
        method: the ISO 26262-6 method the test applies.
        snapshot: sources at run time, for fingerprints.
        tool: the test runner and its version.
        started_at: start of the run (UTC).
        finished_at: end of the run (UTC).
        duration_s: duration of the test itself.
        procedure: the test itself (:func:`procedures_of_tests`), on which the record rests too.
    """
    subjects = {
        unit.qualified_name: Subject(
            qualified_name=unit.qualified_name,
            path=snapshot.relative(unit.path),
            fingerprint=snapshot.code_fingerprints.get(unit.qualified_name) or "",
        )
        for requirement_id in requirement_ids
        for unit in snapshot.implementers(requirement_id)
    }
    return EvidenceRecord(
        id=test_id,
        method=method,
        requirement_ids=tuple(requirement_ids),
        requirement_fingerprints={
            rid: snapshot.requirement_fingerprints[rid]
            for rid in requirement_ids
            if rid in snapshot.requirement_fingerprints
        },
        subjects=tuple(subjects.values()),
        procedure=procedure,
        verdict=_VERDICTS.get(outcome, Verdict.INCONCLUSIVE),
        tool=tool,
        figures={"duration_s": round(duration_s, 6)},
        environment=run_environment(),
        started_at=started_at,
        finished_at=finished_at,
    )
