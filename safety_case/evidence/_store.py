"""Write evidence records to a folder and read them back.

Layer 3 (judgement). One JSON file per record, named from a hash of its id,
so that runs of different activities can write into one folder.
"""

import gc
import os
from pathlib import Path

from pydantic import ValidationError

from safety_case.evidence._record import EvidenceRecord
from safety_case.fingerprint import sha256_text

__all__ = ["read_records", "write_record"]


def write_record(folder: Path, record: EvidenceRecord) -> Path:
    """Write ``record`` as ``<folder>/<hash of id>.json``; return the path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{record.method.value}-{sha256_text(record.id)[:16]}.json"
    path.write_text(record.model_dump_json(indent=2) + "\n", encoding="utf-8")
    return path


def read_records(folder: Path) -> tuple[list[EvidenceRecord], list[str]]:
    """Every record in ``folder``, and one message per file that is not a valid record.

    One directory scan and one read per file, the bytes validated by pydantic's
    JSON parser directly, and the garbage collector paused meanwhile (tens of
    thousands of records are read in one pass).
    """
    records: list[EvidenceRecord] = []
    problems: list[str] = []
    if not folder.is_dir():
        return records, problems
    with os.scandir(folder) as entries:
        names = sorted(e.name for e in entries if e.name.endswith(".json") and e.is_file())
    base = str(folder)
    collecting = gc.isenabled()
    gc.disable()  # the records live on: collecting while they are built only costs time
    try:
        for name in names:
            path = f"{base}{os.sep}{name}"
            with open(path, "rb") as stream:  # noqa: PTH123 (no Path object per record)
                raw = stream.read()
            try:
                records.append(EvidenceRecord.model_validate_json(raw))
            except ValidationError as error:
                first = error.errors(include_url=False)[0]
                where = ".".join(str(p) for p in first["loc"])
                problems.append(f"{path}: not a valid evidence record: {where}: {first['msg']}")
    finally:
        if collecting:
            gc.enable()
    return records, problems
