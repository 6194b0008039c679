"""The ISO 26262 metamodel as data: need types, their fields, their links and link targets.

Layer 1 (ground): nothing here imports the rest of the toolkit. Rules, the
Sphinx extension and trace extraction read these mappings; no other module
spells out a prefix such as ``"SWR_"`` or a link such as ``"satisfies"``
between particular types, so another project can bring its own metamodel.
(ISO 26262-8:2018 clause 6: specification and management of safety
requirements; ISO 26262-9:2018 clause 5: ASIL decomposition.)
"""

from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

__all__ = [
    "CODE_TYPE",
    "FIELDS",
    "ID_PATTERN",
    "LINKS",
    "NEED_TYPES",
    "TEST_TYPE",
    "FieldSpec",
    "LinkSpec",
    "NeedTypeSpec",
    "need_type_of",
    "trace_need_id",
]

ID_PATTERN: Final = r"^[A-Z][A-Z0-9_]{4,}$"
"""Every need id: upper case, digits and underscores, at least five characters."""


@dataclass(frozen=True)
class NeedTypeSpec:
    """One kind of safety artefact."""

    directive: str
    """Directive name in the ``.rst`` sources, the same for every project."""
    title: str
    """Human-readable name."""
    prefix: str
    """Id prefix; an id of this type starts with it."""
    color: str
    """Fill colour in needflow diagrams."""
    required_fields: tuple[str, ...]
    """Fields every need of the type must set."""
    required_links: tuple[str, ...]
    """Link types every need of the type must use at least once."""
    description: str
    """One line on what the type is for."""
    link_targets: tuple[tuple[str, tuple[str, ...]], ...] = ()
    """For each link type a need of this type may use, the need types it may point to."""
    generated: bool = False
    """Made by the toolkit from traces in the code, never written by hand."""
    traced: bool = False
    """Needs of this type must be implemented by code units and verified by tests."""

    def targets(self, link: str) -> tuple[str, ...]:
        """Need types that ``link`` may point to from this type (empty: the link is not allowed)."""
        for name, types in self.link_targets:
            if name == link:
                return types
        return ()


@dataclass(frozen=True)
class FieldSpec:
    """A field that needs may carry, with its allowed values as a regex."""

    name: str
    """Option name in the directive."""
    pattern: str
    """Regular expression the value must match in full."""
    description: str
    """One line on the field's meaning."""


@dataclass(frozen=True)
class LinkSpec:
    """A link type between needs."""

    name: str
    """Option name in the directive."""
    outgoing: str
    """Label of the link as seen from its source."""
    incoming: str
    """Label of the link as seen from its target."""
    description: str
    """One line on the relation."""


NEED_TYPES: Final = MappingProxyType(
    {
        "hazard": NeedTypeSpec(
            "hazard",
            "Hazardous event",
            "HAZ_",
            "#F4CCCC",
            ("severity", "exposure", "controllability", "asil"),
            (),
            "A hazard in an operating situation, rated S, E and C (ISO 26262-3 clause 6).",
        ),
        "safety_goal": NeedTypeSpec(
            "safety_goal",
            "Safety goal",
            "SG_",
            "#FCE5CD",
            ("asil", "safe_state", "ftti_ms"),
            ("mitigates",),
            "Top-level safety requirement against hazards (ISO 26262-3 clause 6.4.6).",
            (("mitigates", ("hazard",)),),
        ),
        "fsr": NeedTypeSpec(
            "fsr",
            "Functional safety requirement",
            "FSR_",
            "#FFF2CC",
            ("asil",),
            ("satisfies",),
            "Functional safety concept (ISO 26262-3 clause 7).",
            (("satisfies", ("safety_goal",)), ("independent_of", ("fsr",))),
        ),
        "tsr": NeedTypeSpec(
            "tsr",
            "Technical safety requirement",
            "TSR_",
            "#D9EAD3",
            ("asil",),
            ("satisfies",),
            "Technical safety concept (ISO 26262-4 clause 6).",
            (("satisfies", ("fsr",)), ("independent_of", ("tsr",))),
        ),
        "swr": NeedTypeSpec(
            "swr",
            "Software safety requirement",
            "SWR_",
            "#CFE2F3",
            ("asil",),
            ("satisfies",),
            "Software safety requirement (ISO 26262-6 clause 6).",
            (("satisfies", ("tsr",)), ("independent_of", ("swr",))),
            traced=True,
        ),
        "component": NeedTypeSpec(
            "component",
            "Software component",
            "ARC_",
            "#D9D2E9",
            ("asil",),
            ("realizes",),
            "Element of the software architecture (ISO 26262-6 clause 7).",
            (("realizes", ("swr", "tsr")), ("independent_of", ("component",))),
        ),
        "code_unit": NeedTypeSpec(
            "code_unit",
            "Code unit",
            "CODE_",
            "#EEEEEE",
            ("source",),
            ("implements",),
            "Function or class whose docstring names what it implements (generated).",
            (("implements", ("swr",)),),
            generated=True,
        ),
        "test": NeedTypeSpec(
            "test",
            "Test",
            "TEST_",
            "#E0E0E0",
            ("source",),
            ("verifies",),
            "Test whose marker names what it verifies (generated).",
            (("verifies", ("swr",)),),
            generated=True,
        ),
    }
)
"""Need types by directive name, in the order of the safety lifecycle."""

CODE_TYPE: Final = "code_unit"
"""Need type of the generated code-unit needs (``code`` is docutils' directive)."""
TEST_TYPE: Final = "test"
"""Directive name of the generated test needs."""

FIELDS: Final = MappingProxyType(
    {
        "severity": FieldSpec("severity", r"S[0-3]", "Severity class S0-S3 (ISO 26262-3 Table 1)."),
        "exposure": FieldSpec("exposure", r"E[0-4]", "Exposure class E0-E4 (ISO 26262-3 Table 2)."),
        "controllability": FieldSpec(
            "controllability", r"C[0-3]", "Controllability class C0-C3 (ISO 26262-3 Table 3)."
        ),
        "asil": FieldSpec(
            "asil",
            r"QM|A|B|C|D|(QM|A|B|C|D)\((A|B|C|D)\)",
            "ASIL, or a decomposed ASIL such as B(D) (ISO 26262-9 clause 5).",
        ),
        "safe_state": FieldSpec("safe_state", r"\S.*", "Safe state reached on a violation."),
        "ftti_ms": FieldSpec("ftti_ms", r"[1-9][0-9]*", "Fault tolerant time interval in ms."),
        "reaction_ms": FieldSpec(
            "reaction_ms",
            r"[1-9][0-9]*",
            "Time budget in ms from fault onset to the safe state; inside the goal's FTTI.",
        ),
        "verification": FieldSpec(
            "verification", r"[a-z_]+(\s*,\s*[a-z_]+)*", "Verification methods wanted."
        ),
        "allocation": FieldSpec(
            "allocation", r"\S.*", "Element the requirement is allocated to (hardware, software)."
        ),
        "module": FieldSpec(
            "module", r"[A-Za-z_][A-Za-z0-9_.]*", "Dotted module path a component lives in."
        ),
        "source": FieldSpec("source", r"\S+:[0-9]+", "File and line a generated need comes from."),
        "method": FieldSpec(
            "method", r"[a-z_]+(\s*,\s*[a-z_]+)*", "Verification methods of a test."
        ),
    }
)
"""Fields that needs may carry, by name."""

LINKS: Final = MappingProxyType(
    {
        "mitigates": LinkSpec("mitigates", "mitigates", "mitigated by", "Goal to hazard."),
        "satisfies": LinkSpec(
            "satisfies", "satisfies", "satisfied by", "Child to parent requirement."
        ),
        "realizes": LinkSpec("realizes", "realizes", "realized by", "Component to requirement."),
        "independent_of": LinkSpec(
            "independent_of",
            "independent of",
            "independent of",
            "Decomposition partner (ISO 26262-9 clause 5).",
        ),
        "implements": LinkSpec(
            "implements", "implements", "implemented by", "Code unit to requirement."
        ),
        "verifies": LinkSpec("verifies", "verifies", "verified by", "Test to requirement."),
    }
)
"""Link types between needs, by option name."""


def need_type_of(need_id: str) -> NeedTypeSpec | None:
    """The need type whose prefix starts ``need_id``, or ``None``."""
    for spec in NEED_TYPES.values():
        if need_id.startswith(spec.prefix):
            return spec
    return None


def trace_need_id(kind: str, qualified_name: str) -> str:
    """Need id of a generated code or test need: its type's prefix and its name in capitals.

    Derived from the qualified name only (never a line number), so moving
    code keeps the id. ``kind`` is :data:`CODE_TYPE` or :data:`TEST_TYPE`.
    """
    spec = NEED_TYPES[kind]
    body = "".join(c if c.isalnum() else "_" for c in qualified_name.upper())
    return spec.prefix + body
