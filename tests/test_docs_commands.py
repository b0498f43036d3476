"""The shell commands of README.md and docs/*.md run as written: every ```bash block is split into
commands, and each `readouts` command that needs neither the network nor Label Studio is run, in order,
in a scratch folder, against a copy of the repository's data (so commands that write, write there).
Skipped commands are listed with their reason in SKIPPED; a command no rule covers must succeed."""

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO, SHARED_CORPUS

DOCUMENTS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
SKIPPED = {  # command prefix -> why it is not run here
    "readouts ls ": "needs a Label Studio server (tests/test_labelstudio_server.py runs a real one)",
    "readouts hub publish": "uploads to the Hugging Face Hub (network)",
    "readouts baseline ": "trains baseline models for minutes (tests/test_baselines.py trains small ones)",
    "readouts release create": "writes a new release and needs its changelog entry (tests/test_releases.py)",
    "readouts annotate ": "needs an annotator's drafts (tests/test_drafts.py)",
    "readouts corpus fetch": "downloads from the public repositories (network; tests/test_upstream.py runs it against a local server)",
    "readouts corpus rebuild": "needs the fetched upstream files (tests/test_upstream.py rebuilds from ../shared/upstream)",
}
NEEDS = {  # a word in the command -> why it is not run here
    "--hub-dir": "needs a downloaded Hub folder (tests/test_hub.py builds one and scores against it)",
    "base_url=": "needs a served language model (tests/test_chat_system.py runs a local OpenAI-style server)",
}
PLACEHOLDER = re.compile(r"<[^>]+>|/path/to/")

# What the examples assume is in the working folder: predictions files (the committed board's) and the
# system of docs/evaluation.md, usable both as --model my_system:MySystem and as --command.
MY_SYSTEM = '''
import json, sys

class MySystem:
    def __init__(self, threshold=0.5):
        self.threshold = threshold

    def predict(self, documents):
        return [{"document_id": d["id"], "in_scope": "call" in d["text"]} for d in documents]

if __name__ == "__main__":
    documents = [json.loads(line) for line in sys.stdin]
    for prediction in MySystem().predict(documents):
        print(json.dumps(prediction))
'''
INPUTS = {"predictions.jsonl": "gazetteer-standard", "a.jsonl": "gazetteer-standard", "system-a.jsonl": "gazetteer-standard",
          "b.jsonl": "majority-standard", "system-b.jsonl": "majority-standard"}


def shell_commands(markdown: str) -> list[str]:
    """The commands of the ```bash blocks: continuation lines joined, comments dropped, ``&&`` chains split."""
    commands = []
    for block in re.findall(r"^```(?:bash|sh|shell)\n(.*?)^```", markdown, flags=re.S | re.M):
        for line in block.replace("\\\n", " ").splitlines():
            line = line.split(" #")[0].strip() if not line.lstrip().startswith("#") else ""
            commands += [part.strip() for part in line.split("&&") if part.strip()]
    return commands


def runnable(command: str, unavailable: set[str] = frozenset()) -> tuple[bool, str]:
    """Whether to run ``command``, or why not; ``unavailable`` are files that skipped commands would write."""
    words = command.split()
    if not words or words[0].rsplit("/", 1)[-1] != "readouts":
        return False, "not a readouts command (installation, git, shell or a benchmark)"
    normalised = "readouts " + command.split(None, 1)[1]
    for prefix, reason in SKIPPED.items():
        if normalised.startswith(prefix):
            return False, reason
    for needed, reason in NEEDS.items():
        if needed in command:
            return False, reason
    if PLACEHOLDER.search(command):
        return False, "has a placeholder to fill in"
    if unavailable & set(words):
        return False, "reads what a skipped command writes"
    return True, ""


def outputs(command: str) -> set[str]:
    """Files a command writes with --out."""
    words = command.split()
    return {words[i + 1] for i, word in enumerate(words[:-1]) if word == "--out"}


def test_the_docs_have_commands_to_run():
    runs = [c for doc in DOCUMENTS for c in shell_commands(doc.read_text(encoding="utf-8")) if runnable(c)[0]]
    assert len(runs) >= 10


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    if not SHARED_CORPUS.is_file():
        pytest.skip(f"the --model and --command examples need the corpus at {SHARED_CORPUS}")
    root = tmp_path_factory.mktemp("docs-commands")
    checkout = root / "repo"
    for name in ("schema", "annotations", "eval", "baselines", "sources"):
        shutil.copytree(REPO / name, checkout / name)
    shutil.copytree(REPO / "docs", checkout / "docs")
    for name in ("CHANGELOG.md", "DATASHEET.md"):
        shutil.copy(REPO / name, checkout / name)
    work = root / "work"
    work.mkdir()
    for name, submission in INPUTS.items():
        shutil.copy(REPO / "eval" / "submissions" / submission / "predictions.jsonl", work / name)
    (work / "my_system.py").write_text(MY_SYSTEM, encoding="utf-8")
    bin_dir = str(Path(sys.executable).parent)
    env = dict(os.environ, READOUTS_ROOT=str(checkout), READOUTS_CORPUS=str(SHARED_CORPUS),
               PATH=bin_dir + os.pathsep + os.environ.get("PATH", ""))
    return work, env


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda path: path.name)
def test_commands_of_a_document_run(document, workspace):
    work, env = workspace
    failures, unavailable = [], set()
    for command in shell_commands(document.read_text(encoding="utf-8")):
        if not runnable(command, unavailable)[0]:
            unavailable |= outputs(command)
            continue
        argv = shlex.split(command)
        argv[0] = "readouts"  # `.venv/bin/readouts` in the README: the one installed with this checkout
        done = subprocess.run(argv, cwd=work, env=env, capture_output=True, text=True, timeout=600)
        if done.returncode != 0:
            failures.append(f"{command}\n  exit {done.returncode}: {done.stderr.strip()[-600:]}")
    assert not failures, f"{document.name}: commands that fail as documented:\n" + "\n".join(failures)
