"""Tests of the DOT writer and the SVG rendering (safety_case/gsn/_graphviz.py).

Covers: each element kind gets its GSN shape (goal box, strategy
parallelogram, solution circle, context rounded box, A and J ovals, away
goal naming its module), an undeveloped element gets a diamond, statuses
get their colours and are also written in the label, links become URLs,
quotes and markup in texts are escaped; more than six solutions of one
goal become one table with a linked, coloured cell per solution, and more
than six other leaves of one parent are stacked in rows; ``dot`` turns it into an SVG with
one node per element (skipped without graphviz); a missing ``dot`` is a
clear RenderError.
"""

import shutil

import pytest

from safety_case.gsn import (
    STATUS_COLOURS,
    Assumption,
    AwayGoal,
    Context,
    Goal,
    InContextOf,
    Justification,
    Module,
    RenderError,
    Solution,
    Status,
    Strategy,
    SupportedBy,
    render_svg,
    render_svgs,
    to_dot,
)

MODULE = Module(
    id="SG_A",
    title="t",
    elements=(
        Goal(id="G1", text='Say "hi" & <b>', need_id="SG_A", status=Status.STALE),
        Strategy(id="S1", text="over methods", status=Status.STALE),
        Solution(id="Sn1", text="test", status=Status.STALE, record_id="r1"),
        Goal(id="G2", text="inspected", undeveloped=True, status=Status.UNDEVELOPED),
        Context(id="C1", text="hazard"),
        Assumption(id="A1", text="12 V"),
        Justification(id="J1", text="Table 7"),
        AwayGoal(id="AG1", text="tools", module="TOOLS", goal="GT"),
    ),
    supported_by=(
        SupportedBy(source="G1", target="S1"),
        SupportedBy(source="S1", target="Sn1"),
        SupportedBy(source="S1", target="G2"),
        SupportedBy(source="S1", target="AG1"),
    ),
    in_context_of=(
        InContextOf(source="G1", target="C1"),
        InContextOf(source="G1", target="A1"),
        InContextOf(source="S1", target="J1"),
    ),
)


def _line(dot: str, element_id: str) -> str:
    return next(line for line in dot.splitlines() if line.strip().startswith(f'"{element_id}" ['))


def test_shapes_colours_links_and_escaping() -> None:
    dot = to_dot(MODULE, lambda e: f"reqs.html#{e.need_id}" if e.need_id else None)
    assert 'shape="box"' in _line(dot, "G1")
    assert 'shape="parallelogram"' in _line(dot, "S1")
    assert 'shape="circle"' in _line(dot, "Sn1")
    assert 'style="rounded,filled"' in _line(dot, "C1")
    assert 'shape="ellipse"' in _line(dot, "A1")
    assert "<B>A</B>" in _line(dot, "A1")
    assert "<B>J</B>" in _line(dot, "J1")
    assert "module TOOLS" in _line(dot, "AG1")
    assert '"G2__undeveloped" [shape=diamond' in dot
    assert STATUS_COLOURS[Status.STALE][0] in _line(dot, "G1")
    assert "[stale]" in _line(dot, "G1")
    assert 'URL="reqs.html#SG_A"' in _line(dot, "G1")
    assert "URL=" not in _line(dot, "S1")
    assert "&amp; &lt;b&gt;" in _line(dot, "G1")
    assert '\\"hi\\"' in _line(dot, "G1")
    assert '"G1" -> "C1" [arrowhead=empty' in dot


@pytest.mark.skipif(shutil.which("dot") is None, reason="graphviz's dot is not installed")
def test_render_svg_has_a_node_per_element() -> None:
    svg = render_svg(to_dot(MODULE))
    assert svg.startswith("<svg")
    assert svg.count('class="node') == len(MODULE.elements) + 1  # and the diamond


def test_missing_dot_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda _name: None)
    with pytest.raises(RenderError, match="apt-get install graphviz"):
        render_svg("digraph {}")


def test_many_solutions_are_one_table_of_linked_cells() -> None:
    solutions = tuple(
        Solution(
            id=f"Sn{i}",
            text="t",
            status=Status.FAILING if i == 3 else Status.SUPPORTED,
            record_id=f"r{i}",
        )
        for i in range(14)
    )
    module = Module(
        id="M",
        title="t",
        elements=(Goal(id="G1", text="verified"), *solutions),
        supported_by=tuple(SupportedBy(source="G1", target=s.id) for s in solutions),
    )
    dot = to_dot(module, lambda e: f"trace.html#{e.id}")
    assert '"G1" -> "G1__solutions"' in dot
    assert '"G1" -> "Sn0"' not in dot
    table = _line(dot, "G1__solutions")
    assert table.count("<TD ID=") == 14
    assert table.count("<TR>") == 1 + 3  # the caption, then rows of six
    assert 'HREF="trace.html#Sn3"' in table
    assert f'BGCOLOR="{STATUS_COLOURS[Status.FAILING][0]}"' in table
    assert "[failing]" in table


def test_six_solutions_stay_circles() -> None:
    solutions = tuple(
        Solution(id=f"Sn{i}", text="t", status=Status.SUPPORTED, record_id=f"r{i}")
        for i in range(6)
    )
    module = Module(
        id="M",
        title="t",
        elements=(Goal(id="G1", text="verified"), *solutions),
        supported_by=tuple(SupportedBy(source="G1", target=s.id) for s in solutions),
    )
    dot = to_dot(module)
    assert "__solutions" not in dot
    assert 'shape="circle"' in _line(dot, "Sn5")


def test_many_leaves_are_stacked_in_rows() -> None:
    leaves = tuple(AwayGoal(id=f"AG{i}", text="t", module=f"M{i}", goal="G") for i in range(8))
    module = Module(
        id="M",
        title="t",
        elements=(Goal(id="G1", text="verified"), *leaves),
        supported_by=tuple(SupportedBy(source="G1", target=a.id) for a in leaves),
    )
    invisible = [line for line in to_dot(module).splitlines() if "style=invis" in line]
    assert invisible == ['  "AG0" -> "AG6" [style=invis];', '  "AG1" -> "AG7" [style=invis];']


@pytest.mark.skipif(shutil.which("dot") is None, reason="graphviz's dot is not installed")
def test_a_table_of_solutions_renders_each_cell_with_its_id_and_link() -> None:
    solutions = tuple(
        Solution(id=f"Sn{i}", text="t", status=Status.SUPPORTED, record_id=f"r{i}")
        for i in range(9)
    )
    module = Module(
        id="M",
        title="t",
        elements=(Goal(id="G1", text="verified"), *solutions),
        supported_by=tuple(SupportedBy(source="G1", target=s.id) for s in solutions),
    )
    svg = render_svg(to_dot(module, lambda e: f"trace.html#{e.id}")).replace("&#45;", "-")
    for i in range(9):
        assert f"gsn-Sn{i}" in svg
        assert f"trace.html#Sn{i}" in svg


@pytest.mark.skipif(shutil.which("dot") is None, reason="graphviz's dot is not installed")
def test_many_diagrams_render_in_one_dot_run_in_order() -> None:
    other = Module(id="M2", title="t", elements=(Goal(id="G_OTHER", text="other"),))
    svgs = render_svgs([to_dot(MODULE), to_dot(other)])
    assert len(svgs) == 2
    assert all(svg.startswith("<svg") and svg.rstrip().endswith("</svg>") for svg in svgs)
    assert "G_OTHER" not in svgs[0]
    assert "G_OTHER" in svgs[1]
    assert svgs[0] == render_svg(to_dot(MODULE))
    assert render_svgs([]) == []
