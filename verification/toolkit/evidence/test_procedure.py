"""Tests of the test a record rests on: ``procedures_of_tests`` and its staleness.

Covers: a node id names its test function (parameters, classes and a
rootdir above the project root included) with its procedure fingerprint;
a test its file does not define (a hypothesis state machine's ``runTest``)
rests on its whole module; a node outside the project, of a missing file or
of a file that does not parse has none. A record whose test is edited, renamed
or whose file is removed is stale with a reason naming the test, and so is
one whose test's helper, module constant, fixture (of its module or of a
conftest above it, followed through the fixtures it requests), ``autouse``
fixture or class changed, or a name it imports from a helper module of its
own tree (absolute, relative, ``prepend``-style and module imports, followed
from module to module, re-exports to their definition); an edit to another
test of the file, to a helper or fixture it does not use, to code outside
the test's tree (the code under test) or to a comment leaves it fresh; a
module-level procedure goes stale on any edit of its file or of a helper it
imports; without the project root the reason says it cannot be judged.
``procedure`` lists exactly the files a fingerprint reads. A script that
writes evidence itself rests on its whole module (``procedure_of_script``),
one outside the project on nothing.
"""

from datetime import UTC, datetime
from pathlib import Path

import pytest

from safety_case.evidence import (
    EvidenceRecord,
    Method,
    Subject,
    ToolInfo,
    Verdict,
    procedure_of_script,
    procedures_of_tests,
    stale_reasons,
)
from safety_case.fingerprint import procedure, procedure_fingerprint
from safety_case.snapshot import Snapshot

TESTS = """
import pytest

import tests.helpers as helpers_module
from helpers import make as make_prepended
from lib.code import under_test
from tests.helpers import DEPTH as REEXPORTED
from tests.helpers import make

from .helpers import make as make_relative

LIMIT = 0
OTHER = 5


def _positive(value):
    return value > LIMIT


def _unused():
    return OTHER


@pytest.fixture
def local(shared):
    return shared + 1


@pytest.mark.parametrize("value", [1, 2])
def test_one(value):
    assert _positive(value)  # positive


def test_two():
    assert True


def test_with_fixtures(local):
    assert local == 2


class TestGroup:
    def test_member(self):
        assert self._two() == 2

    def _two(self):
        return 1 + 1


TestMachine = object  # stands for Machine.TestCase, whose runTest is not in this file


def test_helper():
    assert make(1) == 4


def test_relative():
    assert make_relative(1) == 4


def test_prepended():
    assert make_prepended(1) == 4


def test_module_alias():
    assert helpers_module.make(1) == 4


def test_code_under_test():
    assert under_test() == 1


def test_reexported():
    assert REEXPORTED == 1
"""
HELPERS = """
from tests.deep import DEPTH

SCALE = 3


def make(value):
    return value * SCALE + DEPTH


def unrelated():
    return 0
"""
CONFTEST = """
import pytest


@pytest.fixture
def shared(base):
    return base


@pytest.fixture
def base():
    return 1


@pytest.fixture
def unused_fixture():
    return 0


@pytest.fixture(autouse=True)
def seeded():
    return SEED


SEED = 7
"""


def _snapshot(root: Path) -> Snapshot:
    return Snapshot(root=root, needs={}, code_units=(), tests=(), trace_errors=(), import_root=root)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_a.py").write_text(TESTS, encoding="utf-8")
    (tmp_path / "conftest.py").write_text(CONFTEST, encoding="utf-8")
    (tmp_path / "tests" / "helpers.py").write_text(HELPERS, encoding="utf-8")
    (tmp_path / "tests" / "deep.py").write_text("DEPTH = 1\n", encoding="utf-8")
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "code.py").write_text("def under_test():\n    return 1\n", "utf-8")
    return tmp_path


def _procedure(root: Path, node_id: str) -> Subject:
    return procedures_of_tests([node_id], root, _snapshot(root))[node_id]


def _record(procedure: Subject) -> EvidenceRecord:
    now = datetime.now(UTC)
    return EvidenceRecord(
        id="tests/test_a.py::test_one",
        method=Method.REQUIREMENTS_BASED_TEST,
        requirement_ids=("SWR_X_001",),
        requirement_fingerprints={},
        subjects=(),
        procedure=procedure,
        verdict=Verdict.PASS,
        tool=ToolInfo(name="pytest", version="9"),
        started_at=now,
        finished_at=now,
    )


def _edit(root: Path, old: str, new: str, file: str = "tests/test_a.py") -> None:
    path = root / file
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


@pytest.mark.parametrize(
    ("node_id", "name"),
    [
        ("tests/test_a.py::test_two", "tests.test_a.test_two"),
        ("tests/test_a.py::test_one[1]", "tests.test_a.test_one"),
        ("tests/test_a.py::TestGroup::test_member", "tests.test_a.TestGroup.test_member"),
        ("tests/test_a.py::TestMachine::runTest", "tests.test_a"),
    ],
)
def test_a_node_names_its_test_with_the_fingerprint_of_its_definition(
    project: Path, node_id: str, name: str
) -> None:
    procedure = _procedure(project, node_id)
    module = "tests.test_a"
    assert procedure.qualified_name == name
    assert procedure.path == "tests/test_a.py"
    assert procedure.fingerprint == procedure_fingerprint(
        project / "tests" / "test_a.py", name, module, project
    )


def test_node_ids_relative_to_a_rootdir_above_the_project(project: Path) -> None:
    found = procedures_of_tests(
        [f"{project.name}/tests/test_a.py::test_two"], project.parent, _snapshot(project)
    )
    assert [p.qualified_name for p in found.values()] == ["tests.test_a.test_two"]


def test_nodes_without_a_python_file_in_the_project_have_no_procedure(
    project: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    outside = tmp_path_factory.mktemp("outside")
    (outside / "test_b.py").write_text("def test_b():\n    pass\n", encoding="utf-8")
    (project / "tests" / "test_broken.py").write_text("def test_c(:\n", encoding="utf-8")
    nodes = [
        "tests/test_missing.py::test_x",
        "tests/README.txt::line",
        "tests/test_broken.py::test_c",
        f"../{outside.name}/test_b.py::test_b",
    ]
    assert procedures_of_tests(nodes, project, _snapshot(project)) == {}


def test_an_edited_test_makes_its_record_stale(project: Path) -> None:
    record = _record(_procedure(project, "tests/test_a.py::test_one[2]"))
    assert stale_reasons(record, {}, {}, root=project) == []
    _edit(project, "assert _positive(value)", "assert not _positive(-value)")
    assert stale_reasons(record, {}, {}, root=project) == [
        "test tests.test_a.test_one or a helper or fixture it uses changed since the run"
    ]


@pytest.mark.parametrize(
    ("node_id", "file", "old", "new"),
    [
        ("tests/test_a.py::test_one[1]", "tests/test_a.py", "value > LIMIT", "value >= LIMIT"),
        ("tests/test_a.py::test_one[1]", "tests/test_a.py", "LIMIT = 0", "LIMIT = -1"),
        ("tests/test_a.py::test_with_fixtures", "tests/test_a.py", "shared + 1", "shared + 2"),
        ("tests/test_a.py::test_with_fixtures", "conftest.py", "return base", "return 2 * base"),
        ("tests/test_a.py::test_with_fixtures", "conftest.py", "return 1", "return 2"),
        ("tests/test_a.py::TestGroup::test_member", "tests/test_a.py", "1 + 1", "2 + 0"),
        ("tests/test_a.py::test_two", "conftest.py", "SEED = 7", "SEED = 8"),
        ("tests/test_a.py::test_helper", "tests/helpers.py", "SCALE = 3", "SCALE = 4"),
        ("tests/test_a.py::test_helper", "tests/deep.py", "DEPTH = 1", "DEPTH = 2"),
        ("tests/test_a.py::test_relative", "tests/helpers.py", "+ DEPTH", "- DEPTH"),
        ("tests/test_a.py::test_prepended", "tests/helpers.py", "+ DEPTH", "- DEPTH"),
        ("tests/test_a.py::test_module_alias", "tests/helpers.py", "return 0", "return 9"),
        ("tests/test_a.py::test_reexported", "tests/deep.py", "DEPTH = 1", "DEPTH = 2"),
        ("tests/test_a.py::TestMachine::runTest", "tests/deep.py", "DEPTH = 1", "DEPTH = 2"),
    ],
)
def test_a_changed_helper_constant_fixture_or_class_makes_the_record_stale(
    project: Path, node_id: str, file: str, old: str, new: str
) -> None:
    record = _record(_procedure(project, node_id))
    _edit(project, old, new, file)
    assert len(stale_reasons(record, {}, {}, root=project)) == 1


def test_what_a_test_does_not_use_and_comments_leave_it_fresh(project: Path) -> None:
    one = _record(_procedure(project, "tests/test_a.py::test_one[1]"))
    with_fixtures = _record(_procedure(project, "tests/test_a.py::test_with_fixtures"))
    _edit(project, "assert True", "assert not False")
    _edit(project, "# positive", "# strictly positive")
    _edit(project, "OTHER = 5", "OTHER = 6")
    _edit(project, "return OTHER", "return -OTHER")
    _edit(project, "return 0", "return 3", "conftest.py")
    assert stale_reasons(one, {}, {}, root=project) == []
    assert stale_reasons(with_fixtures, {}, {}, root=project) == []


def test_code_outside_the_tests_tree_and_unused_helpers_leave_it_fresh(project: Path) -> None:
    helper = _record(_procedure(project, "tests/test_a.py::test_helper"))
    under_test = _record(_procedure(project, "tests/test_a.py::test_code_under_test"))
    reexported = _record(_procedure(project, "tests/test_a.py::test_reexported"))
    _edit(project, "return 0", "return 3", "tests/helpers.py")
    _edit(project, "return 1", "return 2", "lib/code.py")
    assert stale_reasons(helper, {}, {}, root=project) == []
    assert stale_reasons(under_test, {}, {}, root=project) == []
    assert stale_reasons(reexported, {}, {}, root=project) == []  # not the whole helper module


def test_procedure_files_are_the_files_its_fingerprint_reads(project: Path) -> None:
    test = project / "tests" / "test_a.py"
    found = procedure(test, "tests.test_a.test_helper", "tests.test_a", project)
    tests = project / "tests"
    assert found is not None
    assert found.files == {test, project / "conftest.py", tests / "helpers.py", tests / "deep.py"}
    assert found.fingerprint == procedure_fingerprint(
        test, "tests.test_a.test_helper", "tests.test_a", project
    )
    alone = procedure(test, "tests.test_a.test_two", "tests.test_a", project)
    assert alone is not None
    assert alone.files == {test, project / "conftest.py"}
    assert procedure(test, "tests.test_a.test_gone", "tests.test_a", project) is None


def test_a_module_level_procedure_goes_stale_on_any_edit_of_its_file(project: Path) -> None:
    record = _record(_procedure(project, "tests/test_a.py::TestMachine::runTest"))
    _edit(project, "assert True", "assert not False")
    assert stale_reasons(record, {}, {}, root=project) == [
        "test module tests.test_a or a helper it imports changed since the run"
    ]


def test_a_renamed_test_and_a_removed_file_are_named(project: Path) -> None:
    record = _record(_procedure(project, "tests/test_a.py::test_two"))
    _edit(project, "def test_two", "def test_three")
    assert stale_reasons(record, {}, {}, root=project) == [
        "test tests.test_a.test_two no longer exists: tests/test_a.py does not define it "
        "(removed or renamed)"
    ]
    (project / "tests" / "test_a.py").unlink()
    assert stale_reasons(record, {}, {}, root=project) == [
        "test tests.test_a.test_two no longer exists: its file tests/test_a.py is gone"
    ]


def test_without_the_project_root_a_test_cannot_be_judged(project: Path) -> None:
    record = _record(_procedure(project, "tests/test_a.py::test_two"))
    assert stale_reasons(record, {}, {}) == [
        "test tests.test_a.test_two cannot be judged without the project root (tests/test_a.py)"
    ]


def test_a_script_rests_on_its_whole_module(
    project: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    script = project / "tests" / "make_evidence.py"
    script.write_text("from tests.deep import DEPTH\n\nprint(DEPTH)\n", encoding="utf-8")
    procedure = procedure_of_script(str(script), _snapshot(project))
    assert procedure is not None
    assert procedure.qualified_name == "tests.make_evidence"
    record = _record(procedure)
    _edit(project, "DEPTH = 1", "DEPTH = 2", "tests/deep.py")
    assert stale_reasons(record, {}, {}, root=project) == [
        "test module tests.make_evidence or a helper it imports changed since the run"
    ]
    outside = tmp_path_factory.mktemp("outside") / "script.py"
    outside.write_text("print(1)\n", encoding="utf-8")
    assert procedure_of_script(outside, _snapshot(project)) is None
