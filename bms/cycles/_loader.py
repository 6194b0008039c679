"""Drive cycles: the shipped FASTSim-derived profiles and a loader for any user CSV.

ASIL: QM (test and validation input; never in the control path). Requirements: SWR_CAL_003.

A cycle file is CSV with the header ``time_s,current_a`` and one sample a
line: time in seconds, strictly increasing, and the **cell** current in
amperes, positive on discharge. The shipped cycles (``udds``, ``hwfet``) were
made once by ``nox -s cycles`` from NREL FASTSim's 2020 Chevrolet Bolt EV
model (``bms/cycles/data/provenance.json`` says how); their vehicle battery
power is shipped beside them (``<name>_power.csv``, ``time_s,power_w``) so
that :func:`cell_current_from_power` can scale them to another pack. Nothing
is downloaded at run time. Parsing uses the standard library's ``csv``
module; a bad file raises :class:`~bms.errors.ConfigError` naming the file,
the line and the column.
"""

import csv
import math
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import numpy.typing as npt

from bms.errors import ConfigError, ConfigProblem

__all__ = [
    "DriveCycle",
    "cell_current_from_power",
    "cycle_names",
    "load_cycle",
    "load_cycle_power",
    "parse_cycle_csv",
]

FloatArray = npt.NDArray[np.float64]
_CURRENT_HEADER = ("time_s", "current_a")
_POWER_HEADER = ("time_s", "power_w")


@dataclass(frozen=True)
class DriveCycle:
    """A current profile: sample times and the cell current (positive on discharge)."""

    name: str
    """Registry name or the file's path."""
    time_s: FloatArray
    """Sample times, strictly increasing."""
    current_a: FloatArray
    """Cell current at each sample, held until the next one; positive on discharge."""

    @property
    def duration_s(self) -> float:
        """Time from the first sample to the last."""
        return float(self.time_s[-1] - self.time_s[0])

    def repeated(self, count: int) -> "DriveCycle":
        """The cycle run ``count`` times back to back (the period is the mean sample step)."""
        if count < 1:
            raise ValueError(f"count={count} must be >= 1")
        step = float(np.mean(np.diff(self.time_s)))
        period = self.duration_s + step
        times = np.concatenate([self.time_s + k * period for k in range(count)])
        return DriveCycle(self.name, times, np.tile(self.current_a, count))


def _data_folder() -> Path:
    return Path(str(resources.files("bms.cycles").joinpath("data")))


def cycle_names() -> tuple[str, ...]:
    """Names of the shipped cycles, sorted."""
    return tuple(
        sorted(p.stem for p in _data_folder().glob("*.csv") if not p.stem.endswith("_power"))
    )


def _is_path(name_or_path: str | Path) -> bool:
    text = str(name_or_path)
    return isinstance(name_or_path, Path) or text.endswith(".csv") or "/" in text or "\\" in text


def _shipped(name: str, suffix: str = "") -> Path:
    names = cycle_names()
    if name not in names:
        raise ConfigError(
            name,
            [
                ConfigProblem(
                    "cycle",
                    f"unknown cycle {name!r} (shipped: {', '.join(names)}; or give a CSV path)",
                )
            ],
        )
    return _data_folder() / f"{name}{suffix}.csv"


def parse_cycle_csv(
    text: str, source: str | Path, header: tuple[str, str] = _CURRENT_HEADER
) -> tuple[FloatArray, FloatArray]:
    """Parse a two-column CSV; return (time, value) arrays.

    Args:
        text: the file's content.
        source: names the file in messages.
        header: the two column names the first line must hold.

    Raises:
        ConfigError: naming the file, the line and the column of the first problem.
    """
    rows = list(csv.reader(text.splitlines()))
    if not rows or tuple(cell.strip() for cell in rows[0]) != header:
        got = ",".join(rows[0]) if rows else "an empty file"
        raise ConfigError(
            source,
            [ConfigProblem("<header>", f"first line must be {','.join(header)!r}, got {got!r}", 1)],
        )
    times: list[float] = []
    values: list[float] = []
    for number, row in enumerate(rows[1:], start=2):
        if not row or all(not cell.strip() for cell in row):
            continue
        if len(row) != 2:
            raise ConfigError(
                source, [ConfigProblem("<row>", f"expected 2 columns, got {len(row)}", number)]
            )
        parsed: list[float] = []
        for column, cell in zip(header, row, strict=True):
            try:
                value = float(cell)
            except ValueError:
                value = math.nan
            if not math.isfinite(value):
                raise ConfigError(
                    source,
                    [ConfigProblem(column, f"{cell.strip()!r} is not a finite number", number)],
                )
            parsed.append(value)
        if times and not parsed[0] > times[-1]:
            raise ConfigError(
                source,
                [
                    ConfigProblem(
                        header[0],
                        f"{parsed[0]:g} must be > the previous time {times[-1]:g} "
                        "(strictly increasing)",
                        number,
                    )
                ],
            )
        times.append(parsed[0])
        values.append(parsed[1])
    if len(times) < 2:
        raise ConfigError(
            source, [ConfigProblem("<rows>", f"needs at least 2 samples, got {len(times)}")]
        )
    return np.asarray(times, dtype=np.float64), np.asarray(values, dtype=np.float64)


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(path, [ConfigProblem("<file>", f"cannot be read: {error}")]) from None


def load_cycle(name_or_path: str | Path) -> DriveCycle:
    """A shipped cycle by name (``udds``, ``hwfet``) or a user CSV by path.

    Implements: SWR_CAL_003

    Raises:
        ConfigError: unknown name, unreadable file or a bad line (file, line, column).
    """
    path = Path(name_or_path) if _is_path(name_or_path) else _shipped(str(name_or_path))
    time_s, current_a = parse_cycle_csv(_read(path), path)
    return DriveCycle(str(name_or_path), time_s, current_a)


def load_cycle_power(name: str) -> tuple[FloatArray, FloatArray]:
    """Time and vehicle battery power (W, positive on discharge) of a shipped cycle."""
    path = _shipped(name, "_power")
    return parse_cycle_csv(_read(path), path, _POWER_HEADER)


def cell_current_from_power(
    power_w: FloatArray, series_count: int, parallel_count: int, cell_nominal_v: float
) -> FloatArray:
    """Cell current of a pack delivering ``power_w`` at its nominal voltage.

    ``power / (series_count * parallel_count * cell_nominal_v)``: the pack
    voltage is taken as constant, which is how the shipped files were made.
    """
    if series_count < 1 or parallel_count < 1 or not cell_nominal_v > 0.0:
        raise ValueError(
            f"series_count={series_count}, parallel_count={parallel_count} must be >= 1 and "
            f"cell_nominal_v={cell_nominal_v} > 0"
        )
    result: FloatArray = power_w / (series_count * parallel_count * cell_nominal_v)
    return result
