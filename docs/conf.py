"""Sphinx configuration of the project site: requirements, traces, evidence."""

from bms import __version__

project = "BMS safety case"
author = "The BMS safety-case authors"
release = __version__
version = __version__

extensions = [
    "safety_case.sphinx",
    "sphinx.ext.graphviz",
]

html_theme = "furo"
html_title = f"BMS safety case {release}"
exclude_patterns = ["_build"]
nitpicky = True

needs_flow_engine = "graphviz"
graphviz_output_format = "svg"
safety_case_policy_file = "../safety_case.toml"
