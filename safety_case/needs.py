"""Export and read the project's requirements through sphinx-needs.

Layer 2 (sources). sphinx-needs is the single reader of the ``.rst``
sources: the toolkit asks its ``needs`` builder for ``needs.json`` instead of
parsing reStructuredText itself. The build runs in a subprocess because
sphinx-needs keeps process-wide registries that one process cannot reset.
"""

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from safety_case.errors import NeedsBuildError

__all__ = ["export_needs", "load_needs"]


def export_needs(source_dir: Path, out_dir: Path) -> Path:
    """Run the sphinx-needs ``needs`` builder on ``source_dir``; return ``needs.json``.

    The sources need no ``conf.py``: the build uses this toolkit's Sphinx
    extension alone, exactly as every project that adopts it would.

    Raises:
        NeedsBuildError: with Sphinx's own messages when the build fails.
    """
    command = [
        sys.executable,
        "-m",
        "sphinx",
        "-b",
        "needs",
        "-q",
        "-C",
        "-D",
        "extensions=safety_case.sphinx",
        "-d",
        str(out_dir / "doctrees"),
        str(source_dir),
        str(out_dir),
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    needs_json = out_dir / "needs.json"
    if result.returncode != 0 or not needs_json.is_file():
        raise NeedsBuildError(
            f"exporting requirements from {source_dir} failed:\n{result.stderr.strip()}"
        )
    return needs_json


def load_needs(needs_json: Path) -> dict[str, dict[str, Any]]:
    """Needs of the current version in a ``needs.json`` file, by id."""
    data = json.loads(needs_json.read_text(encoding="utf-8"))
    version = data["current_version"]
    needs: dict[str, dict[str, Any]] = data["versions"][version]["needs"]
    return needs
