"""Readouts: a versioned benchmark of diplomatic-contact readouts in English, Ukrainian and Russian."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("readouts")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+unknown"
