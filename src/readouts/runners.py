"""Running a system instead of reading its predictions file. Either a Python class or any executable
gets the split's documents *without labels* and returns one prediction per document; the output is
written as JSON Lines and then read and validated exactly like a submitted file.

Python protocol (``--model package.module:Class``)::

    class MySystem:
        def __init__(self, **kwargs): ...          # optional; kwargs from --model-arg KEY=VALUE
        def predict(self, documents: list[dict]) -> list[dict]: ...

Command protocol (``--command "..."``): documents as JSONL on stdin, predictions as JSONL on stdout.
"""

import json
import shlex
import subprocess
from importlib import import_module
from pathlib import Path

from .errors import InputError
from .goldset import GoldSet
from .jsonio import atomic_write_text

DOCUMENT_FIELDS = ("id", "language", "source", "publisher_type", "title", "text", "date", "url")


def unlabelled_documents(gold: GoldSet, corpus: dict[str, dict]) -> list[dict]:
    """The split's documents as a system sees them: text and metadata, no annotation."""
    absent = [doc for doc in gold.document_ids if doc not in corpus]
    if absent:
        raise InputError(f"{len(absent)} documents of the split are not in the corpus (e.g. {absent[0]}); "
                         "point --corpus or READOUTS_CORPUS at the imported corpus")
    return [{key: corpus[doc][key] for key in DOCUMENT_FIELDS if key in corpus[doc]} for doc in gold.document_ids]


def _to_jsonl(records, origin: str) -> str:
    lines = []
    for index, record in enumerate(records):
        try:
            lines.append(json.dumps(record, ensure_ascii=False, allow_nan=False))
        except (TypeError, ValueError) as exc:
            raise InputError(f"{origin}: prediction {index + 1} (line {index + 1}): cannot be written as JSON: {exc}") from None
    return "".join(line + "\n" for line in lines)


def run_model(spec: str, documents: list[dict], out: Path, kwargs: dict | None = None) -> Path:
    """Import ``package.module:Class``, instantiate it with ``kwargs``, call ``predict`` and write JSONL."""
    module_name, _, class_name = spec.partition(":")
    if not module_name or not class_name:
        raise InputError(f"--model {spec!r}: expected package.module:Class")
    try:
        cls = getattr(import_module(module_name), class_name)
    except (ImportError, AttributeError) as exc:
        raise InputError(f"--model {spec!r}: cannot import: {exc}") from None
    system = cls(**(kwargs or {}))
    if not callable(getattr(system, "predict", None)):
        raise InputError(f"--model {spec!r}: the class has no predict(documents) method")
    predictions = system.predict(documents)
    if not isinstance(predictions, list):
        raise InputError(f"--model {spec!r}: predict() returned {type(predictions).__name__}, expected a list of dicts")
    atomic_write_text(out, _to_jsonl(predictions, f"--model {spec}"))
    return out


def run_command(command: str, documents: list[dict], out: Path, timeout: float) -> Path:
    """Run ``command`` (split like a shell line, no shell) with the documents on stdin; its stdout becomes
    the predictions file. A non-zero exit or a timeout is an InputError."""
    argv = shlex.split(command)
    if not argv:
        raise InputError("--command is empty")
    stdin = _to_jsonl(documents, "documents")
    try:
        done = subprocess.run(argv, input=stdin.encode("utf-8"), capture_output=True, timeout=timeout, check=False)
    except FileNotFoundError:
        raise InputError(f"--command: no such program {argv[0]!r}") from None
    except subprocess.TimeoutExpired:
        raise InputError(f"--command {command!r}: no answer within {timeout:g} s (raise --timeout)") from None
    if done.returncode != 0:
        tail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-5:]
        raise InputError(f"--command {command!r} exited with status {done.returncode}" + ("".join(f"\n  {line}" for line in tail)))
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    Path(out).write_bytes(done.stdout)
    return out
