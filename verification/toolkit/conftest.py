"""Fixtures for the toolkit's tests: miniature projects written to a temporary folder."""

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

MiniProject = Callable[[dict[str, str]], Path]

POLICY = """\
[safety_case]
requirements = "reqs"
code = ["pkg"]
tests = ["tests"]
"""


def write_project(root: Path, files: dict[str, str]) -> Path:
    """Write ``{relative path: text}`` (dedented) under ``root``, with a policy file."""
    for relative, text in {"safety_case.toml": POLICY, **files}.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


@pytest.fixture
def mini_project(tmp_path: Path) -> MiniProject:
    """Write a miniature project under a fresh temporary root."""
    return lambda files: write_project(tmp_path, files)
