"""The installed console scripts work: ``bms`` and ``safety-case`` with --help and --version.

Covers the foundation's promise that both commands work after install, run as
a user runs them (the scripts beside the interpreter), not through ``main()``.
"""

import subprocess
import sys
from pathlib import Path

import pytest

from bms import __version__

BIN = Path(sys.executable).parent


@pytest.mark.parametrize("script", ["bms", "safety-case"])
@pytest.mark.parametrize("flag", ["--help", "--version"])
def test_script_runs(script: str, flag: str) -> None:
    path = BIN / script
    assert path.is_file(), f"{script} is not installed beside {sys.executable}"
    result = subprocess.run([str(path), flag], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert (__version__ in result.stdout) if flag == "--version" else ("usage:" in result.stdout)
