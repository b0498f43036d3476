"""JSON in and out: canonical serialisation, atomic writes and JSON Lines reading with line numbers."""

import hashlib
import json
import os
import stat
import tempfile
from pathlib import Path
from typing import Any, Callable, Iterator

from .errors import InputError, shorten

MAX_LINE_BYTES = 50_000_000  # a longer line is refused before it is parsed (no 1 GB allocations)


def canonical_json(obj: Any) -> str:
    """Stable, pretty serialisation (sorted keys, 2-space indent, UTF-8 text, final newline) so that
    diffs are readable and hashes are reproducible."""
    return json.dumps(obj, ensure_ascii=False, indent=2, sort_keys=True, allow_nan=False) + "\n"


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def usable_path(path) -> Path:
    """``path`` as a Path, or an InputError when no file can have that name (a NUL character)."""
    if "\0" in str(path):
        raise InputError(f"{shorten(repr(str(path)))}: a path cannot contain a NUL character")
    return Path(path)


def atomic_write_text(path: Path, text: str) -> None:
    """Write to a temporary file beside ``path`` and rename it over: readers see the old or the new
    file, never half of one, and a crash leaves the old file intact. A symlink is written through (its
    target is replaced, the link stays); the file keeps its permissions, or gets the umask's defaults
    when new (a temporary file alone would be private, 0600)."""
    shown, path = path, Path(os.path.realpath(usable_path(path)))
    if path.is_dir():
        raise InputError(f"{shown}: is a folder, expected a file path")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        mode = stat.S_IMODE(path.stat().st_mode) if path.exists() else 0o666 & ~_umask()
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise InputError(f"{shorten(str(shown))}: cannot write there ({exc.strerror or exc})") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fchmod(handle.fileno(), mode)
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _umask() -> int:
    """The process umask (reading it means setting it; set it straight back)."""
    current = os.umask(0o022)
    os.umask(current)
    return current


def write_json(path: Path, obj: Any) -> None:
    atomic_write_text(path, canonical_json(obj))


MAX_DEPTH = 100  # nesting beyond this is refused: no schema of ours comes near, and deeper values crash readers


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not valid JSON")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict:
    """An object whose keys are all different (json.loads would keep the last of two equal keys silently)."""
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise ValueError(f"duplicate key {shorten(key, 80)!r} in one object")
            seen.add(key)
    return obj


def _structure_problem(value: Any) -> str | None:
    """Why a parsed value cannot be used safely (too deep, a lone surrogate in a string), or None."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return f"the string {shorten(repr(item), 80)} holds a lone surrogate (\\ud800-\\udfff), which is not text"
            continue
        if depth > MAX_DEPTH:
            return f"nested more than {MAX_DEPTH} levels deep"
        if isinstance(item, dict):
            stack.extend((key, depth) for key in item)
            stack.extend((child, depth + 1) for child in item.values() if isinstance(child, (dict, list, str)))
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item if isinstance(child, (dict, list, str)))
    return None


def parse_json(text: str, where: str) -> Any:
    """Parse strict JSON: no NaN or Infinity, no duplicate keys, no lone surrogates, at most MAX_DEPTH
    levels; ``where`` names the file and line for the message."""
    try:
        value = json.loads(text, parse_constant=_reject_constant, object_pairs_hook=_unique_keys)
    except RecursionError:
        raise InputError(f"{where}: invalid JSON: nested more than {MAX_DEPTH} levels deep") from None
    except (json.JSONDecodeError, ValueError) as exc:
        raise InputError(f"{where}: invalid JSON: {shorten(str(exc))}") from None
    problem = _structure_problem(value)
    if problem:
        raise InputError(f"{where}: invalid JSON: {problem}")
    return value


def read_text(path: Path) -> str:
    """A UTF-8 text file; anything that stops it being read is an InputError naming the file."""
    path = usable_path(path)
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{shorten(str(path))}: no such file") from None
    except UnicodeDecodeError as exc:
        raise InputError(f"{shorten(str(path))}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except IsADirectoryError:
        raise InputError(f"{shorten(str(path))}: is a folder, expected a file") from None
    except OSError as exc:  # a name too long, a path below a file, no permission...
        raise InputError(f"{shorten(str(path))}: cannot read ({exc.strerror or exc})") from None


def read_json(path: Path) -> Any:
    return parse_json(read_text(path), str(path))


def iter_jsonl(path: Path, max_line_bytes: int = MAX_LINE_BYTES,
               on_error: Callable[[InputError], None] | None = None) -> Iterator[tuple[int, Any]]:
    """Yield ``(line_number, object)`` for each non-blank line; malformed lines raise InputError naming
    the file and line (or, with ``on_error``, are passed to it and skipped, so a caller can report every
    bad line). Lines longer than ``max_line_bytes`` are refused without being loaded whole."""
    path = usable_path(path)
    try:
        handle = open(path, "rb")
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a folder, expected a JSON Lines file") from None
    except OSError as exc:
        raise InputError(f"{shorten(str(path))}: cannot read ({exc.strerror or exc})") from None
    with handle:
        line_number = 0
        while True:
            raw = handle.readline(max_line_bytes + 1)
            if not raw:
                return
            line_number += 1
            try:
                if len(raw) > max_line_bytes and not raw.endswith(b"\n"):
                    while raw and not raw.endswith(b"\n"):  # skip the rest of the long line
                        raw = handle.readline(max_line_bytes + 1)
                    raise InputError(f"{path}:{line_number}: line longer than {max_line_bytes:,} bytes; refused")
                try:
                    text = raw.decode("utf-8")
                except UnicodeDecodeError as exc:
                    raise InputError(f"{path}:{line_number}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
                if not text.strip():
                    continue
                value = parse_json(text, f"{path}:{line_number}")
            except InputError as exc:
                if on_error is None:
                    raise
                on_error(exc)
                continue
            yield line_number, value
