"""The project's policy file (``safety_case.toml``): where things are, what is required.

Layer 2 (sources). One file configures the toolkit for a project, so that
another project can use it without code changes.
"""

import tomllib
from pathlib import Path
from typing import Annotated, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from safety_case.errors import PolicyError

__all__ = ["POLICY_FILE_NAME", "Policy", "find_policy", "load_policy"]

POLICY_FILE_NAME: Final = "safety_case.toml"
"""File name the toolkit looks for, from the working folder upwards."""


class Policy(BaseModel):
    """Where the project's sources are and where the toolkit writes."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    format_version: Literal[1] = 1
    """Version of this file's format."""
    requirements: str = "requirements"
    """Folder of the sphinx-needs sources of the safety artefacts."""
    code: Annotated[tuple[str, ...], Field(min_length=1)]
    """Folders or files of the code that implements requirements."""
    tests: Annotated[tuple[str, ...], Field(min_length=1)]
    """Folders or files of the tests that verify requirements."""
    import_root: str = "."
    """Folder from which code and tests are imported (qualified names start here)."""
    build_dir: str = "build/safety_case"
    """Folder for exported needs and other generated files."""
    evidence_dir: str = "build/evidence"
    """Folder where verification runs write evidence records."""

    root: Path = Path()
    """Folder holding the policy file; every other path is relative to it."""

    def path(self, relative: str) -> Path:
        """Absolute path of a policy path."""
        return (self.root / relative).resolve()


def find_policy(start: Path) -> Path | None:
    """The nearest policy file in ``start`` or a parent folder."""
    for folder in (start.resolve(), *start.resolve().parents):
        candidate = folder / POLICY_FILE_NAME
        if candidate.is_file():
            return candidate
    return None


def load_policy(path: Path) -> Policy:
    """Read and validate a policy file.

    Raises:
        PolicyError: naming the file and each bad field.
    """
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise PolicyError(f"{path}: cannot be read: {error}") from None
    section = data.get("safety_case")
    if not isinstance(section, dict):
        raise PolicyError(f"{path}: needs a [safety_case] table")
    try:
        return Policy.model_validate({**section, "root": path.parent.resolve()})
    except ValidationError as error:
        problems = [
            f"{path}: safety_case.{'.'.join(str(p) for p in e['loc'])}: {e['msg']}"
            for e in error.errors(include_url=False)
        ]
        raise PolicyError("\n".join(problems)) from None
