"""How long does a hostile submission line take to be refused? Lines of growing size whose lists hold
objects (the case where jsonschema's own uniqueItems compares items pairwise, in quadratic time) are
read by `read_submission` against a one-document gold set.

Run from the repository root:  python benchmarks/bench_large_lines.py
Prints numbers; asserts nothing (target: time linear in the line's size, a 1 MB line refused within a second; in
issue 17 a 269 KB line took 390 s)."""

import json
import tempfile
import time
from pathlib import Path

from readouts.errors import InputError
from readouts.evaluation.goldset import GoldSet
from readouts.store import Annotation
from readouts.evaluation.submission import read_submission

DOCUMENT = "synthetic-en-00000"


def one_document_gold() -> GoldSet:
    annotation = Annotation(document_id=DOCUMENT, text_sha256="0" * 64, schema_version="1.0.0", guideline_version="1.0", in_scope=False)
    metadata = {"language": "en", "source": "alpha.example", "publisher_type": "government", "text_length": 1000}
    return GoldSet(release="bench", split="test", setting="standard", annotations={DOCUMENT: annotation},
                   metadata={DOCUMENT: metadata}, release_ids=frozenset([DOCUMENT]))


def hostile_line(items: int) -> str:
    """A prediction whose topics are ``items`` distinct objects and whose participants list is as long."""
    participant = {"actor_id": "joe-biden", "participation": "direct", "mentions": [{"start": 0, "end": 1}]}
    return json.dumps({"document_id": DOCUMENT, "topics": [{"n": i} for i in range(items)], "participants": [participant] * items}) + "\n"


def main() -> None:
    gold = one_document_gold()
    print(f"{'items':>8} {'line KB':>8} {'seconds':>8}  first problem")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "hostile.jsonl"
        for items in (1_000, 10_000, 50_000, 200_000):
            path.write_text(hostile_line(items), encoding="utf-8")
            start = time.perf_counter()
            try:
                read_submission(path, gold, warn=lambda message: None)
                first = "accepted (unexpected)"
            except InputError as exc:
                first = str(exc).splitlines()[-1].strip()[-60:]
            print(f"{items:>8,} {path.stat().st_size / 1000:>8,.0f} {time.perf_counter() - start:>8.2f}  {first}")


if __name__ == "__main__":
    main()
