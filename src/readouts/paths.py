"""Where things live. The tools work on a checkout of the repository: schemas, taxonomy and gold data are
files in it, and the imported corpus lives in a git-ignored folder (or wherever READOUTS_CORPUS points)."""

import os
from pathlib import Path

from .errors import InputError

CORPUS_ENV = "READOUTS_CORPUS"
ROOT_ENV = "READOUTS_ROOT"
# The dataset's id on the Hugging Face Hub: the one place it is set (dataset card, Croissant, `hub publish`,
# the README's examples).
HUB_REPO_ID = "readouts-benchmark/readouts"
HARNESS_URL = "https://github.com/readouts-benchmark/readouts"  # the code repository the dataset card points at


def _looks_like_root(path: Path) -> bool:
    return (path / "schema" / "annotation.schema.json").is_file()


def repo_root() -> Path:
    """The repository root: $READOUTS_ROOT, else the checkout this package was installed from, else the
    nearest parent of the working directory that holds ``schema/annotation.schema.json``."""
    if os.environ.get(ROOT_ENV):
        root = Path(os.environ[ROOT_ENV]).resolve()
        if not _looks_like_root(root):
            raise InputError(f"{ROOT_ENV}={root} is not a Readouts checkout (no schema/annotation.schema.json)")
        return root
    source_tree = Path(__file__).resolve().parents[2]
    if _looks_like_root(source_tree):
        return source_tree
    for candidate in [Path.cwd(), *Path.cwd().parents]:
        if _looks_like_root(candidate):
            return candidate
    raise InputError("cannot find the Readouts repository: run inside a checkout or set READOUTS_ROOT")


def schema_dir() -> Path:
    return repo_root() / "schema"


def annotations_dir() -> Path:
    return repo_root() / "annotations"


def annotation_set_dir(name: str) -> Path:
    """An annotation set is a folder of one JSON file per document, e.g. ``annotations/gold``."""
    return annotations_dir() / name


def default_corpus_path() -> Path:
    """Where ``readouts corpus import`` stores the corpus and where every other tool reads it."""
    if os.environ.get(CORPUS_ENV):
        return Path(os.environ[CORPUS_ENV])
    return repo_root() / "data" / "corpus" / "documents.jsonl"
