"""Capacity file: each cell's capacity estimate and its AWTLS sums, kept across power cycles.

ASIL: QM(D) (the estimation channel's memory). Requirements: SWR_SOH_006, SWR_SOH_009,
SWR_SOC_008, SWR_SOC_010.

The controller's capacity tracker (:mod:`bms.estimation._capacity_pairs`)
learns from pairs a few per drive; without a memory every key-on would start
it from the configured capacity again and it would never gather more than
one drive's pairs. The caller (``bms replay --capacity``, a vehicle's
key-off handler) saves the tracker's committed sums at the end of a power
cycle and gives them to the next :class:`bms.controller.BmsController`,
which starts its tracker and its SoC filter from them. Like the fault
memory's store, the I/O stays out of the control path.

The file is one JSON object (:class:`CapacityRecord`, a pydantic model with
a schema version), written to a temporary file in the same directory,
fsynced and renamed over the old one, so a crash leaves the old file or the
new one, never a mix. A file that does not validate, or that is for another
number of cells, is refused with a message naming the file and the field.

Version 3 also keeps when the file was saved and when it was first
written (UTC, from the caller's clock: the record stays free of I/O), so
that the next key-on can widen the bound by the calendar fade the parking
may have cost (:func:`bms.estimation.parked_capacity`, SWR_SOH_009):
``record.tracker(now)``. The time since the file was first written is a
lower bound of the pack's age, which errs on the wide side.

It also keeps each cell's SoC at key-off with its sigma, for the next
power cycle's SoC filter to start from (:func:`bms.estimation.parked_soc`,
SWR_SOC_008). Version 4 keeps each cell's SoC sensitivity to the coulomb
count's scale error beside it (:class:`bms.estimation.SocStart`'s
``scale_sensitivity``), so that the next filter knows how much of its
capacity error the kept SoC carries. Version 5 keeps which cells are still
marked at key-off, their cycle started unsure and no knee reached
(``SocStart.plateau_bound``), so that the next one keeps the plateau's
floor under their sigma (SWR_SOC_010). Only the last
key-off's SoC may be used: a key-on clears it from the file
(:func:`clear_soc`) before the drive, so a power cycle whose key-off never
saved (the BMS lost power) leaves none, and the next filter
starts unknown rather than from a SoC a drive ago.

Version 1 also kept the pair open at key-off, for the next power cycle's
tracker to close; no pair spans a power cycle any more
(:func:`bms.estimation.resume_capacity_tracker` says why), so a version 1
file is read with its open pair left out (its sums and estimates are what
matter). Versions 1 and 2 are read as version 5 without the times: their
first key-on adds no calendar walk, and the next save starts the clock.
Version 3 is read as version 5 without the sensitivity: its kept SoC starts
uncorrelated with the scale error, as the controller did before. Version 4
is read as version 5 without the plateau cells: its kept SoC's own sigma
decides (``plateau_start_sigma``), as the controller did before.
"""

import json
import math
import os
from datetime import datetime
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from bms.errors import BmsError
from bms.estimation import (
    CalendarWalk,
    CapacityState,
    CapacityTracker,
    SocStart,
    committed_capacity,
    parked_capacity,
    parked_soc,
    resume_capacity_tracker,
)

__all__ = [
    "CAPACITY_SCHEMA_VERSION",
    "CapacityRecord",
    "CapacityStoreError",
    "clear_soc",
    "load_capacity",
    "save_capacity",
]

CAPACITY_SCHEMA_VERSION: Literal[5] = 5
"""Version of :class:`CapacityRecord`; a file of another version is refused (1-4 are read)."""
_MIGRATED_VERSIONS = (1, 2, 3, 4)
"""The versions read as this one, without times (module docstring)."""
_OPEN_PAIR_VERSION = 1
"""The version that kept an open pair, left out when it is read."""
_SUMS = 6
_DAY_S = 86400.0


class CapacityStoreError(BmsError, ValueError):
    """The capacity file cannot be used: unreadable, malformed, or for another pack."""


class CapacityRecord(BaseModel):
    """What the capacity file holds: the AWTLS state of every cell."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    schema_version: Literal[5] = CAPACITY_SCHEMA_VERSION
    """Format version of this record."""
    cells: int = Field(ge=1)
    """Cells in series."""
    k: float = Field(gt=0.0, allow_inf_nan=False)
    """The AWTLS pre-scaling constant."""
    gamma: float = Field(gt=0.0, le=1.0)
    """The forgetting factor."""
    sums: list[list[float]]
    """The six faded sums c1..c6, each a list over the cells."""
    capacity_ah: list[float]
    """Each cell's capacity estimate."""
    capacity_sigma_ah: list[float]
    """Its standard deviation."""
    pairs: int = Field(ge=0)
    """Pairs committed to the sums since the file was first written."""
    saved_at: AwareDatetime | None = None
    """When the record was saved (None: unknown, a version 1 or 2 file)."""
    first_saved_at: AwareDatetime | None = None
    """When the file was first written: a lower bound of the pack's age (None: unknown)."""
    soc: list[float] | None = None
    """Each cell's SoC at key-off (None: none, or cleared at key-on)."""
    soc_sigma: list[float] | None = None
    """Its standard deviation."""
    soc_scale_sensitivity: list[float] | None = None
    """Each cell's SoC error per unit of the coulomb count's relative scale error at key-off
    (None: not known; only with ``soc``)."""
    soc_plateau_bound: list[bool] | None = None
    """Whether each cell was still marked at key-off (its cycle started unsure and reached no
    knee), so the next keeps the plateau's floor under its sigma (None: no cell; only with
    ``soc``)."""

    @model_validator(mode="after")
    def _one_value_per_cell(self) -> "CapacityRecord":
        """Every list has one finite value per cell; capacities and sigmas are > 0."""
        if len(self.sums) != _SUMS or any(len(row) != self.cells for row in self.sums):
            raise ValueError(f"sums must be {_SUMS} lists of {self.cells} values (one per cell)")
        for name in ("capacity_ah", "capacity_sigma_ah"):
            values = getattr(self, name)
            if len(values) != self.cells:
                raise ValueError(f"{name} has {len(values)} values for {self.cells} cells")
            if not all(math.isfinite(v) and v > 0.0 for v in values):
                raise ValueError(f"{name} must be finite and > 0 for every cell")
        if not all(math.isfinite(v) for row in self.sums for v in row):
            raise ValueError("sums must be finite")
        self._soc_agrees()
        self._times_agree()
        return self

    def _soc_agrees(self) -> None:
        """SoC and its sigma come together, one per cell; SoC in [0, 1], sigma > 0.

        The rest of the kept SoC: :meth:`_soc_extras_agree`.
        """
        if (self.soc is None) != (self.soc_sigma is None):
            raise ValueError("soc and soc_sigma are given together or not at all")
        if self.soc is not None and self.soc_sigma is not None:
            if len(self.soc) != self.cells or len(self.soc_sigma) != self.cells:
                raise ValueError(f"soc and soc_sigma must have {self.cells} values (one per cell)")
            if not all(math.isfinite(v) and 0.0 <= v <= 1.0 for v in self.soc):
                raise ValueError("soc must be in [0, 1] for every cell")
            if not all(math.isfinite(v) and v > 0.0 for v in self.soc_sigma):
                raise ValueError("soc_sigma must be finite and > 0 for every cell")
        self._soc_extras_agree()

    def _soc_extras_agree(self) -> None:
        """The SoC's scale sensitivity (finite) and plateau cells: with a SoC, one per cell."""
        beta = self.soc_scale_sensitivity
        if beta is not None:
            if self.soc is None:
                raise ValueError("soc_scale_sensitivity is given only with soc")
            if len(beta) != self.cells or not all(math.isfinite(v) for v in beta):
                raise ValueError(f"soc_scale_sensitivity must be {self.cells} finite values")
        plateau = self.soc_plateau_bound
        if plateau is not None:
            if self.soc is None:
                raise ValueError("soc_plateau_bound is given only with soc")
            if len(plateau) != self.cells:
                raise ValueError(f"soc_plateau_bound must have {self.cells} values (one per cell)")

    def _times_agree(self) -> None:
        """The two times come together, the first not after the last."""
        if (self.saved_at is None) != (self.first_saved_at is None):
            raise ValueError("saved_at and first_saved_at are given together or not at all")
        if self.saved_at and self.first_saved_at and self.first_saved_at > self.saved_at:
            raise ValueError("first_saved_at is after saved_at")

    def tracker(
        self, now: datetime | None = None, walk: CalendarWalk | None = None
    ) -> CapacityTracker:
        """The capacity tracker this record resumes (its sums and estimates).

        Implements: SWR_SOH_009

        With ``now`` (an aware time), the chemistry's worst calendar fade
        ``walk`` and the record's times, its sums first take in the calendar
        fade of the days parked since it was saved
        (:func:`bms.estimation.parked_capacity`); a ``now`` before
        ``saved_at`` (a clock set back) adds nothing.
        """
        return resume_capacity_tracker(self.state(now, walk))

    def soc_start(self, now: datetime) -> SocStart | None:
        """The key-off SoC parked until ``now`` (None: none kept, or no save time).

        Implements: SWR_SOC_008
        """
        parked = self.parked_days(now)
        if self.soc is None or self.soc_sigma is None or parked is None:
            return None
        beta, plateau = self.soc_scale_sensitivity, self.soc_plateau_bound
        kept = SocStart(
            np.array(self.soc),
            np.array(self.soc_sigma),
            None if beta is None else np.array(beta),
            None if plateau is None else np.array(plateau, dtype=bool),
        )
        return parked_soc(kept, parked)

    def parked_days(self, now: datetime) -> float | None:
        """Days since the record was saved (None: the record has no times).

        Raises:
            ValueError: if ``now`` has no time zone (the record's times are UTC).
        """
        if now.tzinfo is None:
            raise ValueError(f"now={now.isoformat()} has no time zone; give an aware time")
        if self.saved_at is None:
            return None
        return (now - self.saved_at).total_seconds() / _DAY_S

    def state(self, now: datetime | None = None, walk: CalendarWalk | None = None) -> CapacityState:
        """The AWTLS state this record holds, parked until ``now`` if given (:meth:`tracker`)."""
        state = CapacityState(
            c=np.array(self.sums, dtype=np.float64),
            k=self.k,
            gamma=self.gamma,
            capacity_ah=np.array(self.capacity_ah, dtype=np.float64),
            capacity_sigma_ah=np.array(self.capacity_sigma_ah, dtype=np.float64),
        )
        parked = None if now is None else self.parked_days(now)
        if parked is None or walk is None or self.saved_at is None or self.first_saved_at is None:
            return state
        age = (self.saved_at - self.first_saved_at).total_seconds() / _DAY_S
        return parked_capacity(state, walk, age_days=age, parked_days=parked)


def save_capacity(  # noqa: PLR0913 - the record's parts and its times
    path: Path,
    tracker: CapacityTracker,
    pairs: int,
    *,
    now: datetime | None = None,
    first_saved_at: datetime | None = None,
    soc: SocStart | None = None,
) -> None:
    """Write the tracker's committed sums to ``path`` atomically.

    (A temporary file, fsynced, renamed over the old one.) ``pairs`` is the
    count of pairs committed since the file was first written. The sums
    take in the capacity's random walk since their last pair
    (:func:`bms.estimation.committed_capacity`), so a drive that made no
    pair still widens the bound the next power cycle starts from.
    ``now`` (aware) is saved as ``saved_at``, and ``first_saved_at`` (the
    previous record's; default ``now``) with it, for the next key-on's
    calendar walk; without ``now`` the record has no times. ``soc``: each
    cell's SoC at key-off with its sigma, scale sensitivity and plateau cells
    (``bms.controller.key_off_soc``, which clips it to [0, 1]), for the next
    key-on (SWR_SOC_008).

    Raises:
        CapacityStoreError: if the state does not validate or the file cannot be written.
    """
    state = committed_capacity(tracker)
    try:
        record = CapacityRecord(
            cells=int(state.capacity_ah.size),
            k=state.k,
            gamma=state.gamma,
            sums=state.c.tolist(),
            capacity_ah=state.capacity_ah.tolist(),
            capacity_sigma_ah=state.capacity_sigma_ah.tolist(),
            pairs=pairs,
            saved_at=now,
            first_saved_at=None if now is None else (first_saved_at or now),
            soc=None if soc is None else soc.soc.tolist(),
            soc_sigma=None if soc is None else soc.sigma.tolist(),
            soc_scale_sensitivity=_scale_sensitivity(soc),
            soc_plateau_bound=(
                None if soc is None or soc.plateau_bound is None else soc.plateau_bound.tolist()
            ),
        )
    except ValidationError as error:
        raise CapacityStoreError(f"{path}: not saved: {_first(error)}") from error
    _write(path, record)


def clear_soc(path: Path, record: CapacityRecord) -> None:
    """Rewrite ``record`` to ``path`` without its SoC: what a key-on does before the drive.

    Implements: SWR_SOC_008

    Raises:
        CapacityStoreError: if the file cannot be written.
    """
    if record.soc is None:
        return
    cleared = {
        "soc": None,
        "soc_sigma": None,
        "soc_scale_sensitivity": None,
        "soc_plateau_bound": None,
    }
    _write(path, record.model_copy(update=cleared))


def _scale_sensitivity(soc: SocStart | None) -> list[float] | None:
    """The kept SoC's scale sensitivity as the record holds it (None: none)."""
    if soc is None or soc.scale_sensitivity is None:
        return None
    beta: list[float] = soc.scale_sensitivity.tolist()
    return beta


def _write(path: Path, record: CapacityRecord) -> None:
    """Write ``record`` atomically: a temporary file, fsynced, renamed over the old one."""
    temporary = path.with_name(path.name + ".tmp")
    try:
        with temporary.open("w", encoding="utf-8") as sink:
            sink.write(record.model_dump_json(indent=1) + "\n")
            sink.flush()
            os.fsync(sink.fileno())
        temporary.replace(path)
    except OSError as error:
        raise CapacityStoreError(f"{path}: cannot write: {error}") from error


def load_capacity(path: Path, cells: int) -> CapacityRecord:
    """Read and validate the capacity file of a pack of ``cells`` cells.

    Raises:
        CapacityStoreError: naming the file and the field, if it cannot be read, does not
            validate, or is for another number of cells.
    """
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise CapacityStoreError(f"{path}: cannot read: {error}") from error
    if isinstance(raw, dict) and raw.get("schema_version") in _MIGRATED_VERSIONS:
        if raw["schema_version"] == _OPEN_PAIR_VERSION:
            raw = {key: value for key, value in raw.items() if key != "open_pair"}
        raw = {**raw, "schema_version": CAPACITY_SCHEMA_VERSION}
    try:
        record = CapacityRecord.model_validate(raw)
    except ValidationError as error:
        raise CapacityStoreError(f"{path}: {_first(error)}") from error
    if record.cells != cells:
        raise CapacityStoreError(
            f"{path}: field 'cells': {record.cells} cells, the pack has {cells}"
        )
    return record


def _first(error: ValidationError) -> str:
    """The first validation error as ``field 'a.b': message``."""
    detail = error.errors()[0]
    where = ".".join(str(part) for part in detail["loc"]) or "(record)"
    return f"field '{where}': {detail['msg']}"
