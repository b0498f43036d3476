"""How long `readouts validate` takes over 1,000 annotations (target: under 2 s on 2 cores).

Builds a temporary repository with 1,000 invented documents and one annotation each (participants with
mentions, stance with evidence, topics), then times loading + validating them with the text checks on,
as `readouts validate` does. Prints the numbers; asserts nothing."""

import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

N = 1000
REPO = Path(__file__).resolve().parents[1]


def build(root: Path) -> None:
    sys.path.insert(0, str(REPO / "tests"))
    from conftest import make_gold
    from readouts.jsonio import sha256_text, write_json

    shutil.copytree(REPO / "schema", root / "schema")
    shutil.copy(REPO / "annotations" / "actors.json", root / "actors.json")
    (root / "annotations").mkdir()
    shutil.move(root / "actors.json", root / "annotations" / "actors.json")
    lines = []
    for i in range(N):
        text = (f"Invented readout number {i}. President Joe Biden spoke by phone with President Volodymyr Zelenskyy. "
                "Biden pledged more air defence and said sanctions on Russia will stay. Zelenskyy thanked Biden. " * 3)
        doc = {"id": f"bench-en-{i:05d}", "source": "whitehouse.gov", "publisher_type": "government", "url": "", "title": "",
               "date": "2022-01-01", "language": "en", "text": text, "text_sha256": sha256_text(text),
               "license": "public-domain-us-government", "upstream": {"repo": None, "path": None, "commit": None}}
        lines.append(json.dumps(doc))
        write_json(root / "annotations" / "gold" / f"{doc['id']}.json", make_gold(doc))
    (root / "documents.jsonl").write_text("\n".join(lines) + "\n")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        build(root)
        os.environ["READOUTS_ROOT"] = str(root)
        os.environ["READOUTS_CORPUS"] = str(root / "documents.jsonl")
        from readouts.cli import main as cli

        start = time.perf_counter()
        code = cli(["validate"])
        elapsed = time.perf_counter() - start
    print(f"validate over {N:,} annotations with text checks: {elapsed:.2f} s (exit {code}); target < 2 s")


if __name__ == "__main__":
    main()
