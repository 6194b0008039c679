"""Version of the toolkit, kept in step with the package version."""

from importlib import metadata

try:
    __version__ = metadata.version("bms-safety-case")
except metadata.PackageNotFoundError:  # running from a source tree without install
    __version__ = "0.0.0+source"
