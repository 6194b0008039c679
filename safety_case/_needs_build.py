"""The sphinx-needs export run in this process, with incremental schema validation.

Layer 2 (sources), the Sphinx side of :mod:`safety_case.needs`. sphinx-needs
stays the only reader of the sources: this module runs its ``needs`` builder
(a subclass of it) in the calling process on Sphinx's persistent
environment, so that a re-export after editing one file re-reads that file
only and pays no interpreter start-up. These things differ from the stock
builder, and none changes what it reports:

- ``needs.json`` is serialised with the standard library's one-shot encoder
  (``json.dumps``, implemented in C) instead of the streaming ``json.dump``
  (pure Python): the same bytes, several times faster. A caller that reads
  the needs in the same process can skip the file: the builder hands over
  the very object it would serialise (:attr:`Built.needs_list`, its values
  made JSON's types, so it equals the file read back) and writes
  ``needs.json`` only when asked.
- sphinx-needs' frozen dataclasses (about four per need in the pickled
  environment) pickle through faster state functions that give the same
  bytes (:func:`fast_dataclass_state`).
- sphinx-needs emits two events with the whole needs dictionary as their
  argument, and Sphinx ``repr``-s every event's arguments for a debug log
  line (10,000 needs: about 1 s). From the write phase on, the dictionary
  is a subclass whose ``repr`` is its size; it pickles as a plain ``dict``.
- The builder's own ``needs_builder_filter`` default (``is_external==False``)
  is applied in one pass instead of through an index of all needs.
- A first build reads the documents in as many processes as there are
  cores (Sphinx's ``-j auto``; sphinx-needs merges their needs): a cold
  export of 10,000 needs on two cores takes about 31 s instead of 38 s. A
  re-export on an existing environment stays serial: Sphinx would fork
  even for the one document that changed.
- Schema validation (sphinx-needs' ``process_schemas``) is replaced by the
  same validation functions applied only to the needs whose result can have
  changed (:mod:`safety_case._needs_schemas`); the results of the others
  are carried over from the previous build, kept in a file beside the
  pickled environment.
- The export re-uses the previous build's: only the needs an edit can change
  (those of the documents Sphinx re-read or removed, the needs they link or
  linked to, and the needs that link to them; :mod:`safety_case._needs_delta`)
  are exported again, about a hundred instead of 10,000 needs (0.6 s). The
  previous export is the one the kept application made, or the one the
  caller hands over (:data:`PreviousExport`, the cache that
  :mod:`safety_case.needs` keeps beside the environment). A first build, a
  changed field, a ``needextend``, a derived field, a dynamic function, a
  ``needs_file`` or another ``needs_builder_filter`` export every need.

sphinx-needs keeps process-wide registries; it clears them when an
application is set up, so builds in one process are fine one after another
(as here), not interleaved.

:class:`NeedsApp` keeps one application for repeated builds (``safety-case
check --watch``): a re-build then pays neither Sphinx's start nor the
environment's unpickling. One application lives in a process at a time
(docutils and sphinx-needs keep process-wide registries): making one drops
the application another :class:`NeedsApp` kept, which then makes a new one
for its next build. sphinx-needs supports re-building with one
application (it releases its data locks when a build finishes, for esbonio);
its post-processing recomputes back links, link checks and link order from
the links, so running it again over needs it processed before gives the
same result. Two of its steps change a need for good and are not repeatable
(``needextend`` and dynamic functions, ``[[...]]``): with either in the
sources :class:`NeedsApp` starts a new application for every build. A kept
application's re-builds do not pickle the environment (about 1 s for 10,000
needs); it is saved, with the validation state that belongs to it, when the
application is closed (:func:`_env_pickle_deferred`, :func:`_save`). The
objects alive once the application has loaded its environment are frozen
(:func:`gc.freeze`) until it closes: the cyclic collector's full passes skip
them (about 1 s of a one-shot re-check of 10,000 needs).

ASIL: tool (ISO 26262-8 clause 11); no requirement of the item.
"""

import builtins
import dataclasses
import gc
import io
import json
import os
import pickle
import re
import warnings
from collections.abc import Callable, Collection, Iterator, Mapping
from contextlib import ExitStack, contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from sphinx.application import ENV_PICKLE_FILENAME, Sphinx
from sphinx.builders import Builder
from sphinx.environment import BuildEnvironment
from sphinx.util import logging
from sphinx.util.docutils import docutils_namespace, patch_docutils
from sphinx_needs import need_item
from sphinx_needs.builder import NeedsBuilder
from sphinx_needs.config import NeedsSphinxConfig
from sphinx_needs.data import SphinxNeedsData
from sphinx_needs.needsfile import NeedsList
from sphinx_needs.schema.process import process_schemas

from safety_case._needs_delta import Delta, LinkIndex, fields_key, global_effects, sources_match
from safety_case._needs_schemas import validate as validate_schemas

__all__ = ["BUILDER", "Built", "NeedsApp", "build", "fast_dataclass_state", "setup"]

BUILDER = "safety_case_needs"
"""Name of the builder: sphinx-needs' ``needs`` builder with the two changes above."""

_STATE_FILE = "safety_case_schemas.pickle"
"""File beside the pickled environment with the last validation's results and link index.

Sphinx pickles the environment before the write phase, where validation
runs, so the results cannot travel in it; the file is deleted when a build
starts and written when its validation completes, so it never outlives the
environment it describes."""
_NOT_REPEATABLE = re.compile(r"\[\[|needextend::")
"""A dynamic function or a ``needextend``: post-processing changes the needs for good."""
_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True)
class Built:
    """What one build produced."""

    read: set[str]
    """Names of the documents Sphinx read (added or changed)."""
    warnings: str
    """Text of the warnings it wrote, one ``path:line: WARNING: ... [type]`` entry per
    warning, as ``sphinx-build -w`` writes them."""
    needs_list: dict[str, Any]
    """The content of ``needs.json`` (written to the file or not), in JSON's types."""


PreviousExport = Callable[[], Mapping[str, dict[str, Any]] | None]
"""Gives the needs by id of the export of the last build on the environment, if known."""


def build(
    source_dir: Path,
    out_dir: Path,
    *,
    write_json: bool = True,
    previous_export: PreviousExport | None = None,
) -> Built:
    """Run the builder on ``source_dir`` in this process (a new application).

    Args:
        source_dir: folder of the sources.
        out_dir: output folder (``doctrees`` inside it holds the environment).
        write_json: write ``needs.json``; without it the export is only returned.
        previous_export: the needs the last build on this environment exported
            (in JSON's types), asked for only when this build can re-use them.
    """
    with NeedsApp(source_dir, out_dir) as app:
        return app.build(write_json=write_json, previous_export=previous_export)


class NeedsApp:
    """A Sphinx application with the builder, kept for repeated builds of one project.

    The first :meth:`build` creates the application (loading the pickled
    environment when there is one); the next ones re-use it, so they re-read
    the changed documents without starting Sphinx or unpickling the
    environment again (see the module's docstring for when a new application
    is made each time instead).
    """

    def __init__(self, source_dir: Path, out_dir: Path, *, defer_save: bool = False) -> None:
        self.source_dir = source_dir
        self.out_dir = out_dir
        self.defer_save = defer_save
        """Save the environment (and the validation's state) of re-builds at :meth:`close`."""
        self._unsaved = False
        self._app: Sphinx | None = None
        self._log = io.StringIO()
        self._read: set[str] = set()
        self._namespace = ExitStack()
        """docutils' registries as the application's setup filled them (its directives)."""
        self._frozen = False
        """Whether this application froze the objects of the process (:func:`gc.freeze`)."""

    def __enter__(self) -> "NeedsApp":
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def build(
        self, *, write_json: bool = True, previous_export: PreviousExport | None = None
    ) -> Built:
        """Build (re-using the application when that is sound); see :func:`build`."""
        if self._app is not None and not _reusable(self._app):
            self.close()
        self._read.clear()
        self._log.seek(0)
        self._log.truncate()
        with warnings.catch_warnings():
            # as in a separate sphinx-build process: deprecations inside Sphinx and
            # sphinx-needs are theirs to fix, not errors of the export
            warnings.simplefilter("ignore", DeprecationWarning)
            warnings.simplefilter("ignore", PendingDeprecationWarning)
            # the first build saves as Sphinx does; re-builds of the kept application defer
            defer = self.defer_save and self._app is not None
            app = self._app if self._app is not None else self._create()
            builder = app.builder
            assert isinstance(builder, SafetyNeedsBuilder)
            builder.write_json = write_json
            builder.previous_export = previous_export
            builder.exported = None
            builder.defer_save = defer
            try:
                with _env_pickle_deferred(app.env) if defer else nullcontext():
                    app.build()
            except BaseException:
                self._unsaved = False  # nothing consistent to save
                self.close()  # a failed build leaves the application in no known state
                raise
            self._unsaved = self._unsaved or defer
            exported = builder.take_export()
            app.parallel = 1  # a re-build reads a few documents: no processes to fork
            self._app = app
        if exported is None:
            raise RuntimeError("the needs builder exported nothing")
        return Built(set(self._read), self._log.getvalue(), exported)

    def close(self) -> None:
        """Save what was deferred, drop the application, restore docutils' registries."""
        global _ACTIVE  # noqa: PLW0603
        if _ACTIVE is self:
            _ACTIVE = None
        if self._app is not None and self._unsaved:
            _save(self._app)
        self._unsaved = False
        self._app = None
        self._namespace.close()
        if self._frozen:
            gc.unfreeze()
            self._frozen = False

    def _create(self) -> Sphinx:
        # one application at a time in a process (the registries of docutils and
        # sphinx-needs are process-wide): another one kept is dropped
        global _ACTIVE  # noqa: PLW0603 (the one application alive in this process)
        if _ACTIVE is not None and _ACTIVE is not self:
            _ACTIVE.close()
        _ACTIVE = self
        # the application registers its directives in docutils' registries: they stay
        # there, for its later builds, until close()
        self._namespace.enter_context(patch_docutils(None))
        self._namespace.enter_context(docutils_namespace())
        app = Sphinx(
            srcdir=str(self.source_dir),
            confdir=None,
            outdir=str(self.out_dir),
            doctreedir=str(self.out_dir / "doctrees"),
            buildername=BUILDER,
            confoverrides={"extensions": ["safety_case._needs_build"]},
            status=io.StringIO(),
            warning=self._log,
            freshenv=False,
            parallel=_processes(self.out_dir / "doctrees"),
        )
        app.connect("env-before-read-docs", self._note_read)
        # the loaded environment (millions of objects for 10,000 needs) lives as long as
        # the application: exempt from the cyclic collector's passes until close()
        gc.freeze()
        self._frozen = True
        return app

    def _note_read(self, _app: Sphinx, _env: BuildEnvironment, docnames: list[str]) -> None:
        self._read.update(docnames)


_ACTIVE: NeedsApp | None = None
"""The :class:`NeedsApp` whose application is alive (docutils holds its directives)."""


@contextmanager
def _env_pickle_deferred(env: BuildEnvironment) -> Iterator[None]:
    """While building: Sphinx neither writes nor truncates its environment pickle.

    Sphinx pickles the environment after the read phase of every build that
    read a document (``Builder.build``, which cannot be overridden): about
    1 s for 10,000 needs. An application kept for many builds saves it once,
    when it is closed (:func:`_save`). Only that one file is skipped; the
    doctrees and everything else Sphinx pickles go through. Should the
    process die before, the file on disk is the last one saved, consistent
    with itself (Sphinx re-reads every document changed since), and no
    validation state belongs to it, so the next build validates every need.
    """
    from sphinx import builders  # noqa: PLC0415

    namespace = vars(builders)
    target = (Path(env.doctreedir) / ENV_PICKLE_FILENAME).resolve()
    real_pickle = namespace["pickle"]
    sink = io.BytesIO()

    class _Pickle:
        def __getattr__(self, name: str) -> Any:
            return getattr(real_pickle, name)

        @staticmethod
        def dump(obj: Any, file: Any, *args: Any, **kwargs: Any) -> None:
            if obj is env and file is sink:
                return
            real_pickle.dump(obj, file, *args, **kwargs)

    def opener(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        if mode == "wb" and Path(file).resolve() == target:
            return nullcontext(sink)
        return builtins.open(file, mode, *args, **kwargs)  # noqa: PTH123 (as Sphinx calls it)

    namespace["pickle"] = _Pickle()
    namespace["open"] = opener
    try:
        yield
    finally:
        namespace["pickle"] = real_pickle
        namespace.pop("open", None)


def _save(app: Sphinx) -> None:
    """Pickle the kept application's environment and write its validation state.

    The environment is written to a new file that replaces the old one, then
    the state that belongs to it; a state without its environment never exists.
    """
    env = app.env
    env.__dict__.pop("_needs_view", None)  # derived; rebuilt by the next build
    doctrees = Path(env.doctreedir)
    (doctrees / _STATE_FILE).unlink(missing_ok=True)  # it belongs to the environment replaced
    partial = doctrees / f"{ENV_PICKLE_FILENAME}.partial"
    with partial.open("wb") as file:
        pickle.dump(env, file, pickle.HIGHEST_PROTOCOL)
    partial.replace(doctrees / ENV_PICKLE_FILENAME)
    builder = app.builder
    if isinstance(builder, SafetyNeedsBuilder) and builder.previous is not None:
        (doctrees / _STATE_FILE).write_bytes(pickle.dumps(builder.previous))


def _reusable(app: Sphinx) -> bool:
    """Whether a built application can build again (no step that changes a need for good)."""
    if SphinxNeedsData(app.env).get_or_create_extends():
        return False
    return not sources_match(Path(app.srcdir), _NOT_REPEATABLE)


def _processes(doctree_dir: Path) -> int:
    """Read processes for a build: every core when no environment exists yet, else one."""
    if (doctree_dir / "environment.pickle").is_file():
        return 1
    return os.cpu_count() or 1


def setup(app: Sphinx) -> dict[str, Any]:
    """Load the toolkit's extension and register :class:`SafetyNeedsBuilder`."""
    fast_dataclass_state(need_item)
    app.setup_extension("safety_case.sphinx")
    app.add_builder(SafetyNeedsBuilder)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}


def fast_dataclass_state(module: ModuleType) -> list[type]:
    """Give ``module``'s frozen slotted dataclasses a faster pickle state; return them.

    Python 3.11 gives such a class ``__getstate__``/``__setstate__`` functions
    that call :func:`dataclasses.fields` for every object (a third of the
    time of pickling and unpickling an environment of 10,000 needs, which
    holds about four of them per need). The replacements produce and accept
    the same state, the list of the field values in field order, from the
    field names read once: the pickles are the same bytes. Classes whose
    functions are not the standard library's are left alone.
    """
    patched = []
    for cls in vars(module).values():
        if not isinstance(cls, type) or not dataclasses.is_dataclass(cls):
            continue
        own = cls.__dict__
        if own.get("__getstate__") is not getattr(dataclasses, "_dataclass_getstate", None):
            continue
        if own.get("__setstate__") is not getattr(dataclasses, "_dataclass_setstate", None):
            continue
        names = tuple(f.name for f in dataclasses.fields(cls))

        def getstate(self: object, names: tuple[str, ...] = names) -> list[Any]:
            return [getattr(self, name) for name in names]

        def setstate(self: object, state: list[Any], names: tuple[str, ...] = names) -> None:
            for name, value in zip(names, state, strict=False):
                object.__setattr__(self, name, value)

        cls.__getstate__ = getstate  # type: ignore[method-assign]
        cls.__setstate__ = setstate  # type: ignore[attr-defined]
        patched.append(cls)
    return patched


def _skip_undecodable(_app: Sphinx, env: BuildEnvironment, docnames: list[str]) -> None:
    """Leave out of the read every source that is not text in its encoding, each named.

    Sphinx 9 reads a source strictly and a byte it cannot decode stops the whole
    build without naming the file; left out with a located warning (a finding of
    ``safety-case check``), the rest of the project is still read and reported.
    """
    encoding = env.settings.get("input_encoding", "utf-8")
    for docname in list(docnames):
        path = Path(env.doc2path(docname))
        try:
            path.read_bytes().decode(encoding)
        except UnicodeDecodeError as error:
            docnames.remove(docname)
            _LOGGER.warning(
                "not %s text (byte 0x%02x at offset %d): the document was not read",
                encoding,
                error.object[error.start],
                error.start,
                location=docname,
            )
        except OSError:
            continue  # Sphinx reports a file it cannot open itself


class SafetyNeedsBuilder(NeedsBuilder):
    """sphinx-needs' ``needs`` builder: incremental schema validation, fast JSON output."""

    name = BUILDER

    def init(self) -> None:
        """Replace sphinx-needs' whole-project schema validation by :meth:`validate`."""
        super().init()
        self.write_json = True
        """Whether :meth:`finish` writes ``needs.json`` (it always sets :attr:`exported`)."""
        self.defer_save = False
        """Whether the validation state waits for the environment's save (:class:`NeedsApp`)."""
        self.exported: dict[str, Any] | None = None
        """The content of ``needs.json`` of the last build, in JSON's types."""
        self.touched: set[str] = set()
        """Documents read or purged (changed or removed) since the last build's :meth:`delta`."""
        state = Path(self.doctreedir) / _STATE_FILE
        self.previous: dict[str, Any] | None = None
        """The last validation's results, when they belong to the environment."""
        if state.is_file():
            try:
                self.previous = pickle.loads(state.read_bytes())  # noqa: S301 (our own file)
            except (OSError, pickle.PickleError, EOFError, AttributeError):
                self.previous = None
            state.unlink()  # rewritten only by a validation that completes
        index = (self.previous or {}).get("index")
        self.index: LinkIndex | None = index if isinstance(index, LinkIndex) else None
        """The documents and links of the needs of the last build (:meth:`delta`)."""
        self.kept_export: dict[str, dict[str, Any]] | None = None
        """The last build's exported needs by id (in memory), for :meth:`finish`."""
        self.previous_export: PreviousExport | None = None
        """Where :meth:`finish` finds the last build's export when it kept none (a new
        application on a saved environment); set for each build."""
        self._delta: Delta | None = None
        self._delta_ready = False
        self._kept: dict[str, dict[str, Any]] | None = None
        self.events.connect("env-purge-doc", self._note_purged, priority=500)
        self.events.connect("env-before-read-docs", self._note_read, priority=500)
        # last: sphinx-needs' own handlers (priority 500) may add documents to the read
        self.events.connect("env-before-read-docs", _skip_undecodable, priority=900)
        # first of the write phase: sphinx-needs post-processes at "write-started"
        self.events.connect("write-started", self._quiet_needs, priority=0)
        for listener in list(self.events.listeners.get("write-started", [])):
            if listener.handler is process_schemas:
                self.events.disconnect(listener.id)
                self.events.connect("write-started", self.validate, priority=listener.priority)

    def _note_purged(self, _app: Sphinx, _env: BuildEnvironment, docname: str) -> None:
        self.touched.add(docname)

    def _note_read(self, _app: Sphinx, env: BuildEnvironment, docnames: list[str]) -> None:
        self.touched.update(docnames)
        # a re-build with the same application: the last build's view and its indexes
        # describe the needs before this read
        env.__dict__.pop("_needs_view", None)

    def _quiet_needs(self, app: Sphinx, _builder: Builder) -> None:
        """Before post-processing: the needs dictionary as :class:`_QuietNeeds`."""
        self._delta, self._delta_ready, self._kept = None, False, None  # a new write phase
        env = app.env
        env.__dict__.pop("_needs_view", None)
        data = SphinxNeedsData(env)
        if not data.needs_is_post_processed and type(data._env_needs) is dict:
            env._needs_all_needs = _QuietNeeds(data._env_needs)  # type: ignore[attr-defined]

    def delta(self) -> Delta | None:
        """What this build changed since the last one; ``None``: count every need as changed.

        Computed once per build, after sphinx-needs' post-processing; it brings
        :attr:`index` to this build's needs. ``None`` on a first build, when the
        fields changed, or when a step can change a need from anywhere (a
        ``needextend``, a dynamic function, a derived field).
        """
        if self._delta_ready:
            return self._delta
        needs = SphinxNeedsData(self.env).get_needs_view()
        key = fields_key(self.app)
        index = self.index
        if index is None or index.key != key or global_effects(self.app):
            self.index, self._delta = LinkIndex.of(needs, key), None
        else:
            self._delta = index.update(needs, self.touched)
        self.touched = set()
        # the kept export is this build's to use: a build that fails after this leaves none
        self._kept, self.kept_export = self.kept_export, None
        self._delta_ready = True
        return self._delta

    def validate(self, app: Sphinx, builder: Builder) -> None:
        """Schema validation of what changed since the last build; keep its results."""
        previous, self.previous = self.previous, None
        delta = self.delta()
        assert self.index is not None  # made by delta()
        state = validate_schemas(app, builder, previous, delta, self.index)
        if state is not None:
            if not self.defer_save:
                (Path(self.doctreedir) / _STATE_FILE).write_bytes(pickle.dumps(state))
            self.previous = state

    def take_export(self) -> dict[str, Any] | None:
        """The last build's :attr:`exported`, handed over (the builder keeps no reference)."""
        exported, self.exported = self.exported, None
        return exported

    def finish(self) -> None:
        """``NeedsBuilder.finish`` with ``needs.json`` written by the one-shot encoder, or not."""
        needs = SphinxNeedsData(self.env).get_needs_view()
        needs_config = NeedsSphinxConfig(self.env.config)
        version = getattr(self.env.config, "version", "unset")
        needs_list = NeedsList(self.env, self.outdir, self.srcdir)
        if needs_config.file:
            needs_list.load_json(needs_config.file)
        needs_list.wipe_version(version)
        delta = self.delta()
        kept: Mapping[str, dict[str, Any]] | None = self._kept
        self._kept = None
        load, self.previous_export = self.previous_export, None
        if kept is None and delta is not None and load is not None:
            kept = load()
        if kept is None or delta is None or needs_config.file or not _default_filter(needs_config):
            for need in _builder_filter(needs, needs_config):
                needs_list.add_need(version, need)
            fresh = None
        else:
            fresh = _add_changed(needs_list, version, needs, kept, delta.affected)
        if self.write_json:
            # NeedsList.write_json is json.dump(..., sort_keys=True); dump_json the same
            text = needs_list.dump_json()
            (Path(self.outdir) / "needs.json").write_text(text, encoding="utf-8")
        else:
            needs_list._finalise()  # what dump_json does before serialising
        content: dict[str, Any] = dict(needs_list.needs_list)
        exported: dict[str, dict[str, Any]] = content["versions"][version]["needs"]
        for need_id in exported if fresh is None else fresh:
            _to_json_types(exported[need_id])
        if not needs_config.file:
            self.kept_export = dict(exported)
        self.exported = content
        _LOGGER.info("Needs successfully exported")


_DEFAULT_FILTER = "is_external==False"
"""sphinx-needs' default ``needs_builder_filter``."""


def _default_filter(config: NeedsSphinxConfig) -> bool:
    return bool(config.builder_filter == _DEFAULT_FILTER)


def _add_changed(
    needs_list: NeedsList,
    version: str,
    needs: Mapping[str, Any],
    kept: Mapping[str, dict[str, Any]],
    affected: Collection[str],
) -> list[str]:
    """Export the ``affected`` needs anew and the others as ``kept``; return the ids exported.

    A need ``kept`` lacks (filtered out last time, or unknown) is exported
    anew as well when it passes the default builder filter (:func:`_builder_filter`).
    The needs keep the view's order.
    """
    needs_list.update_or_add_version(version)
    target: dict[str, Any] = needs_list.needs_list["versions"][version]["needs"]
    fresh = []
    for need_id in needs:
        exported = None if need_id in affected else kept.get(need_id)
        if exported is not None:
            target[need_id] = exported
            continue
        need = needs[need_id]
        if need["is_external"] == False:  # noqa: E712 (as sphinx-needs' filter compares)
            needs_list.add_need(version, need)
            fresh.append(need_id)
    needs_list.needs_list["versions"][version]["needs_amount"] = len(target)
    return fresh


def _builder_filter(needs: Any, config: NeedsSphinxConfig) -> list[Any]:
    """The needs the builder exports (``needs_builder_filter``), in the view's order.

    sphinx-needs answers its default filter from an index of ``is_external``
    values it builds over all needs first (about 0.3 s for 10,000); the same
    selection, by the same key equality, is one pass. Any other filter is
    sphinx-needs' own.
    """
    if config.builder_filter == _DEFAULT_FILTER:
        return [need for need in needs.values() if need["is_external"] == False]  # noqa: E712
    from sphinx_needs.filter_common import filter_needs_view  # noqa: PLC0415

    return filter_needs_view(
        needs, config, config.builder_filter, append_warning="(from need_builder_filter)"
    )


class _QuietNeeds(dict[str, Any]):
    """The needs dictionary, with a ``repr`` that does not format 10,000 needs.

    Sphinx ``repr``-s the arguments of every event it emits, for a debug log
    line; sphinx-needs passes this dictionary to two of its events. It
    pickles as a plain ``dict``, so no environment depends on this class.
    """

    def __repr__(self) -> str:
        return f"<{len(self)} needs>"

    def __reduce_ex__(self, protocol: Any) -> Any:
        return (dict, (), None, None, iter(self.items()))


def _to_json_types(need: dict[str, Any]) -> None:
    """Make one exported need's values what ``json.loads(json.dumps(...))`` gives back.

    In place (the builder made the dictionary for the export): a tuple becomes
    a list (sphinx-needs keeps ``sections`` as one), a key that is no text
    becomes JSON's text for it; text, numbers, booleans and ``None`` stay.
    """
    for key, value in need.items():
        kind = type(value)
        if kind in _SCALARS or ((kind is list or kind is dict) and not value):
            continue
        if kind is list and all(type(item) is str for item in value):
            continue
        need[key] = _json_types(value)


def _json_types(value: Any) -> Any:
    """``value`` as ``json.loads(json.dumps(value))`` gives it (tuples as lists, keys as text)."""
    if isinstance(value, dict):
        return {
            (key if isinstance(key, str) else json.loads(json.dumps({key: 0})).popitem()[0]): (
                item if type(item) in _SCALARS else _json_types(item)
            )
            for key, item in value.items()
        }
    if isinstance(value, (list, tuple)):
        return [item if type(item) in _SCALARS else _json_types(item) for item in value]
    return value


_SCALARS = frozenset({str, int, float, bool, type(None)})
