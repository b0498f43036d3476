"""Every `readouts` entry point against random bad values and files: the answer is always exit 0, 1 or 2
with a message, never a traceback. Commands and options are read from the argparse parser, so a new
subcommand or option is fuzzed without editing this file. Runs in-process through readouts.cli.main in a
temporary repository (with a release of invented documents) so that nothing outside it is written; URLs
are loopback only and the Hugging Face Hub is offline."""

import argparse
import contextlib
import io
import json
import os
import traceback

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from release_helpers import add_documents, calls, prepare

from conftest import as_prediction, tiny_gold_annotations
from readouts.cli import build_parser, main

# Options of the system runners (runners.py: --model, --command) are fuzzed with the work on issue 17.10.
LEFT_TO_THE_RUNNERS = {"--model", "--model-arg", "--command", "--timeout"}
EXAMPLES = int(os.environ.get("READOUTS_FUZZ_EXAMPLES", "300"))

TEXT = ["", "-1", "0", "1", "nan", "inf", "-inf", "507.0", "1e309", "99999999999999999999", "v9.9.9", "0.1.0", "v0.1.0",
        "gold", "test-en-call1", "test-en-call1\n", "test-en-call1\x00", "a\x00b", "\udcff", "../../outside", "x" * 1000,
        "{", "[]", "'unbalanced", "-", "joe-biden"]
URLS = ["http://127.0.0.1:9", "127.0.0.1:9", "", "http://[::1]:9/", "ftp://127.0.0.1:9", "http://127.0.0.1:notaport"]


def leaf_commands(parser: argparse.ArgumentParser, path=()) -> list[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    """(command words, parser) of every subcommand that takes no further subcommand."""
    subcommands = [action for action in parser._actions if isinstance(action, argparse._SubParsersAction)]
    if not subcommands:
        return [(path, parser)]
    return [leaf for action in subcommands for name, child in action.choices.items() for leaf in leaf_commands(child, path + (name,))]


LEAVES = leaf_commands(build_parser())


def write_bad_files(folder) -> list[str]:
    """Paths to files that are wrong in every way we know, plus a folder, a missing file and a path below
    a file, and one valid predictions file so that commands get past their first check."""
    folder.mkdir()
    deep = "[" * 5000 + "]" * 5000
    prediction = json.dumps({"document_id": "test-en-call1", "participants": [
        {"actor_id": "joe-biden", "participation": "direct", "mentions": [{"start": 507.0, "end": 510}]}]})
    contents = {
        "empty.jsonl": b"", "blank.jsonl": b"\n\n", "broken.json": b"{", "deep.json": deep.encode(), "deep.jsonl": deep.encode() + b"\n",
        "duplicate-keys.json": b'{"a": 1, "a": 2}', "duplicate-keys.jsonl": b'{"document_id": "test-en-call1", "document_id": "x"}\n',
        "latin1.jsonl": "{\"document_id\": \"caf\xe9\"}\n".encode("latin-1"), "list.json": b"[1, 2]",
        "surrogate.json": b'{"system_name": "\\ud800", "id": "\\udcff"}', "nul-id.jsonl": b'{"document_id": "test-en-call1\\u0000"}\n',
        "float-offsets.jsonl": prediction.encode() + b"\n", "crlf.jsonl": prediction.encode() + b"\r\n",
        "nan.jsonl": b'{"document_id": "test-en-call1", "x": NaN}\n', "no-documents.json": b'{"version": "0.1.0"}',
        "huge-topics.jsonl": json.dumps({"document_id": "test-en-call1", "topics": [{"n": i} for i in range(5000)]}).encode() + b"\n",
        "text.txt": b"not json at all\n",
    }
    for name, data in contents.items():
        (folder / name).write_bytes(data)
    valid = folder / "valid.jsonl"
    valid.write_text("".join(json.dumps(as_prediction(a)) + "\n" for a in tiny_gold_annotations_cached()), encoding="utf-8")
    (folder / "a-folder").mkdir()
    return [str(folder / name) for name in contents] + [str(valid), str(folder / "a-folder"), str(folder / "missing.jsonl"),
                                                        str(folder / "text.txt" / "below-a-file.json")]


_TINY_GOLD: list = []


def tiny_gold_annotations_cached() -> list:
    return _TINY_GOLD


@pytest.fixture
def sandbox(repo, tiny_documents, tmp_path, monkeypatch):
    """The temporary repository with release v0.1.0, bad files, an offline Hub and a working folder deep
    enough that "../../x" stays inside the temporary folder."""
    from readouts.store import save_annotation

    prepare(repo, "0.1.0")
    for annotation in tiny_gold_annotations(tiny_documents).values():
        save_annotation(annotation)
    add_documents(repo, calls("wh-en-f", 8))
    assert main(["release", "create", "--bump", "minor", "--date", "2026-11-21"]) == 0
    _TINY_GOLD[:] = list(tiny_gold_annotations(tiny_documents).values())
    files = write_bad_files(tmp_path / "inputs")
    work = tmp_path / "a" / "b" / "work"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)
    for name in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "LABEL_STUDIO_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))
    return files


def good_values(dest: str, files: list[str]) -> list[str]:
    """Values that pass an argument's first check, so that examples with one bad value among good ones
    reach the code behind those checks."""
    valid = next(path for path in files if path.endswith("valid.jsonl"))
    folder = os.path.dirname(valid)
    by_dest = {"release": ["v0.1.0", "0.1.0"], "version": ["v0.1.0"], "a": ["v0.1.0", valid], "b": ["working", valid],
               "predictions": [valid], "gold_set": ["gold"], "set": ["gold", "drafts"], "document_id": ["test-en-call1"],
               "ids": ["test-en-call1", "wh-en-f000"], "n_resamples": ["10"], "seed": ["0"], "confidence_level": ["0.9"],
               "out": [os.path.join(folder, "out.json")], "save_predictions": [os.path.join(folder, "saved.jsonl")],
               "date": ["2026-11-30"], "sha256": ["0" * 64], "query": ["biden"], "project": ["1"], "repo_id": ["org/readouts"],
               "drafts": [valid], "docs": [valid], "plan": [valid], "file": [valid], "path": [valid], "paths": [valid]}
    return by_dest.get(dest, ["1"])


def values_for(action: argparse.Action, files: list[str]):
    if "url" in action.dest:
        return st.sampled_from(URLS)
    good = list(action.choices) if action.choices else good_values(action.dest, files)
    return st.one_of(st.sampled_from(good), st.sampled_from(good), st.sampled_from(TEXT + files))


@st.composite
def command_lines(draw, files: list[str]) -> list[str]:
    words, parser = draw(st.sampled_from(LEAVES))
    argv = list(words)
    for action in parser._actions:
        if isinstance(action, (argparse._HelpAction, argparse._VersionAction)) or set(action.option_strings) & LEFT_TO_THE_RUNNERS:
            continue
        if action.option_strings and not action.required and not draw(st.booleans()):
            continue
        if action.nargs == 0:
            argv.append(action.option_strings[0])
            continue
        count = draw(st.integers(1, 2)) if action.nargs in ("+", "*") else 1
        values = [draw(values_for(action, files)) for _ in range(count)]
        if action.option_strings:
            for value in values:
                argv += [action.option_strings[0], value]
        elif action.nargs != "?" or draw(st.booleans()):
            argv += values
    return argv


def run(argv: list[str]) -> tuple[int, str]:
    """Exit code and output (stdout, then stderr) of `readouts ARGV`, with stdout strict UTF-8 and stderr
    backslash-replacing as Python sets them up under a UTF-8 locale."""
    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="strict", write_through=True)
    err = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="backslashreplace", write_through=True)
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exit_:  # argparse: --help (0) and usage errors (2)
            code = exit_.code
        except BaseException:
            code = f"an exception escaped:\n{traceback.format_exc()}"
    return code, out.buffer.getvalue().decode("utf-8") + err.buffer.getvalue().decode("utf-8")


def test_every_entry_point_is_covered():
    commands = {" ".join(words) for words, _ in LEAVES}
    assert {"release check", "evaluate", "corpus import", "hub publish", "ls pull", "stats"} <= commands


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_bad_values_and_files_get_a_message_not_a_traceback(sandbox, data):
    argv = data.draw(command_lines(sandbox), label="argv")
    code, err = run(argv)
    assert code in (0, 1, 2), f"readouts {argv!r}: {code}\n{err[-3000:]}"
    assert "Traceback" not in err, f"readouts {argv!r}:\n{err[-3000:]}"
    if code == 2:
        assert err.strip(), f"readouts {argv!r}: exit 2 without a message"


# --- The inputs issue 17 lists, one by one ---------------------------------------------------------

def input_file(files: list[str], name: str) -> str:
    return next(path for path in files if path.endswith("/" + name))


LISTED = [
    # (argv with {name} for a file of write_bad_files, what the message must name)
    (["evaluate", "{float-offsets.jsonl}", "--release", "v0.1.0"], "507.0 is not a whole number"),
    (["evaluate", "{valid.jsonl}", "--release", "v0.1.0", "--seed", "-1"], "--seed: '-1' is not a whole number from 0"),
    (["evaluate", "{valid.jsonl}", "--release", "v0.1.0", "--n-resamples", "99999999999"], "--n-resamples: '99999999999' is not"),
    (["evaluate", "{valid.jsonl}", "--release", "v0.1.0", "--n-resamples", "0"], "--n-resamples: '0' is not a whole number from 1"),
    (["evaluate", "{valid.jsonl}", "--release", "v0.1.0", "--n-resamples", "10", "--out", "{a-folder}"], "is a folder"),
    (["evaluate", "{valid.jsonl}", "--release", "v0.1.0", "--n-resamples", "10", "--out", "{below-a-file.json}"], "below-a-file.json"),
    (["evaluate", "{nul-id.jsonl}", "--release", "v0.1.0"], "document_id"),
    (["evaluate", "{deep.jsonl}", "--release", "v0.1.0"], "nested more than 100 levels deep"),
    (["evaluate", "{duplicate-keys.jsonl}", "--release", "v0.1.0"], "duplicate key 'document_id'"),
    (["evaluate", "{huge-topics.jsonl}", "--release", "v0.1.0"], "5,000 items; at most 100"),
    (["evaluate", "{valid.jsonl}", "--release", "0.1.0\n"], "'0.1.0\\n' is not a release name"),
    (["validate", "{deep.json}", "--no-corpus"], "nested more than 100 levels deep"),
    (["validate", "{surrogate.json}", "--no-corpus"], "lone surrogate"),
    (["corpus", "import", "{corpus}", "--to", "{a-folder}"], "a-folder: is a folder"),
    (["corpus", "show", "test-en-call1\x00"], "test-en-call1"),
    (["release", "check", "v0.1.0", "--sha256", "x" * 100_000], "more characters"),
]


@pytest.mark.parametrize("argv, named", LISTED, ids=[" ".join(argv)[:60] for argv, _ in LISTED])
def test_each_listed_bad_input_gets_a_message_naming_it(sandbox, argv, named):
    names = {os.path.basename(path): path for path in sandbox} | {"corpus": os.environ["READOUTS_CORPUS"]}
    argv = [names.get(word[1:-1], word) if word.startswith("{") and word.endswith("}") else word for word in argv]
    code, err = run(argv)
    assert code in (1, 2) and "Traceback" not in err, f"{code}\n{err}"
    assert named in err, err
    assert len(err) < 20_000  # a bad value is echoed cut short


def test_a_huge_bad_value_is_echoed_cut_short(sandbox, tmp_path):
    """A 5 MB system name in submission metadata: the message names it in a few hundred characters."""
    from readouts.errors import InputError
    from readouts.schema import require_valid

    with pytest.raises(InputError) as caught:
        require_valid("submission-metadata", {"system_name": "x" * 5_000_000}, "metadata.json")
    assert "$.system_name" in str(caught.value) and len(str(caught.value)) < 5_000
    huge = tmp_path / "huge-id.jsonl"
    huge.write_text(json.dumps({"document_id": "y" * 5_000_000}) + "\n", encoding="utf-8")
    code, output = run(["evaluate", str(huge), "--release", "v0.1.0"])
    assert code == 2 and "$.document_id" in output and len(output) < 10_000
