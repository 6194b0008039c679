"""Whether a chemistry file describes the cell the pack configuration protects.

ASIL: QM(D) (the estimation channel's data); requirements: SWR_CTRL_CHEM_001.

The pack file (``bms.config``) and the chemistry file (``bms.cell``) are
written and checked apart: the protection reads the one, the SoC filter, the
plating cap and the capacity tracker the other. Paired wrong, an LFP pack
would be estimated with NMC tables, or an NMC chemistry would run under an
LFP pack's thresholds: each file valid, the pair not. The controller refuses
such a pair before its first step, naming the fields that disagree.
"""

from bms.cell import Chemistry, chemistry_names, load_chemistry
from bms.config import BmsConfig
from bms.errors import ConfigError, ConfigProblem

__all__ = [
    "CAPACITY_TOLERANCE",
    "check_chemistry_matches",
    "chemistry_mismatches",
    "shipped_chemistry_for",
]

CAPACITY_TOLERANCE = 0.10
"""Largest relative difference between the pack file's rated cell capacity and the
chemistry's: the shipped pairs differ by 2.9 % (NMC: 5.0 Ah rated, 5.14 Ah fitted) and 0.7 %
(LFP), a cell of another type by far more; ageing is the capacity tracker's, not this."""


def chemistry_mismatches(config: BmsConfig, chemistry: Chemistry) -> list[ConfigProblem]:
    """Each way the chemistry disagrees with the pack's cell, as a problem of the pack field.

    Implements: SWR_CTRL_CHEM_001

    The chemistry label must be the same (case aside), the rated capacity within
    :data:`CAPACITY_TOLERANCE`, and the chemistry's voltage range inside the cell's
    absolute window.
    """
    cell, name = config.cell, chemistry.name
    problems = []
    if cell.chemistry.strip().upper() != chemistry.chemistry.strip().upper():
        problems.append(
            ConfigProblem(
                "cell.chemistry",
                f"the pack's cells are {cell.chemistry!r}, the chemistry {name!r} "
                f"describes {chemistry.chemistry!r}",
            )
        )
    ratio = chemistry.nominal_capacity_ah / cell.nominal_capacity_ah
    if abs(ratio - 1.0) > CAPACITY_TOLERANCE:
        problems.append(
            ConfigProblem(
                "cell.nominal_capacity_ah",
                f"{cell.nominal_capacity_ah:g} Ah, the chemistry {name!r} "
                f"{chemistry.nominal_capacity_ah:.3g} Ah: more than "
                f"{100 * CAPACITY_TOLERANCE:g} % apart, another cell",
            )
        )
    if chemistry.min_voltage_v < cell.absolute_min_voltage_v:
        problems.append(
            ConfigProblem(
                "cell.absolute_min_voltage_v",
                f"{cell.absolute_min_voltage_v:g} V, above the lowest voltage of the "
                f"chemistry {name!r}, {chemistry.min_voltage_v:g} V",
            )
        )
    if chemistry.max_voltage_v > cell.absolute_max_voltage_v:
        problems.append(
            ConfigProblem(
                "cell.absolute_max_voltage_v",
                f"{cell.absolute_max_voltage_v:g} V, below the highest voltage of the "
                f"chemistry {name!r}, {chemistry.max_voltage_v:g} V",
            )
        )
    return problems


def check_chemistry_matches(config: BmsConfig, chemistry: Chemistry) -> None:
    """Raise :class:`ConfigError` listing every mismatch (none: return).

    Implements: SWR_CTRL_CHEM_001
    """
    problems = chemistry_mismatches(config, chemistry)
    if problems:
        source = f"pack {config.pack.name!r} with chemistry {chemistry.name!r}"
        raise ConfigError(source, problems)


def shipped_chemistry_for(config: BmsConfig) -> Chemistry | None:
    """The first shipped chemistry (by name) that describes the pack's cell, or None.

    What a command that needs a plant takes when none is named: the shipped packs each
    have theirs (``nmc_96s``: ``NMC_Chen2020``, ``lfp_96s``: ``LFP_Prada2013``).
    """
    for name in chemistry_names():
        chemistry = load_chemistry(name)
        if not chemistry_mismatches(config, chemistry):
            return chemistry
    return None
