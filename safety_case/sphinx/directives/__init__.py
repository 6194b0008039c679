"""Directives of the safety-case Sphinx extension, one per module."""

__all__: list[str] = []
