"""Tests of safety_case/needs.py: the incremental export keeps every warning; the in-memory path.

Covers: a warning of a document the incremental build does not re-read is
carried over; an unchanged project is not rebuilt (the stamp); fixing the
document drops its warning; a document that is not UTF-8 text is left out
of the read with a warning naming it, and the rest is exported (Sphinx 9
alone stops on it without naming the file). The needs taken in memory equal those read from
``needs.json`` (on a miniature project and on this repository's
``requirements/``), fresh and after an edit; taking them writes no
``needs.json``, and a later :func:`export_needs` writes the file from the
kept export without running Sphinx, equal to one Sphinx writes.
"""

import json
import shutil
import time
from pathlib import Path
from typing import Any

import pytest

from safety_case import _needs_build
from safety_case.needs import (
    EXPORT_CACHE,
    WARNINGS_FILE,
    NeedsSession,
    export_needs,
    export_needs_data,
    load_needs,
)

from .conftest import MiniProject

A_BROKEN = "A\n=\n\n.. fsr:: F\n   :id: FSR_AAA\n   :asil: D\n\nText *broken\n"
A_FIXED = "A\n=\n\n.. fsr:: F\n   :id: FSR_AAA\n   :asil: D\n\nText fixed\n"
INDEX = "Index\n=====\n\n.. toctree::\n\n   a\n   b\n"
B = "B\n=\n\n.. fsr:: G\n   :id: FSR_BBB\n   :asil: {asil}\n"


def test_incremental_export_keeps_and_drops_warnings(mini_project: MiniProject) -> None:
    root = mini_project(
        {"reqs/index.rst": INDEX, "reqs/a.rst": A_BROKEN, "reqs/b.rst": B.format(asil="D")}
    )
    out = root / "build"
    warnings = out / WARNINGS_FILE
    needs_json = export_needs(root / "reqs", out)
    assert "a.rst:8" in warnings.read_text(encoding="utf-8")
    time.sleep(0.01)
    (root / "reqs" / "b.rst").write_text(B.format(asil="C"), encoding="utf-8")
    export_needs(root / "reqs", out)  # re-reads b only
    assert load_needs(needs_json)["FSR_BBB"]["asil"] == "C"
    assert "a.rst:8" in warnings.read_text(encoding="utf-8")
    stamp = (out / "sources.stamp").stat().st_mtime_ns
    export_needs(root / "reqs", out)  # nothing changed: no build
    assert (out / "sources.stamp").stat().st_mtime_ns == stamp
    (root / "reqs" / "a.rst").write_text(A_FIXED, encoding="utf-8")
    export_needs(root / "reqs", out)
    assert "a.rst" not in warnings.read_text(encoding="utf-8")


def test_a_document_that_is_not_text_is_named_and_the_rest_exported(
    mini_project: MiniProject,
) -> None:
    root = mini_project({"reqs/index.rst": INDEX, "reqs/b.rst": B.format(asil="D")})
    (root / "reqs" / "a.rst").write_bytes(A_FIXED.encode() + b"\xff\xfe")  # not UTF-8
    out = root / "build"
    needs = load_needs(export_needs(root / "reqs", out))
    assert set(needs) == {"FSR_BBB"}
    warned = (out / WARNINGS_FILE).read_text(encoding="utf-8")
    assert "a.rst: WARNING: not utf-8" in warned
    assert "the document was not read" in warned
    (root / "reqs" / "a.rst").write_text(A_FIXED, encoding="utf-8")
    assert set(load_needs(export_needs(root / "reqs", out))) == {"FSR_AAA", "FSR_BBB"}
    assert "a.rst" not in (out / WARNINGS_FILE).read_text(encoding="utf-8")


def _without_times(needs_json: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(needs_json.read_text(encoding="utf-8"))
    data.pop("created", None)
    for version in data["versions"].values():
        version.pop("created", None)
    return data


def test_in_memory_needs_equal_needs_json_and_the_file_is_written_lazily(
    mini_project: MiniProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = mini_project(
        {"reqs/index.rst": INDEX, "reqs/a.rst": A_BROKEN, "reqs/b.rst": B.format(asil="D")}
    )
    out, reference = root / "build", root / "reference"
    needs = export_needs_data(root / "reqs", out)
    assert needs == load_needs(export_needs(root / "reqs", reference))
    assert needs["FSR_AAA"]["sections"] == ["A"]  # a tuple in sphinx-needs, a list in JSON
    assert not (out / "needs.json").exists()
    assert (out / EXPORT_CACHE).is_file()
    time.sleep(0.01)
    (root / "reqs" / "b.rst").write_text(B.format(asil="C"), encoding="utf-8")
    edited = export_needs_data(root / "reqs", out)
    assert edited["FSR_BBB"]["asil"] == "C"
    assert edited == load_needs(export_needs(root / "reqs", reference))
    builds: list[Path] = []
    monkeypatch.setattr(
        _needs_build, "build", lambda source, _out, **_: builds.append(source)
    )  # any build now fails the test: the file comes from the kept export
    written = export_needs(root / "reqs", out)
    assert builds == []
    assert _without_times(written) == _without_times(reference / "needs.json")
    assert export_needs_data(root / "reqs", out) == edited  # unchanged: no build either


def test_in_memory_needs_equal_needs_json_on_the_bms_requirements(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = Path(__file__).resolve().parents[2] / "requirements"
    reqs = shutil.copytree(source, tmp_path / "requirements")
    before = load_needs(export_needs(reqs, tmp_path / "json"))
    made: list[int] = []
    real = _needs_build.NeedsApp._create

    def counted(app: _needs_build.NeedsApp) -> object:
        made.append(1)
        return real(app)

    monkeypatch.setattr(_needs_build.NeedsApp, "_create", counted)
    session = NeedsSession(reqs, tmp_path / "kept")
    try:
        fresh = session.needs()
        edited = next(
            p for p in sorted(reqs.rglob("*.rst")) if ":asil: D\n" in p.read_text("utf-8")
        )
        time.sleep(0.01)
        edited.write_text(edited.read_text("utf-8").replace(":asil: D\n", ":asil: C\n", 1), "utf-8")
        again = session.needs()  # the same application, re-reading one document
    finally:
        session.close()
    assert made == [1]
    assert fresh == before
    assert again == load_needs(export_needs(reqs, tmp_path / "json"))
    assert again != fresh
