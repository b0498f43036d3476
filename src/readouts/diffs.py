"""Label-level differences between two sets of annotations (two releases, or a release and the working
gold set): which documents were added or removed and, per layer, which labels each document lost or gained."""

from typing import Mapping

from .store import Annotation

LAYERS = ("in_scope", "contacts", "participants", "stance", "topics")


def layer_items(annotation: Annotation) -> dict[str, set[str]]:
    """Each layer as a set of short readable labels, so a diff is a set difference. Mentions and evidence
    are listed by offsets under the participant or stance they belong to."""
    participants = set()
    for p in annotation.participants:
        participants.add(f"{p.actor_id} ({p.participation}, {p.role_type}, {p.affiliation})")
        participants.update(f"{p.actor_id} mention [{m.start},{m.end})" for m in p.mentions)
    stance = set()
    for s in annotation.stance:
        stance.add(f"{s.holder} -> {s.target}: {s.label}")
        stance.update(f"{s.holder} -> {s.target} evidence [{e.start},{e.end})" for e in s.evidence)
    return {
        "in_scope": {str(annotation.in_scope).lower()},
        "contacts": {f"{c.type}: {' + '.join(sorted(c.participants))}" for c in annotation.contacts},
        "participants": participants,
        "stance": stance,
        "topics": set(annotation.topics),
    }


def diff_annotations(old: Mapping[str, Annotation], new: Mapping[str, Annotation]) -> dict:
    """``{"added", "removed", "changed": {doc: {layer: {"removed", "added"}}}, "other_changes"}``;
    ``other_changes`` lists documents whose annotation changed outside the label layers (provenance, notes)."""
    changed: dict[str, dict] = {}
    other: list[str] = []
    for doc_id in sorted(set(old) & set(new)):
        if old[doc_id].sha256() == new[doc_id].sha256():
            continue
        before, after = layer_items(old[doc_id]), layer_items(new[doc_id])
        layers = {layer: {"removed": sorted(before[layer] - after[layer]), "added": sorted(after[layer] - before[layer])}
                  for layer in LAYERS if before[layer] != after[layer]}
        if layers:
            changed[doc_id] = layers
        else:
            other.append(doc_id)
    return {"added": sorted(set(new) - set(old)), "removed": sorted(set(old) - set(new)),
            "changed": changed, "other_changes": other}


def format_diff(diff: dict, old_name: str, new_name: str) -> str:
    """A plain-text report: documents added and removed, then one row per changed label."""
    lines = [f"{old_name} -> {new_name}: {len(diff['added'])} added, {len(diff['removed'])} removed, "
             f"{len(diff['changed'])} relabelled, {len(diff['other_changes'])} changed outside the label layers"]
    for title, ids in (("added", diff["added"]), ("removed", diff["removed"]), ("changed outside the label layers", diff["other_changes"])):
        if ids:
            lines.append(f"\n{title}:")
            lines.extend(f"  {doc_id}" for doc_id in ids)
    rows = [(doc_id, layer, sign, item)
            for doc_id, layers in diff["changed"].items()
            for layer, change in layers.items()
            for sign, items in (("-", change["removed"]), ("+", change["added"]))
            for item in items]
    if rows:
        width_doc = max(len("document"), *(len(r[0]) for r in rows))
        width_layer = max(len("layer"), *(len(r[1]) for r in rows))
        lines.append(f"\n{'document':<{width_doc}}  {'layer':<{width_layer}}    label")
        lines.extend(f"{doc:<{width_doc}}  {layer:<{width_layer}}  {sign} {item}" for doc, layer, sign, item in rows)
    return "\n".join(lines)
