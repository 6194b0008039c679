"""The single source of the package version (read by hatchling and both CLIs)."""

__version__ = "0.1.0"
