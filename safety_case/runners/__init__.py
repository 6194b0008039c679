"""Evidence producers: measurements and analyses whose results become evidence records.

Layer 4 (producers). ``mcdc`` measures modified condition/decision coverage
of Python code while tests run; ``static`` runs the static checks (a
language-subset checker, mypy, ruff, complexity) and turns their results
into records; ``crosshair`` checks contracts (PEP 316 docstrings) with
CrossHair, one record per condition; ``flow`` analyses the control and data
flow of a control path from its syntax trees (no recursion, no I/O, no
global writes, state replaced, never mutated); ``reviews`` turns the
inspections a person recorded into records that go stale when the reviewed
code changes. Each runner is generic: the project
names its packages in its policy file or on the command line.
"""

__all__: list[str] = []
