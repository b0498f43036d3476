"""The child process behind ``readouts evaluate --model``: imports ``module:Class`` from the working
folder, instantiates it once, then answers one request line (a JSON list of documents) with one answer
line ``{"predictions": [JSON line, ...]}`` or ``{"error": message}``. Anything the model prints goes to
stderr, so it cannot mix with the answers. Not a user command: readouts.evaluation.runners starts it."""

import json
import os
import sys
import traceback
from importlib import import_module


def _short_traceback() -> str:
    """The last lines of the current exception's traceback (the model's own frames, not ours)."""
    lines = traceback.format_exc().strip().splitlines()
    return "\n  ".join(lines[-4:])


def _load(spec: str, kwargs: dict):
    module_name, _, class_name = spec.partition(":")
    try:
        cls = getattr(import_module(module_name), class_name)
    except (ImportError, AttributeError) as exc:
        raise LookupError(f"cannot import {spec!r} (from the working folder {os.getcwd()} or the installed packages): {exc}") from None
    try:
        system = cls(**kwargs)
    except TypeError as exc:
        raise LookupError(f"cannot create {class_name} with --model-arg {kwargs}: {exc}") from None
    except Exception:
        raise LookupError(f"{class_name}({', '.join(kwargs)}) raised:\n  {_short_traceback()}") from None
    if not callable(getattr(system, "predict", None)):
        raise LookupError("the class has no predict(documents) method")
    return system


def _answer(system, documents: list) -> dict:
    try:
        predictions = system.predict(documents)
    except Exception:
        return {"error": f"predict() raised:\n  {_short_traceback()}"}
    if not isinstance(predictions, list):
        return {"error": f"predict() returned {type(predictions).__name__}, expected a list of dicts"}
    lines = []
    for index, record in enumerate(predictions):
        try:
            lines.append(json.dumps(record, ensure_ascii=False, allow_nan=False))
        except (TypeError, ValueError) as exc:
            return {"error": f"prediction {index + 1} of the batch cannot be written as JSON: {exc}"}
    return {"predictions": lines}


def main(spec: str, arguments: str) -> int:
    answers = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)  # the model's print() and any library output on fd 1 go to stderr
    sys.stdout = sys.stderr
    sys.path.insert(0, os.getcwd())
    try:
        system = _load(spec, json.loads(arguments))
    except LookupError as exc:
        system, failure = None, {"error": str(exc)}
    for request in sys.stdin:
        answer = failure if system is None else _answer(system, json.loads(request))
        answers.write(json.dumps(answer, ensure_ascii=False) + "\n")
        answers.flush()
        if system is None:
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
