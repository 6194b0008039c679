"""``safety-traces``: the code units and tests traced in the sources, as sphinx-needs needs.

Each code unit with an ``Implements:`` tag becomes a ``code_unit`` need
linked by ``implements`` to its requirements, each test with a ``verifies``
marker a ``test`` need linked by ``verifies``, with the Python file and line
in its ``source`` field. The sources are read with :mod:`ast` (nothing is
imported) from the folders the policy file names.

Why a directive calling ``sphinx_needs.api.add_need`` rather than a
``source-read`` hook that writes reStructuredText: ``add_need`` is the
documented way to create needs from code, it keeps the needs inside a
normal page (so they show, filter and link like hand-written ones), and the
directive declares every scanned Python file as a dependency of its page, so
Sphinx's incremental build re-reads that page, and only it, when the code
or the tests change.
"""

from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from safety_case.metamodel import CODE_TYPE, TEST_TYPE, trace_need_id
from safety_case.policy import Policy, find_policy, load_policy
from safety_case.trace import TraceTarget, extract

__all__ = ["TracesDirective"]

_LOGGER = logging.getLogger(__name__)


class TracesDirective(SphinxDirective):
    """Emit one need per traced code unit and test of the project."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        """Read the traces and add their needs."""
        from sphinx_needs.api import add_need as _add_need  # noqa: PLC0415
        from sphinx_needs.exceptions import InvalidNeedException  # noqa: PLC0415

        policy = _policy(self.env.app.confdir, self.env.app.srcdir, self.config)
        import_root = policy.path(policy.import_root)
        folders = [policy.path(p) for p in (*policy.code, *policy.tests)]
        for folder in folders:
            files = folder.rglob("*.py") if folder.is_dir() else [folder]
            for file in files:
                self.env.note_dependency(str(file))
        targets, errors = extract(folders, import_root)
        for error in errors:
            _LOGGER.warning(
                "trace not readable: %s", error.message, location=(str(error.path), error.line)
            )
        add_need: Any = _add_need  # fields of the metamodel go in as keyword arguments
        result: list[nodes.Node] = []
        for target in sorted(targets, key=lambda t: (t.kind, t.qualified_name)):
            kind = CODE_TYPE if target.kind == "code" else TEST_TYPE
            try:
                result += add_need(
                    self.env.app,
                    self.state,
                    self.env.docname,
                    self.lineno,
                    need_type=kind,
                    title=target.qualified_name,
                    id=trace_need_id(kind, target.qualified_name),
                    **_fields(target, kind, policy.root),
                )
            except InvalidNeedException as error:
                _LOGGER.warning(
                    "trace need not created: %s", error.message, location=self.get_location()
                )
        return result


def _fields(target: TraceTarget, kind: str, root: Path) -> dict[str, str | list[str]]:
    try:
        where = target.path.resolve().relative_to(root).as_posix()
    except ValueError:
        where = str(target.path)
    fields: dict[str, str | list[str]] = {"source": f"{where}:{target.line}"}
    if kind == CODE_TYPE:
        fields["implements"] = list(target.requirement_ids)
    else:
        fields["verifies"] = list(target.requirement_ids)
        fields["method"] = ", ".join(target.methods)
    return fields


def _policy(confdir: str | Path, srcdir: str | Path, config: object) -> Policy:
    configured = getattr(config, "safety_case_policy_file", "")
    path = Path(confdir, configured) if configured else find_policy(Path(srcdir))
    if path is None:
        return Policy(code=("src",), tests=("tests",), root=Path(srcdir))
    return load_policy(path)
