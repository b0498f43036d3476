"""Per-document results for error analysis: for each scored document what gold said, what the system
predicted, and each layer's counts (``readouts evaluate --per-document FILE``), and the side-by-side
view of one of them (``readouts explain``)."""

import json
import textwrap
from pathlib import Path

from ..errors import InputError
from .goldset import BREAKDOWN_FIELDS, GoldSet
from ..jsonio import atomic_write_text, iter_jsonl
from .scoring import DocLabels, document_counts
from .submission import Submission
from ..taxonomy import load_taxonomy


def _labels(labels: DocLabels) -> dict:
    return {"in_scope": labels.in_scope, "topics": sorted(labels.topics),
            "direct_participants": [{"actor_id": actor, "role_type": role, "affiliation": affiliation}
                                    for actor, (role, affiliation) in sorted(labels.direct.items())],
            "mentions": [{"start": start, "end": end, "actor_id": actor} for start, end, actor in sorted(labels.mentions)],
            "stance": [{"holder": holder, "target": target, "label": label} for (holder, target), label in sorted(labels.stance.items())]}


def document_record(doc: str, gold: GoldSet, prediction: dict | None, topic_ids: list[str]) -> dict:
    """One document: metadata, gold and predicted labels, and the counts every metric is computed from."""
    gold_labels = DocLabels.from_annotation(gold.annotations[doc])
    predicted = DocLabels.from_prediction(prediction)
    counts = document_counts(gold_labels, predicted, topic_ids)
    topic_outcome = {kind: [label for label, hit in zip(topic_ids, counts[f"topics.{kind}"]) if hit] for kind in ("tp", "fp", "fn")}
    return {
        "document_id": doc, **{key: gold.metadata[doc][key] for key in BREAKDOWN_FIELDS},
        "predicted": prediction is not None,
        "gold_labels": _labels(gold_labels), "predicted_labels": _labels(predicted),
        "counts": {
            "scope": {"gold": gold_labels.in_scope, "predicted": predicted.in_scope},
            "topics": topic_outcome,
            "participants": {name: int(counts[f"participants.{name}"]) for name in ("tp", "fp", "fn", "role_correct", "affiliation_correct")},
            "spans": {name: int(counts[f"spans.{name}"]) for name in ("gold", "predicted", "strict", "exact", "partial")},
            "stance": {"tp": counts["stance.tp"], "fp": counts["stance.fp"], "fn": counts["stance.fn"],
                       "document_f1": counts["stance.document_f1"] if counts["stance.documents"] else None},
        },
    }


def write_per_document(path: Path, gold: GoldSet, submission: Submission) -> None:
    """Every document of the split as one JSON line, in document id order (written atomically)."""
    topic_ids = load_taxonomy().topic_ids
    lines = [json.dumps(document_record(doc, gold, submission.predictions.get(doc), topic_ids), ensure_ascii=False)
             for doc in gold.document_ids]
    atomic_write_text(path, "".join(line + "\n" for line in lines))


def find_record(path: Path, document_id: str) -> dict:
    for _, record in iter_jsonl(path):
        if not isinstance(record, dict) or "gold_labels" not in record:
            raise InputError(f"{path}: not a per-document results file (write one with `readouts evaluate ... --per-document FILE`)")
        if record["document_id"] == document_id:
            return record
    raise InputError(f"{path}: no document {document_id!r}")


def _side_by_side(title: str, gold: list[str], predicted: list[str], width: int = 44) -> list[str]:
    """Rows of gold | predicted; an item on both sides is marked =, on one side only +/-."""
    lines = [f"{title}", f"  {'gold':<{width}}  predicted"]
    both = [item for item in gold if item in predicted]
    rows = [(f"= {item}", f"= {item}") for item in both]
    rows += [(f"- {item}", "") for item in gold if item not in both]
    rows += [("", f"+ {item}") for item in predicted if item not in both]
    lines += [f"  {left:<{width}}  {right}".rstrip() for left, right in rows] or ["  (none on either side)"]
    return lines


def format_explanation(record: dict, document: dict | None) -> str:
    """One document's gold and prediction side by side; with the corpus ``document``, its text and the
    words under each mention."""
    gold, predicted = record["gold_labels"], record["predicted_labels"]
    text = document["text"] if document else None

    def mention(m: dict) -> str:
        surface = f" {text[m['start']:m['end']]!r}" if text is not None else ""
        return f"[{m['start']}, {m['end']}){surface} {m['actor_id']}"

    def participant(p: dict) -> str:
        return f"{p['actor_id']} ({p['role_type'] or '?'}, {p['affiliation'] or '?'})"

    counts = record["counts"]
    stance_f1 = counts["stance"]["document_f1"]
    lines = [f"{record['document_id']} · {record['language']} · {record['source']}"
             + ("" if record["predicted"] else " · no prediction (scored as empty)"),
             f"in scope: gold {gold['in_scope']}, predicted {predicted['in_scope']}", ""]
    lines += _side_by_side("topics", gold["topics"], predicted["topics"]) + [""]
    lines += _side_by_side(f"direct participants (tp {counts['participants']['tp']}, fp {counts['participants']['fp']}, "
                           f"fn {counts['participants']['fn']})",
                           [participant(p) for p in gold["direct_participants"]],
                           [participant(p) for p in predicted["direct_participants"]]) + [""]
    lines += _side_by_side(f"mentions (strict {counts['spans']['strict']}, exact {counts['spans']['exact']}, "
                           f"partial {counts['spans']['partial']})",
                           [mention(m) for m in gold["mentions"]], [mention(m) for m in predicted["mentions"]]) + [""]
    lines += _side_by_side(f"stance (document triple F1 {'–' if stance_f1 is None else f'{stance_f1:.3f}'})",
                           [f"{s['holder']} -> {s['target']}: {s['label']}" for s in gold["stance"]],
                           [f"{s['holder']} -> {s['target']}: {s['label']}" for s in predicted["stance"]])
    if document:
        lines += ["", f"text ({document.get('title', '')}):", *textwrap.wrap(document["text"], 100)]
    else:
        lines += ["", "(text not shown: the document is not in the corpus; import it or pass --corpus)"]
    return "\n".join(lines)
