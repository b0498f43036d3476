"""Readouts: a versioned benchmark of diplomatic-contact readouts in English, Ukrainian and Russian."""


def __getattr__(name: str):
    """``__version__`` is read from the installed metadata on first use (importlib.metadata is slow to
    import, and most commands never need it)."""
    if name != "__version__":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("readouts")
    except PackageNotFoundError:  # running from a source tree without installation
        return "0.0.0+unknown"
