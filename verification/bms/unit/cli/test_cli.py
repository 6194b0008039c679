"""Tests of the ``bms`` command (bms/cli).

Covers: --version and --help exit 0; no command is a usage error (2);
``config show`` works with no argument (the shipped pack) and as JSON;
``config check`` returns 3 with one message per problem and no traceback,
0 for a valid file.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bms import __version__
from bms.cli import ExitCode, main
from bms.config import default_pack_path


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    assert __version__ in capsys.readouterr().out


def test_no_command_is_usage_error() -> None:
    assert main([]) == ExitCode.USAGE


def test_config_show_default(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["config", "show"]) == ExitCode.OK
    assert "series_count: 96" in capsys.readouterr().out


def test_config_show_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["config", "show", "--json"]) == ExitCode.OK
    assert json.loads(capsys.readouterr().out)["pack"]["series_count"] == 96


def test_config_check_reports_problems_without_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    text = default_pack_path().read_text().replace("series_count = 96", "series_count = 0")
    bad.write_text(text, encoding="utf-8")
    line = text.splitlines().index("series_count = 0") + 1
    result = subprocess.run(
        [sys.executable, "-m", "bms", "config", "check", str(bad), str(default_pack_path())],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == ExitCode.CONFIG
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [
        f"{bad}:{line}: pack.series_count: Input should be greater than or equal to 1 (got 0)"
    ]


def test_config_check_valid_file() -> None:
    assert main(["config", "check", str(default_pack_path())]) == ExitCode.OK
