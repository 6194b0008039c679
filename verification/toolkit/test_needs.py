"""Tests of safety_case/needs.py: the incremental export keeps every warning.

Covers: a warning of a document the incremental build does not re-read is
carried over; an unchanged project is not rebuilt (the stamp); fixing the
document drops its warning.
"""

import time

from safety_case.needs import WARNINGS_FILE, export_needs, load_needs

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
