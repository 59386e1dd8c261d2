"""The package version, in one place (the package and its exports import it from here)."""

__version__ = "0.1.0"
