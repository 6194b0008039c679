"""Evidence producers: measurements and analyses whose results become evidence records.

Layer 4 (producers). ``mcdc`` measures modified condition/decision coverage
of Python code while tests run; ``static`` runs the static checks (a
language-subset checker, mypy, ruff, complexity) and turns their results
into records; ``crosshair`` checks contracts (PEP 316 docstrings) with
CrossHair, one record per condition. Each runner is generic: the project
names its packages in its policy file or on the command line.
"""

__all__: list[str] = []
