"""Exclusive locks beside a file or folder, so that people writing the same data at once never lose an edit."""

import fcntl
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def exclusive_lock(path: Path):
    """Hold an exclusive lock on ``.<name>.lock`` beside ``path`` (released when the block ends or the
    process dies)."""
    lock_path = Path(path).with_name(f".{Path(path).name}.lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
