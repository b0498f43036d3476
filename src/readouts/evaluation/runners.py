"""Running a system instead of reading its predictions file. Either a Python class or any executable
gets the split's documents *without labels*, in batches, and returns one prediction per document. Each
batch's predictions are validated as they come and appended to a working file, so a run of hours can be
resumed after an interruption; at the end the whole file is validated and renamed into place.

Python protocol (``--model package.module:Class``), run in a child process started from the working
folder (so ``mymodule:MySystem`` next to you imports; ``print()`` goes to stderr)::

    class MySystem:
        def __init__(self, **kwargs): ...          # optional; kwargs from --model-arg KEY=VALUE
        def predict(self, documents: list[dict]) -> list[dict]: ...   # called once per batch

Command protocol (``--command "..."``): started once per batch, the batch's documents as JSONL on stdin,
predictions as JSONL on stdout.

Both run in their own process group: a timeout kills the program and everything it started, and their
output is read with bounds (a line may not exceed jsonio.MAX_LINE_BYTES; only the last lines of stderr
are kept, for the error message).
"""

import json
import os
import queue
import shlex
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from pathlib import Path

from tqdm import tqdm

from ..errors import InputError
from .goldset import GoldSet
from ..jsonio import MAX_LINE_BYTES
from .submission import read_submission

DOCUMENT_FIELDS = ("id", "language", "source", "publisher_type", "title", "text", "date", "url")
DEFAULT_BATCH_SIZE = 16
STDERR_LINES = 20  # lines of a failing program's stderr quoted in the message
STDERR_LINE_CHARS = 300


def unlabelled_documents(gold: GoldSet, corpus: dict[str, dict]) -> list[dict]:
    """The split's documents as a system sees them: text and metadata, no annotation."""
    absent = [doc for doc in gold.document_ids if doc not in corpus]
    if absent:
        raise InputError(f"{len(absent)} documents of the split are not in the corpus (e.g. {absent[0]}); "
                         "point --corpus or READOUTS_CORPUS at the imported corpus")
    return [{key: corpus[doc][key] for key in DOCUMENT_FIELDS if key in corpus[doc]} for doc in gold.document_ids]


def _jsonl(records) -> bytes:
    return "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records).encode("utf-8")


class Child:
    """A program in its own session with bounded, threaded reading of stdout (as lines) and stderr (the
    last lines only), so that neither a flood of output nor a silent program can exhaust memory or hang
    the harness. ``stop`` kills the whole process group."""

    def __init__(self, argv: list[str], label: str):
        self.label = label
        try:
            self.process = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                            start_new_session=True)
        except (FileNotFoundError, PermissionError) as exc:
            raise InputError(f"{label}: cannot start {argv[0]!r}: {exc.strerror}") from None
        self.lines: queue.Queue = queue.Queue()
        self.stderr_tail: deque = deque(maxlen=STDERR_LINES)
        threading.Thread(target=self._read_stdout, daemon=True).start()
        threading.Thread(target=self._read_stderr, daemon=True).start()

    def _read_stdout(self) -> None:
        while True:
            try:
                line = self.process.stdout.readline(MAX_LINE_BYTES + 1)
            except (ValueError, OSError):  # closed by stop() after a kill: nothing more to read
                line = b""
            if len(line) > MAX_LINE_BYTES and not line.endswith(b"\n"):
                self.lines.put(InputError(f"{self.label}: an output line is longer than {MAX_LINE_BYTES:,} bytes; refused"))
                return
            self.lines.put(line or None)  # None: end of output
            if not line:
                return

    def _read_stderr(self) -> None:
        try:
            for piece in iter(lambda: self.process.stderr.readline(STDERR_LINE_CHARS), b""):
                self.stderr_tail.append(piece.decode("utf-8", "replace").rstrip("\n"))
        except (ValueError, OSError):  # closed by stop() after a kill
            pass

    def send(self, data: bytes, close: bool = False) -> None:
        """Write ``data`` to stdin from a thread (a program that does not read cannot block the harness)."""
        def write():
            try:
                self.process.stdin.write(data)
                self.process.stdin.flush()
                if close:
                    self.process.stdin.close()
            except (BrokenPipeError, ValueError, OSError):
                pass  # the program exited early; its exit status or missing output says why
        threading.Thread(target=write, daemon=True).start()

    def read_line(self, deadline: float, timeout: float) -> bytes | None:
        """The next stdout line, None at the end of output; an InputError past ``deadline``."""
        try:
            line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            self.stop()
            raise InputError(f"{self.label}: no answer within {timeout:g} s (raise --timeout)") from None
        if isinstance(line, InputError):
            self.stop()
            raise line
        return line

    def failure(self, what: str) -> InputError:
        """An error for ``what`` went wrong, quoting the program's last stderr lines."""
        tail = list(self.stderr_tail)[-5:]
        return InputError(f"{self.label}: {what}" + "".join(f"\n  {line}" for line in tail))

    def stop(self) -> int | None:
        """Kill the process group (children and grandchildren too); return the program's exit status."""
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        status = self.process.wait()
        for stream in (self.process.stdin, self.process.stdout, self.process.stderr):
            try:
                stream.close()
            except (BrokenPipeError, OSError):
                pass
        return status


class CommandSystem:
    """``--command``: one run of the program per batch, documents on stdin, predictions on stdout."""

    def __init__(self, command: str, timeout: float):
        try:
            self.argv = shlex.split(command)
        except ValueError as exc:
            raise InputError(f"--command {command!r}: {exc}") from None
        if not self.argv:
            raise InputError("--command is empty")
        self.label, self.timeout = f"--command {command!r}", timeout

    def predict(self, documents: list[dict]) -> list[bytes]:
        child = Child(self.argv, self.label)
        child.send(_jsonl(documents), close=True)
        deadline = time.monotonic() + self.timeout
        lines = []
        try:
            while (line := child.read_line(deadline, self.timeout)) is not None:
                lines.append(line)
            while child.process.poll() is None and time.monotonic() < deadline:
                time.sleep(0.01)
            status = child.process.poll()
            if status is None:
                raise InputError(f"{self.label}: no answer within {self.timeout:g} s (raise --timeout)")
            if status != 0:
                raise child.failure(f"exited with status {status}")
        finally:
            child.stop()
        return [line if line.endswith(b"\n") else line + b"\n" for line in lines if line.strip()]

    def close(self) -> None:
        pass


class ModelSystem:
    """``--model``: the class lives in one child process (``python -m readouts.model_worker``) for the
    whole run; each batch is one request line and one answer line."""

    def __init__(self, spec: str, kwargs: dict, timeout: float):
        module_name, _, class_name = spec.partition(":")
        if not module_name or not class_name:
            raise InputError(f"--model {spec!r}: expected package.module:Class")
        self.label, self.timeout = f"--model {spec}", timeout
        try:
            arguments = json.dumps(kwargs, ensure_ascii=False, allow_nan=False)
        except ValueError as exc:
            raise InputError(f"--model-arg: {exc}") from None
        self.child = Child([sys.executable, "-m", "readouts.model_worker", spec, arguments], self.label)

    def predict(self, documents: list[dict]) -> list[bytes]:
        self.child.send(json.dumps(documents, ensure_ascii=False).encode("utf-8") + b"\n")
        line = self.child.read_line(time.monotonic() + self.timeout, self.timeout)
        if line is None:
            status = self.child.stop()
            raise self.child.failure(f"the model process ended (status {status}) without answering")
        answer = json.loads(line)
        if "error" in answer:
            self.child.stop()
            raise InputError(f"{self.label}: {answer['error']}")
        return [line.encode("utf-8") + b"\n" for line in answer["predictions"]]

    def close(self) -> None:
        self.child.stop()


def _completed(working: Path) -> list[bytes]:
    """The prediction lines already saved in ``working``; a last line cut short by a kill is cut off the
    file (one truncate, so the lines before it are never at risk)."""
    if not working.is_file():
        return []
    data = working.read_bytes()
    complete = data[: data.rfind(b"\n") + 1]
    if len(complete) < len(data):
        os.truncate(working, len(complete))
    return [line + b"\n" for line in complete.split(b"\n")[:-1] if line.strip()]


def _document_id(line: bytes) -> str | None:
    try:
        record = json.loads(line)
    except ValueError:
        return None
    return record.get("document_id") if isinstance(record, dict) else None


def _check_batch(lines: list[bytes], batch: list[dict], gold: GoldSet, label: str, number: int, workdir: Path) -> None:
    """Validate one batch's predictions like a submitted file; messages name the system and the batch,
    never the scratch file."""
    if not lines:
        raise InputError(f"{label}: returned no prediction for batch {number} ({len(batch)} documents, first {batch[0]['id']}); "
                         "return one prediction object with its document_id per document")
    scratch = workdir / f"batch-{number}.jsonl"
    scratch.write_bytes(b"".join(lines))
    try:
        submission = read_submission(scratch, gold, warn=lambda message: None)
    except InputError as exc:
        raise InputError(str(exc).replace(f"{scratch}:", f"{label}, batch {number}, prediction ")) from None
    finally:
        scratch.unlink()
    asked = {document["id"] for document in batch}
    stray = sorted(set(submission.predictions) - asked)
    if stray or submission.ignored:
        raise InputError(f"{label}: batch {number} has a prediction for {(stray or submission.ignored)[0]!r}, "
                         "a document it was not given")


def _prepare(out: Path, batch_size: int) -> Path:
    """Check the options and return the working file beside ``out``."""
    if batch_size < 1:
        raise InputError(f"--batch-size {batch_size}: must be at least 1")
    if out.is_dir():
        raise InputError(f"--save-predictions {out}: is a folder, expected a file name")
    out.parent.mkdir(parents=True, exist_ok=True)
    return out.with_name(out.name + ".partial")


def run_system(system, documents: list[dict], gold: GoldSet, out: Path, batch_size: int = DEFAULT_BATCH_SIZE,
               progress: bool | None = None, say=print) -> Path:
    """Give ``documents`` to ``system`` in batches, validating and appending each batch's predictions to
    ``<out>.partial`` (flushed to disk), skipping documents already there (a resumed run). When every
    batch is done and the whole file validates, it is renamed to ``out``; ``out`` is never left invalid."""
    try:
        working = _prepare(Path(out), batch_size)
        saved = _completed(working)
        done = {_document_id(line) for line in saved}
        if saved:
            say(f"resuming: {len(done)} of {len(documents)} documents already predicted in {working} (delete it to start over)")
        todo = [document for document in documents if document["id"] not in done]
        batches = [todo[i:i + batch_size] for i in range(0, len(todo), batch_size)]
        with tempfile.TemporaryDirectory(prefix="readouts-batch-") as workdir, \
                tqdm(total=len(documents), initial=len(documents) - len(todo), unit="doc", desc="predicting",
                     disable=None if progress is None else not progress) as bar, open(working, "ab") as handle:
            for number, batch in enumerate(batches, 1):
                lines = system.predict(batch)
                _check_batch(lines, batch, gold, system.label, number, Path(workdir))
                handle.write(b"".join(lines))
                handle.flush()
                os.fsync(handle.fileno())
                bar.update(len(batch))
    finally:
        system.close()
    read_submission(working, gold, warn=lambda message: None)  # duplicates across batches, a hand-edited file
    os.replace(working, out)
    return Path(out)
