"""User-facing errors. The CLI turns them into a message and an exit code, never a traceback."""

EXIT_OK = 0
EXIT_CHECK_FAILED = 1
EXIT_BAD_INPUT = 2


class ReadoutsError(Exception):
    """Base class: the message is written for the user and names the file, line or JSON path."""

    exit_code = EXIT_BAD_INPUT


class InputError(ReadoutsError):
    """The input (a file, an option, a record) is malformed or inconsistent: exit 2."""


class CheckFailed(ReadoutsError):
    """A check ran to completion and found problems: exit 1."""

    exit_code = EXIT_CHECK_FAILED


def json_path(parts) -> str:
    """Render a jsonschema path deque/list as a JSONPath such as ``$.participants[0].mentions[1]``."""
    out = "$"
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


MAX_SHOWN = 200  # characters of a bad value an error message repeats


def shorten(text: str, limit: int = MAX_SHOWN) -> str:
    """``text`` cut to ``limit`` characters with the number left out, so that a message about a 50 MB
    value is one line, not 50 MB."""
    text = str(text)
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text) - limit:,} more characters)"


def summarise(problems: list[str], heading: str, limit: int, always_heading: bool = False) -> str:
    """The first ``limit`` problems under ``heading``, then how many more there are. A single problem is
    the whole message unless ``always_heading``."""
    if len(problems) == 1 and not always_heading:
        return problems[0]
    shown = problems[:limit] + ([f"... and {len(problems) - limit} more problems"] if len(problems) > limit else [])
    return "\n  ".join([heading, *shown])
