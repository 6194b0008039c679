"""Two miniature projects shared by the rule tests: one that breaks every rule, one that passes.

Each rule's bad case lives in its own document with its own ids, so one
sphinx-needs export (about 4 s) validates all of them; the good project is
a second export. Together they are the toolkit's validation suite for tool
confidence (ISO 26262-8:2018 clause 11).
"""

from pathlib import Path

import pytest

from safety_case.policy import load_policy
from safety_case.rules import CheckReport, check_project

from ..conftest import write_project

INDEX = """\
Mini project
============

.. toctree::
   :glob:

   *
"""

GOOD = {
    "reqs/index.rst": INDEX,
    "reqs/chain.rst": """\
        Chain
        =====

        .. hazard:: Overheating while driving
           :id: HAZ_GOOD
           :severity: S3
           :exposure: E4
           :controllability: C3
           :asil: D

        .. safety_goal:: No overheating
           :id: SG_GOOD
           :asil: D
           :safe_state: off
           :ftti_ms: 1000
           :mitigates: HAZ_GOOD

        .. fsr:: Detect and stop
           :id: FSR_GOOD
           :asil: D
           :satisfies: SG_GOOD

        .. tsr:: Monitor
           :id: TSR_GOOD_MON
           :asil: D(D)
           :reaction_ms: 300
           :satisfies: FSR_GOOD

        .. tsr:: Estimator
           :id: TSR_GOOD_EST
           :asil: QM(D)
           :independent_of: TSR_GOOD_MON
           :satisfies: FSR_GOOD

        .. swr:: Monitor software
           :id: SWR_GOOD_MON
           :asil: D
           :verification: requirements_based_test, fault_injection
           :satisfies: TSR_GOOD_MON

        .. swr:: Estimator software
           :id: SWR_GOOD_EST
           :asil: QM(D)
           :satisfies: TSR_GOOD_EST

        .. component:: Monitor component
           :id: ARC_GOOD
           :asil: D
           :realizes: TSR_GOOD_MON
        """,
    "pkg/__init__.py": "",
    "pkg/mod.py": '''\
        def monitor():
            """Implements: SWR_GOOD_MON"""

        def estimate():
            """Implements: SWR_GOOD_EST"""
        ''',
    "tests/test_mod.py": """\
        import pytest

        @pytest.mark.verifies("SWR_GOOD_MON", "SWR_GOOD_EST")
        def test_both():
            pass

        @pytest.mark.verifies("SWR_GOOD_MON", method="fault_injection")
        def test_injected():
            pass
        """,
}

_HAZARD = """
.. hazard:: {title}
   :id: {id}
   :severity: {s}
   :exposure: {e}
   :controllability: {c}
   :asil: {asil}
"""

BAD = {
    "reqs/index.rst": INDEX,
    "reqs/hazard_asil.rst": "Hazard ASIL\n===========\n"
    + _HAZARD.format(title="Rated too low", id="HAZ_HA_BAD", s="S3", e="E4", c="C3", asil="C"),
    "reqs/goal_asil.rst": "Goal ASIL\n=========\n"
    + _HAZARD.format(title="D hazard", id="HAZ_GA", s="S3", e="E4", c="C3", asil="D")
    + """
.. safety_goal:: Goal rated below its hazard
   :id: SG_GA_BAD
   :asil: C
   :safe_state: off
   :ftti_ms: 100
   :mitigates: HAZ_GA
""",
    "reqs/inheritance.rst": "Inheritance\n===========\n"
    + _HAZARD.format(title="D hazard", id="HAZ_IN", s="S3", e="E4", c="C3", asil="D")
    + """
.. safety_goal:: Goal
   :id: SG_IN
   :asil: D
   :safe_state: off
   :ftti_ms: 100
   :mitigates: HAZ_IN

.. fsr:: Lower than its goal
   :id: FSR_IN_BAD
   :asil: B
   :satisfies: SG_IN
""",
    "reqs/decomposition.rst": "Decomposition\n=============\n"
    + _HAZARD.format(title="D hazard", id="HAZ_DC", s="S3", e="E4", c="C3", asil="D")
    + """
.. safety_goal:: Goal
   :id: SG_DC
   :asil: D
   :safe_state: off
   :ftti_ms: 100
   :mitigates: HAZ_DC

.. fsr:: Decomposed parent
   :id: FSR_DC
   :asil: D
   :satisfies: SG_DC

.. tsr:: A part
   :id: TSR_DC_A
   :asil: A(D)
   :satisfies: FSR_DC

.. tsr:: B part, sums to 3 only
   :id: TSR_DC_B
   :asil: B(D)
   :independent_of: TSR_DC_A
   :satisfies: FSR_DC

.. tsr:: Part without a partner
   :id: TSR_DC_LONE
   :asil: QM(D)
   :satisfies: FSR_DC
""",
    "reqs/budget.rst": "Budget\n======\n"
    + _HAZARD.format(title="D hazard", id="HAZ_TB", s="S3", e="E4", c="C3", asil="D")
    + """
.. safety_goal:: Fast goal
   :id: SG_TB
   :asil: D
   :safe_state: off
   :ftti_ms: 100
   :mitigates: HAZ_TB

.. fsr:: Requirement
   :id: FSR_TB
   :asil: D
   :satisfies: SG_TB

.. tsr:: Too slow
   :id: TSR_TB_BAD
   :asil: D
   :reaction_ms: 250
   :satisfies: FSR_TB
""",
    "reqs/links.rst": """\
Links
=====

.. fsr:: Cycle one
   :id: FSR_CY_A
   :asil: D
   :satisfies: FSR_CY_B

.. fsr:: Cycle two
   :id: FSR_CY_B
   :asil: D
   :satisfies: FSR_CY_A

.. fsr:: Dangling
   :id: FSR_DL_BAD
   :asil: D
   :satisfies: SG_DOES_NOT_EXIST
""",
    "reqs/malformed.rst": """\
Malformed
=========

.. safety_goal:: Unknown ASIL and no FTTI
   :id: SG_SC_BAD
   :asil: E
   :safe_state: off
   :mitigates: HAZ_GA

.. fsr:: Satisfies a hazard
   :id: FSR_SC_WRONG
   :asil: D
   :satisfies: HAZ_GA

.. fsr:: First of two
   :id: FSR_DUP
   :asil: D
   :satisfies: SG_IN

.. fsr:: Second of two
   :id: FSR_DUP
   :asil: D
   :satisfies: SG_IN

.. tsr:: Unknown option
   :id: TSR_OPT_BAD
   :asil: D
   :colour: red
   :satisfies: FSR_IN_BAD

Text with *broken emphasis

.. no-such-directive::
""",
    "reqs/traced.rst": """\
Traced
======

.. swr:: Neither implemented nor verified
   :id: SWR_TR_NONE
   :asil: D
   :satisfies: TSR_TB_BAD

.. swr:: Missing fault injection
   :id: SWR_TR_METH
   :asil: D
   :satisfies: TSR_TB_BAD
""",
    "pkg/__init__.py": "",
    "pkg/mod.py": '''\
        def done():
            """Implements: SWR_TR_METH, SWR_UNKNOWN_ONE"""
        ''',
    "pkg/broken.py": "def oops(:\n",
    "tests/test_mod.py": """\
        import pytest

        @pytest.mark.verifies("SWR_TR_METH")
        def test_done():
            pass
        """,
}


def _check(root: Path) -> CheckReport:
    return check_project(load_policy(root / "safety_case.toml"))


@pytest.fixture(scope="module")
def good(tmp_path_factory: pytest.TempPathFactory) -> CheckReport:
    return _check(write_project(tmp_path_factory.mktemp("good"), GOOD))


@pytest.fixture(scope="module")
def bad(tmp_path_factory: pytest.TempPathFactory) -> CheckReport:
    return _check(write_project(tmp_path_factory.mktemp("bad"), BAD))
