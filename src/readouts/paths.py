"""Where things live. The tools work on a checkout of the repository: schemas, taxonomy and gold data are
files in it, and the imported corpus lives in a git-ignored folder (or wherever READOUTS_CORPUS points)."""

import os
from functools import lru_cache
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
    env_root = os.environ.get(ROOT_ENV, "")
    return _repo_root(env_root, "" if env_root else _working_directory())


def _working_directory() -> str:
    try:
        return os.getcwd()
    except FileNotFoundError:  # deleted under us: only $READOUTS_ROOT or the source tree can tell
        return ""


@lru_cache(maxsize=8)
def _repo_root(env_root: str, cwd: str) -> Path:
    """Resolved once per setting: resolving the path was a tenth of the time of pulling 1,000 documents."""
    if env_root:
        root = Path(env_root).resolve()
        if not _looks_like_root(root):
            raise InputError(f"{ROOT_ENV}={root} is not a Readouts checkout (no schema/annotation.schema.json)")
        return root
    source_tree = Path(__file__).resolve().parents[2]
    if _looks_like_root(source_tree):
        return source_tree
    for candidate in [Path(cwd), *Path(cwd).parents] if cwd else []:
        if _looks_like_root(candidate):
            return candidate
    raise InputError("cannot find the Readouts repository: run inside a checkout or set READOUTS_ROOT")


def schema_dir() -> Path:
    return repo_root() / "schema"


def annotations_dir() -> Path:
    return repo_root() / "annotations"


# Folders under annotations/ that hold other data than annotation sets.
NOT_ANNOTATION_SETS = ("releases", "selection", "reviews")  # reviews: sweep and audit records


def annotation_set_name(name: str) -> str:
    """The canonical name of an annotation set: its folder path relative to ``annotations/``, so that
    ``./gold`` and ``gold/`` are ``gold``. Absolute paths, paths leaving ``annotations/`` (also through a
    symbolic link), hidden folders and the folders of other data are refused."""
    shown = repr(name[:80]) + ("..." if len(name) > 80 else "")
    normal = os.path.normpath(name.strip()) if name.strip() else "."
    parts = Path(normal).parts
    if os.path.isabs(name) or normal == "." or ".." in parts or not name.isprintable() or len(name) > 200:
        raise InputError(f"annotation set {shown}: give a folder inside annotations/, e.g. gold or agreement/round3/pass1")
    if parts[0] in NOT_ANNOTATION_SETS or any(part.startswith(".") for part in parts):
        raise InputError(f"annotation set {shown}: annotations/{parts[0]} is not an annotation set")
    root = annotations_dir().resolve()
    try:
        inside = (root / normal).resolve().is_relative_to(root)
    except (OSError, RuntimeError) as exc:  # a name too long, a loop of symbolic links
        raise InputError(f"annotation set {shown}: {exc}") from None
    if not inside:
        raise InputError(f"annotation set {shown}: annotations/{normal} leads outside annotations/")
    return Path(normal).as_posix()


def annotation_set_dir(name: str) -> Path:
    """An annotation set is a folder of one JSON file per document, e.g. ``annotations/gold``."""
    return annotations_dir() / annotation_set_name(name)


def default_corpus_path() -> Path:
    """Where ``readouts corpus import`` stores the corpus and where every other tool reads it."""
    if os.environ.get(CORPUS_ENV):
        return Path(os.environ[CORPUS_ENV])
    return repo_root() / "data" / "corpus" / "documents.jsonl"
