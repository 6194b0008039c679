"""Tests of bms/errors.py: the hierarchy and the rendering of configuration problems.

Covers: ConfigError is a BmsError and a ValueError; render names the file,
the line when known, the field and the message, one line per problem.
"""

from bms.errors import BmsError, ConfigError, ConfigProblem


def test_hierarchy() -> None:
    assert issubclass(ConfigError, BmsError)
    assert issubclass(ConfigError, ValueError)


def test_render_one_line_per_problem_with_location() -> None:
    error = ConfigError(
        "pack.toml",
        [
            ConfigProblem("pack.series_count", "is required but missing", 3),
            ConfigProblem("cell", "is required but missing"),
        ],
    )
    assert error.render().splitlines() == [
        "pack.toml:3: pack.series_count: is required but missing",
        "pack.toml: cell: is required but missing",
    ]
    assert str(error) == error.render()
