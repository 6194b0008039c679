"""The project's policy file (``safety_case.toml``): where things are, what is required.

Layer 2 (sources). One file configures the toolkit for a project, so that
another project can use it without code changes.
"""

import tomllib
from pathlib import Path
from typing import Annotated, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from safety_case.errors import PolicyError

__all__ = [
    "POLICY_FILE_NAME",
    "ArgumentPolicy",
    "Policy",
    "ToolPolicy",
    "VerificationPolicy",
    "find_policy",
    "load_policy",
]

POLICY_FILE_NAME: Final = "safety_case.toml"
"""File name the toolkit looks for, from the working folder upwards."""


class ToolPolicy(BaseModel):
    """One evidence-producing tool's classification (ISO 26262-8:2018 clause 11.4.5)."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    impact: Literal["TI1", "TI2"]
    """Tool impact: can a malfunction violate a requirement or miss an error (TI2)."""
    detection: Literal["TD1", "TD2", "TD3"]
    """Tool error detection: confidence a malfunction is prevented or detected (TD1 high)."""
    justification: Annotated[str, Field(min_length=1)]
    """Why these classes, in words an assessor reads."""
    qualification: str = ""
    """How the tool is qualified when its TCL is 2 or 3 (ISO 26262-8 11.4.6); empty if not."""
    qualification_evidence: tuple[str, ...] = ()
    """Files (from the project root) that show the qualification, such as the tool's
    validation tests (ISO 26262-8 11.4.9); each becomes a solution that must exist."""


class ArgumentPolicy(BaseModel):
    """What the generated safety argument assumes (``[safety_case.argument]``)."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    assumptions: tuple[str, ...] = ()
    """Assumptions from the item definition, stated under every top goal."""
    tools: dict[str, ToolPolicy] = {}
    """Tool classifications by tool name, replacing the toolkit's defaults."""


class VerificationPolicy(BaseModel):
    """Verification methods per ASIL, as the project tightens or relaxes the defaults.

    The defaults (ISO 26262-6:2018 Tables 7 to 9) live in
    :mod:`safety_case.rules`; a method left out at an ASIL where the defaults
    ask for it is a relaxation and needs a written justification.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    per_requirement: dict[str, tuple[str, ...]] = {}
    """ASIL (QM, A-D) to the methods a test must show for each requirement of that ASIL."""
    per_project: dict[str, tuple[str, ...]] = {}
    """ASIL to the methods the evidence of the whole code must show (analyses, coverage)."""
    justifications: dict[str, str] = {}
    """``"ASIL:method"`` to the reason a default method is relaxed."""


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
    verification: VerificationPolicy = VerificationPolicy()
    """Verification methods per ASIL (``[safety_case.verification]``)."""
    argument: ArgumentPolicy = ArgumentPolicy()
    """Assumptions, methods and tool classifications of the generated safety argument."""

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
