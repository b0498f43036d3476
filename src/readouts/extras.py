"""The optional parts of the package and the extras that install them. A command that needs an extra
which is not installed stops with a message naming it (exit 2) instead of an ImportError."""

# extra -> top-level modules it provides (keep in step with [project.optional-dependencies])
EXTRAS = {
    "hub": ("pyarrow", "datasets", "huggingface_hub", "mlcroissant"),
    "annotate": ("label_studio_sdk", "httpx"),
    "plots": ("matplotlib",),
}


def extra_for(error: ModuleNotFoundError) -> str | None:
    """The extra that provides the module ``error`` could not import, or None when it is not optional."""
    top = (error.name or "").split(".")[0]
    return next((extra for extra, modules in EXTRAS.items() if top in modules), None)


def missing_extra_message(error: ModuleNotFoundError) -> str | None:
    extra = extra_for(error)
    if extra is None:
        return None
    return (f"this command needs the optional '{extra}' dependencies ({error.name} is not installed): "
            f"pip install 'readouts[{extra}]' (or, in a checkout, pip install -e '.[{extra}]')")
