"""Tests of safety_case/_needs_delta.py: the link index of incremental builds.

Covers: the index of a set of needs (documents, outgoing links to needs and
to parts, the reverse index, needs without a document); after an edit of one
document, the needs it reports changed (before and after, needs without a
document always) and affected (the old and new targets of their links and
the needs linking to them), for a changed link target, a removed need and a
removed document; the index after an update equals the index made afresh;
the needs reaching a changed one in at most ``depth`` link steps; the scan of
the sources for a pattern sees every change of a file.
"""

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from safety_case._needs_delta import DYNAMIC, Delta, LinkIndex, sources_match


@dataclass(frozen=True)
class _Link:
    id: str
    part: str | None = None


@dataclass
class _Need:
    """What the index reads of a sphinx-needs need: its document and its links."""

    docname: str | None
    links: dict[str, list[_Link]] = field(default_factory=dict)

    def __getitem__(self, key: str) -> Any:
        assert key == "docname"
        return self.docname

    def iter_links_items(self, *, as_str: bool) -> Iterator[tuple[str, list[_Link]]]:
        assert not as_str
        yield from self.links.items()


def _project() -> dict[str, _Need]:
    return {
        "SG_A": _Need("goals"),
        "FSR_A": _Need("goals", {"satisfies": [_Link("SG_A")]}),
        "TSR_A": _Need("tsrs", {"satisfies": [_Link("FSR_A")]}),
        "TSR_B": _Need("tsrs", {"satisfies": [_Link("FSR_A", "p")], "links": [_Link("X")]}),
        "SWR_A": _Need("swrs", {"satisfies": [_Link("TSR_A")]}),
        "EXT": _Need(None),
    }


def test_index_of_needs() -> None:
    index = LinkIndex.of(_project(), "k")
    assert index.key == "k"
    assert index.docs["TSR_B"] == "tsrs"
    assert index.docs["EXT"] == ""
    assert index.outgoing["TSR_B"] == {"FSR_A", "X"}  # a link to a part names its need
    assert index.incoming["FSR_A"] == {"TSR_A", "TSR_B"}
    assert index.incoming["X"] == {"TSR_B"}  # a link to no need is indexed too
    assert "SWR_A" not in index.incoming


def test_changed_link_target() -> None:
    needs = _project()
    index = LinkIndex.of(needs, "k")
    needs["TSR_A"] = _Need("tsrs", {"satisfies": [_Link("SG_A")]})
    delta = index.update(needs, {"tsrs"})
    assert delta == Delta(
        frozenset({"TSR_A", "TSR_B", "EXT"}),
        # the old and new targets, and SWR_A, whose link to TSR_A is checked again
        frozenset({"TSR_A", "TSR_B", "EXT", "FSR_A", "SG_A", "X", "SWR_A"}),
    )
    assert index == LinkIndex.of(needs, "k")


def test_removed_need_and_document() -> None:
    needs = _project()
    index = LinkIndex.of(needs, "k")
    del needs["FSR_A"]
    delta = index.update(needs, {"goals"})
    assert delta.changed == {"SG_A", "FSR_A", "EXT"}
    # FSR_A's target loses a back link; the TSRs that link to it now dangle
    assert delta.affected == {"SG_A", "FSR_A", "EXT", "TSR_A", "TSR_B"}
    assert index == LinkIndex.of(needs, "k")
    assert index.incoming["FSR_A"] == {"TSR_A", "TSR_B"}  # a dangling link stays indexed
    for need_id in ("TSR_A", "TSR_B"):
        del needs[need_id]
    delta = index.update(needs, {"tsrs"})
    assert delta.changed == {"TSR_A", "TSR_B", "EXT"}
    assert delta.affected == {"TSR_A", "TSR_B", "EXT", "FSR_A", "X", "SWR_A"}
    assert index == LinkIndex.of(needs, "k")
    assert "FSR_A" not in index.incoming


def test_unchanged_documents_leave_their_needs_alone() -> None:
    needs = _project()
    index = LinkIndex.of(needs, "k")
    needs["SWR_B"] = _Need("swrs", {"satisfies": [_Link("TSR_B")]})
    delta = index.update(needs, {"swrs"})
    assert delta.changed == {"SWR_A", "SWR_B", "EXT"}
    assert delta.affected == {"SWR_A", "SWR_B", "EXT", "TSR_A", "TSR_B"}
    assert index == LinkIndex.of(needs, "k")


def test_dependants_within_depth() -> None:
    index = LinkIndex.of(_project(), "k")
    assert index.dependants({"SG_A"}, 0) == {"SG_A"}
    assert index.dependants({"SG_A"}, 1) == {"SG_A", "FSR_A"}
    assert index.dependants({"SG_A"}, 3) == {"SG_A", "FSR_A", "TSR_A", "TSR_B", "SWR_A"}
    assert index.dependants({"GONE"}, 1) == set()  # a removed need is not validated
    assert index.dependants({"X"}, 1) == {"TSR_B"}  # but what linked to it is


def test_sources_match_reads_a_file_again_when_it_changed(tmp_path: Path) -> None:
    source = tmp_path / "reqs"
    source.mkdir()
    (source / "a.rst").write_text("Plain text.\n", encoding="utf-8")
    assert not sources_match(source, DYNAMIC)
    time.sleep(0.01)
    (source / "a.rst").write_text("A [[copy('id')]] call.\n", encoding="utf-8")
    assert sources_match(source, DYNAMIC)
    assert sources_match(source, re.compile("copy"))  # each pattern on its own
    (source / "a.rst").unlink()
    assert not sources_match(source, DYNAMIC)
