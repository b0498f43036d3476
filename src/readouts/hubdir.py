"""Scoring from a downloaded Hub folder instead of a checkout. A folder made by ``readouts hub build``
carries the harness's contract in the repository's layout (``schema/``, ``annotations/actors.json``,
``annotations/releases/v<version>.json`` and its annotations), so pointing the root at it is all the
harness needs; this module checks the folder and does that."""

import os
from pathlib import Path

from .errors import InputError
from .jsonio import read_json
from .paths import ROOT_ENV

REQUIRED = ("schema/annotation.schema.json", "schema/prediction.schema.json", "schema/taxonomy.json", "annotations/actors.json")


def use_hub_folder(folder: Path) -> str:
    """Make ``folder`` the root every loader reads from (for this process and the systems it runs);
    returns the folder's release version."""
    folder = Path(folder).resolve()
    manifest = folder / "manifest.json"
    if not manifest.is_file():
        raise InputError(f"--hub-dir {folder}: no manifest.json: not a Readouts Hub folder (download it with "
                         "`hf download REPO --repo-type dataset --local-dir DIR`)")
    data = read_json(manifest)
    version = data.get("version") if isinstance(data, dict) else None
    if not isinstance(version, str):
        raise InputError(f"{manifest}: $.version: expected the release version as a string")
    for needed in (*REQUIRED, f"annotations/releases/v{version}.json", f"annotations/releases/v{version}.annotations.jsonl"):
        if not (folder / needed).is_file():
            raise InputError(f"--hub-dir {folder}: no {needed}: the folder is incomplete or was built by an older "
                             "version of the tools; download it again")
    os.environ[ROOT_ENV] = str(folder)
    return version
