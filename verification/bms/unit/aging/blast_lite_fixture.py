"""The shipped BLAST-Lite histories (``bms/aging/data``), as the tests read them."""

import json
from importlib import resources
from pathlib import Path
from typing import Any


def blast_lite_document(chemistry: str) -> dict[str, Any]:
    """``<chemistry>_histories.json`` as written: its provenance and its histories."""
    folder = Path(str(resources.files("bms.aging").joinpath("data")))
    document: dict[str, Any] = json.loads(
        (folder / f"{chemistry.lower()}_histories.json").read_text()
    )
    return document
