"""The package version, on its own so that every layer can name it without climbing to the package face."""

__version__ = "0.8.0"
