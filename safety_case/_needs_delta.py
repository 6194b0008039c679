"""Which needs an edit of some documents can change: the link index of incremental builds.

Layer 2 (sources), beside :mod:`safety_case._needs_build`. Sphinx re-reads
only the documents that changed; sphinx-needs then post-processes every need
again, and most needs come out as they were. A need of a document that was
not re-read changes only through its links: its back links (a need that
links to it was added, changed or removed), its dead-link flags (a need it
links to appeared or went) and its link checks, provided no step reads
other needs at will (a dynamic function, a ``needextend``, a derived
field: the builder then treats every need as changed).

:class:`LinkIndex` keeps, from one build to the next, each need's document
and the ids its outgoing links name (written links only: back links are
computed from them), with the reverse index, updated for the needs of the
re-read documents only (about a hundred instead of 10,000 needs). From it
come the needs whose export can differ (:attr:`Delta.affected`) and those
whose schema validation can (:meth:`LinkIndex.dependants`).

ASIL: tool (ISO 26262-8 clause 11); no requirement of the item.
"""

import hashlib
import json
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx_needs.data import SphinxNeedsData
from sphinx_needs.needsfile import generate_needs_schema

__all__ = ["DYNAMIC", "Delta", "LinkIndex", "fields_key", "global_effects", "sources_match"]

DYNAMIC = re.compile(r"\[\[")
"""A dynamic function in a source."""


@dataclass(frozen=True)
class Delta:
    """What one build changed, by need id."""

    changed: frozenset[str]
    """The needs of the documents re-read or removed (before and after) and those without one."""
    affected: frozenset[str]
    """:attr:`changed` and the needs they link or linked to, or that link to them: every
    need whose exported values can differ from the last build's."""


@dataclass
class LinkIndex:
    """Documents and outgoing links of every need of one build, kept for the next one."""

    key: str
    """What the needs' values depend on besides the sources (:func:`fields_key`)."""
    docs: dict[str, str] = field(default_factory=dict)
    """Need id to the name of its document (``""`` for a need without one)."""
    outgoing: dict[str, frozenset[str]] = field(default_factory=dict)
    """Need id to the ids its written links name (a link to a part names its need)."""
    incoming: dict[str, set[str]] = field(default_factory=dict)
    """Need id (linked to, existing or not) to the ids of the needs whose links name it."""

    @classmethod
    def of(cls, needs: Mapping[str, Any], key: str) -> "LinkIndex":
        """The index of every need of ``needs`` (sphinx-needs' needs view)."""
        index = cls(key)
        for need_id in needs:
            index._add(need_id, needs[need_id])
        return index

    def update(self, needs: Mapping[str, Any], touched: Collection[str]) -> "Delta":
        """Bring the index to ``needs`` after Sphinx re-read or removed the documents ``touched``.

        Returns:
            The needs of those documents, before and after the edit, and the
            needs without a document (always counted as changed); with the
            needs whose back links or dead-link flags they can change.
        """
        before = {i for i, doc in self.docs.items() if doc in touched or not doc}
        after = {i for i in needs if i not in self.docs}
        after.update(i for i in before if i in needs)
        affected = set(before)
        for need_id in before:
            affected |= self.outgoing.get(need_id, frozenset())
            self._remove(need_id)
        for need_id in after:
            self._add(need_id, needs[need_id])
        changed = before | after
        for need_id in changed:
            affected |= self.outgoing.get(need_id, frozenset())
            affected |= self.incoming.get(need_id, set())
        return Delta(frozenset(changed), frozenset(affected | after))

    def dependants(self, changed: Collection[str], depth: int) -> set[str]:
        """``changed`` (those that exist) and the needs reaching one in at most ``depth`` links."""
        selected = {i for i in changed if i in self.docs}
        frontier = set(changed)
        for _ in range(depth):
            frontier = {s for target in frontier for s in self.incoming.get(target, ())}
            frontier -= selected
            selected |= frontier
        return selected

    def _add(self, need_id: str, need: Any) -> None:
        self.docs[need_id] = str(need["docname"] or "")
        targets = frozenset(
            link.id for _, links in need.iter_links_items(as_str=False) for link in links
        )
        self.outgoing[need_id] = targets
        for target in targets:
            self.incoming.setdefault(target, set()).add(need_id)

    def _remove(self, need_id: str) -> None:
        self.docs.pop(need_id, None)
        for target in self.outgoing.pop(need_id, frozenset()):
            sources = self.incoming.get(target)
            if sources is not None:
                sources.discard(need_id)
                if not sources:
                    del self.incoming[target]


def global_effects(app: Sphinx) -> bool:
    """Whether post-processing can change a need from anywhere in the project.

    A ``needextend``, a dynamic function (``[[...]]``) in a source, or a
    derived field (computed from other needs).
    """
    data = SphinxNeedsData(app.env)
    if data.get_or_create_extends():
        return True
    schema = data.get_schema()
    if any(f.derived for f in (*schema.iter_extra_fields(), *schema.iter_link_fields())):
        return True
    return sources_match(Path(app.srcdir), DYNAMIC)


def fields_key(app: Sphinx) -> str:
    """What the exported values depend on besides the sources: the fields and the versions."""
    from importlib.metadata import version  # noqa: PLC0415

    inputs = [version("sphinx-needs"), generate_needs_schema(SphinxNeedsData(app.env).get_schema())]
    return hashlib.sha256(json.dumps(inputs, sort_keys=True, default=repr).encode()).hexdigest()


def sources_match(source: Path, pattern: re.Pattern[str]) -> bool:
    """Whether any ``.rst`` file under ``source`` matches ``pattern``.

    A file is read again only when its size or modification time changed
    (as Sphinx decides what to re-read): a build asks three times.
    """
    found = False
    for path in source.rglob("*.rst"):
        try:
            stat = path.stat()
        except OSError:
            continue
        key = (path, pattern.pattern)
        cached = _MATCHES.get(key)
        if cached is None or cached[:2] != (stat.st_size, stat.st_mtime_ns):
            text = path.read_text(encoding="utf-8", errors="replace")
            cached = _MATCHES[key] = (stat.st_size, stat.st_mtime_ns, bool(pattern.search(text)))
        found = found or cached[2]
    return found


_MATCHES: dict[tuple[Path, str], tuple[int, int, bool]] = {}
"""File and pattern to the file's size and modification time and whether it matched."""
