"""Label Studio conversion, pure functions: the labeling config generated from the taxonomy and the actor
registry, and a lossless mapping between our annotation and a Label Studio task plus result list (both count
text offsets in Unicode code points).

What an annotator edits travels in the result; everything without a widget (provenance, adjudication,
schema and guideline versions, canonical names, the order of items) travels in ``task.data["readouts"]``
and is restored on pull. Label Studio accepts any result without checking it against the config, so
:func:`result_to_annotation` rejects unknown controls, labels and choices with a message naming the task.
"""

import hashlib
import re
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from datetime import datetime, timezone
from typing import Callable, Iterable

from ..actors import Actor
from ..drafts import GUIDELINE_VERSION
from ..errors import InputError
from ..jsonio import canonical_json, sha256_text
from ..schema import schema_version
from ..taxonomy import Taxonomy

TEXT = "text"  # the object tag
META = "readouts"  # task data key of the hidden metadata
# Span controls (Labels over the text) and their label values.
MENTION, EVIDENCE = "mention", "evidence"
PARTICIPATION_HOTKEYS = {"direct": "d", "mentioned": "m"}
EVIDENCE_LABEL, EVIDENCE_HOTKEY = "evidence", "e"
# Per-region controls: on mention spans, then on evidence spans.
ACTOR, ROLE, AFFILIATION, OFFICE = "actor", "role_type", "affiliation", "office"
HOLDER, TARGET, STANCE = "stance_holder", "stance_target", "stance_label"
STANCE_HOTKEYS = {"favor": "f", "against": "a", "neutral": "n"}
# Document-level controls.
SCOPE, CONTACT_TYPES, CONTACT_LINES, TOPICS = "in_scope", "contact_types", "contact_participants", "topics"
UNMENTIONED, UNEVIDENCED, NOTES = "participants_without_mentions", "stance_without_evidence", "notes"
SCOPE_VALUES = {"in_scope": True, "out_of_scope": False}
SCOPE_HOTKEYS = {"in_scope": "i", "out_of_scope": "o"}
LINE_SEPARATOR = "|"
LAYERS = ("in_scope", "contacts", "participants", "stance", "topics", "notes")
# Review projects add one document-level decision.
REVIEW, REVIEW_VALUES = "review_decision", ("accepted", "corrected")
# Kinds of project: gold (pre-annotated with the current gold, pulled into gold), blind (no existing labels
# shown, pulled into per-annotator sets), review (a reviewer accepts or corrects each gold annotation).
GOLD_MODE, BLIND_MODE, REVIEW_MODE = "gold", "blind", "review"


# --- Offsets -------------------------------------------------------------------------------------

def check_offset(offset, text: str) -> int:
    """``offset`` if it is a valid position in ``text``. Label Studio's labeling frontend counts offsets in
    Unicode code points, as Python does (seen in a real browser with Label Studio 1.23: a span drawn after
    an emoji comes back in code points, and pre-annotations given in UTF-16 units are shown shifted), so no
    conversion is needed; only the range is checked."""
    if isinstance(offset, bool) or not isinstance(offset, int) or not 0 <= offset <= len(text):
        raise ValueError(f"offset {offset!r} is outside the text ({len(text)} characters)")
    return offset


# --- Labeling config -----------------------------------------------------------------------------

def _actor_hint(actor: Actor) -> str:
    return f"{actor.names.get('en', actor.id)} ({actor.country})"


def _choices(parent, name: str, values: Iterable[tuple[str, dict]], **attrs) -> ET.Element:
    element = ET.SubElement(parent, "Choices", name=name, toName=TEXT, **attrs)
    for value, extra in values:
        ET.SubElement(element, "Choice", value=value, **extra)
    return element


def _textarea(parent, name: str, placeholder: str, **attrs) -> ET.Element:
    return ET.SubElement(parent, "TextArea", name=name, toName=TEXT, placeholder=placeholder, editable="true", **attrs)


def label_config(taxonomy: Taxonomy, registry: dict[str, Actor], review: bool = False) -> str:
    """The Label Studio labeling config XML, generated from the taxonomy and the actor registry; with
    ``review``, a required accepted/corrected decision comes first."""
    root = ET.Element("View")
    ET.SubElement(root, "Header", value="$title")
    if review:
        ET.SubElement(root, "Header", size="5", value="Review: choose accepted when the annotation is right as shown, "
                                                       "or correct it and choose corrected")
        _choices(root, REVIEW, [(value, {}) for value in REVIEW_VALUES], choice="single-radio", showInline="true", required="true")
    ET.SubElement(root, "Header", size="6", value="Press d (direct) or m (mentioned), then select a name; press e, "
                                                   "then select a stance clause. Then fill the panel below.")
    labels = ET.SubElement(root, "Labels", name=MENTION, toName=TEXT)
    for value, hotkey in PARTICIPATION_HOTKEYS.items():
        ET.SubElement(labels, "Label", value=value, hotkey=hotkey, background="#2b6cb0" if value == "direct" else "#90cdf4")
    evidence = ET.SubElement(root, "Labels", name=EVIDENCE, toName=TEXT)
    ET.SubElement(evidence, "Label", value=EVIDENCE_LABEL, hotkey=EVIDENCE_HOTKEY, background="#dd6b20")
    ET.SubElement(root, "Text", name=TEXT, value="$text", granularity="symbol")

    actors = [(actor_id, {"hint": _actor_hint(registry[actor_id])}) for actor_id in sorted(registry)]
    per_region = {"perRegion": "true"}
    # whenTagName names the Labels control whose regions open the panel (naming the Text object hides it:
    # seen in Label Studio 1.23 in a real browser).
    mention_panel = ET.SubElement(root, "View", visibleWhen="region-selected", whenTagName=MENTION,
                                  whenLabelValue=",".join(PARTICIPATION_HOTKEYS))
    ET.SubElement(mention_panel, "Header", size="5", value="Participant: actor of this mention (attributes once per actor)")
    _choices(mention_panel, ACTOR, actors, layout="select", **per_region)
    _choices(mention_panel, ROLE, [(label.id, {"hint": label.labels["en"]}) for label in taxonomy.role_types],
             layout="select", **per_region)
    _textarea(mention_panel, AFFILIATION, "affiliation: ISO 3166-1 alpha-3 or organisation code (default: the actor's country)",
              maxSubmissions="1", **per_region)
    _textarea(mention_panel, OFFICE, "office as the document states it", maxSubmissions="1", **per_region)

    stance_panel = ET.SubElement(root, "View", visibleWhen="region-selected", whenTagName=EVIDENCE, whenLabelValue=EVIDENCE_LABEL)
    ET.SubElement(stance_panel, "Header", size="5", value="Stance shown by this evidence span")
    _choices(stance_panel, HOLDER, actors, layout="select", **per_region)
    _choices(stance_panel, TARGET, [(label.id, {"hint": label.labels["en"]}) for label in taxonomy.stance_targets],
             layout="select", **per_region)
    _choices(stance_panel, STANCE, [(label.id, {"hotkey": STANCE_HOTKEYS[label.id]}) for label in taxonomy.stance_labels],
             showInline="true", **per_region)

    ET.SubElement(root, "Header", size="5", value="Document")
    _choices(root, SCOPE, [(value, {"hotkey": hotkey}) for value, hotkey in SCOPE_HOTKEYS.items()],
             choice="single-radio", showInline="true", required="true")
    _choices(root, CONTACT_TYPES, [(label.id, {"hotkey": str(index + 1), "hint": label.labels["en"]})
                                   for index, label in enumerate(taxonomy.contact_types)],
             choice="multiple", showInline="true")
    _textarea(root, CONTACT_LINES, "only when a contact's parties are not all direct participants, one line per contact: "
                                   "type | actor-id, actor-id", rows="2")
    _choices(root, TOPICS, [(label.id, {"hint": f"{label.labels['en']}: {label.definition}"}) for label in taxonomy.topics],
             choice="multiple", showInline="true")
    _textarea(root, UNMENTIONED, "participants never named in the text, one per line: "
                                 "actor-id | direct or mentioned | role type | affiliation | office", rows="2")
    _textarea(root, UNEVIDENCED, "stance without an evidence span, one per line: holder | target | favor, against or neutral", rows="2")
    _textarea(root, NOTES, "note on a hard case (do not quote the text)", rows="2")
    ET.indent(root)
    return ET.tostring(root, encoding="unicode") + "\n"


# --- Annotation -> Label Studio ------------------------------------------------------------------

class _RegionIds:
    """Deterministic region ids: a hash of what the region is, with a counter for exact repeats."""

    def __init__(self):
        self.seen: Counter = Counter()

    def __call__(self, *parts) -> str:
        key = "|".join(map(str, parts))
        self.seen[key] += 1
        suffix = f"#{self.seen[key]}" if self.seen[key] > 1 else ""
        return hashlib.sha256((key + suffix).encode("utf-8")).hexdigest()[:10]


def _item(from_name: str, kind: str, value: dict, region_id: str | None = None) -> dict:
    return {"id": region_id or from_name, "from_name": from_name, "to_name": TEXT, "type": kind, "value": value}


def _lines(rows: list[list[str]]) -> str:
    return "\n".join(f" {LINE_SEPARATOR} ".join(row) for row in rows)


def default_contact_participants(participants: list[dict]) -> list[str]:
    """A contact whose parties are exactly the direct participants (in order) needs no extra line."""
    return [p["actor_id"] for p in participants if p["participation"] == "direct"]


def annotation_to_result(annotation: dict, text: str) -> list[dict]:
    """The Label Studio result list (regions and choices) for ``annotation`` over ``text``."""
    region_id, result = _RegionIds(), []

    def span(start: int, end: int) -> dict:
        return {"start": check_offset(start, text), "end": check_offset(end, text)}

    unmentioned = []
    for participant in annotation["participants"]:
        if not participant["mentions"]:
            unmentioned.append([participant["actor_id"], participant["participation"], participant["role_type"],
                                participant["affiliation"], participant["office"]])
        for index, mention in enumerate(participant["mentions"]):
            rid = region_id(MENTION, participant["actor_id"], mention["start"], mention["end"])
            where = span(mention["start"], mention["end"])
            result.append(_item(MENTION, "labels", {**where, "text": text[mention["start"]:mention["end"]],
                                                    "labels": [participant["participation"]]}, rid))
            result.append(_item(ACTOR, "choices", {**where, "choices": [participant["actor_id"]]}, rid))
            if index == 0:  # participant attributes live on the first mention
                result.append(_item(ROLE, "choices", {**where, "choices": [participant["role_type"]]}, rid))
                result.append(_item(AFFILIATION, "textarea", {**where, "text": [participant["affiliation"]]}, rid))
                if participant["office"]:
                    result.append(_item(OFFICE, "textarea", {**where, "text": [participant["office"]]}, rid))
    unevidenced = []
    for stance in annotation["stance"]:
        if not stance["evidence"]:
            unevidenced.append([stance["holder"], stance["target"], stance["label"]])
        for evidence in stance["evidence"]:
            rid = region_id(EVIDENCE, stance["holder"], stance["target"], stance["label"], evidence["start"], evidence["end"])
            where = span(evidence["start"], evidence["end"])
            result.append(_item(EVIDENCE, "labels", {**where, "text": text[evidence["start"]:evidence["end"]],
                                                     "labels": [EVIDENCE_LABEL]}, rid))
            for name, value in ((HOLDER, stance["holder"]), (TARGET, stance["target"]), (STANCE, stance["label"])):
                result.append(_item(name, "choices", {**where, "choices": [value]}, rid))

    scope = next(value for value, flag in SCOPE_VALUES.items() if flag == annotation["in_scope"])
    result.append(_item(SCOPE, "choices", {"choices": [scope]}))
    contacts = annotation["contacts"]
    if contacts:
        result.append(_item(CONTACT_TYPES, "choices", {"choices": list(dict.fromkeys(c["type"] for c in contacts))}))
    type_counts = Counter(c["type"] for c in contacts)
    default = default_contact_participants(annotation["participants"])
    contact_lines = [[c["type"], ", ".join(c["participants"])] for c in contacts
                     if type_counts[c["type"]] > 1 or c["participants"] != default]
    if contact_lines:
        result.append(_item(CONTACT_LINES, "textarea", {"text": [_lines(contact_lines)]}))
    if annotation["topics"]:
        result.append(_item(TOPICS, "choices", {"choices": list(annotation["topics"])}))
    if unmentioned:
        result.append(_item(UNMENTIONED, "textarea", {"text": [_lines(unmentioned)]}))
    if unevidenced:
        result.append(_item(UNEVIDENCED, "textarea", {"text": [_lines(unevidenced)]}))
    if annotation.get("notes"):
        result.append(_item(NOTES, "textarea", {"text": [annotation["notes"]]}))
    return result


# --- Label Studio -> annotation ------------------------------------------------------------------

class Vocabulary:
    """The values each control accepts: the same sources the config is generated from."""

    def __init__(self, taxonomy: Taxonomy, registry: dict[str, Actor]):
        self.registry = registry
        actors = set(registry)
        self.choices = {
            ACTOR: actors, HOLDER: actors, ROLE: set(taxonomy.ids("role_types")),
            TARGET: set(taxonomy.target_ids), STANCE: set(taxonomy.ids("stance_labels")),
            SCOPE: set(SCOPE_VALUES), CONTACT_TYPES: set(taxonomy.ids("contact_types")), TOPICS: set(taxonomy.topic_ids),
            REVIEW: set(REVIEW_VALUES),
        }
        self.labels = {MENTION: set(PARTICIPATION_HOTKEYS), EVIDENCE: {EVIDENCE_LABEL}}
        self.textareas = {AFFILIATION, OFFICE, CONTACT_LINES, UNMENTIONED, UNEVIDENCED, NOTES}
        self.per_region = {ACTOR, ROLE, AFFILIATION, OFFICE, HOLDER, TARGET, STANCE}

    def kind(self, from_name: str) -> str | None:
        if from_name in self.labels:
            return "labels"
        if from_name in self.choices:
            return "choices"
        if from_name in self.textareas:
            return "textarea"
        return None


def _restore_order(items: list, original: list, key: Callable, tiebreak: Callable = lambda item: 0,
                   loose_key: Callable | None = None) -> list:
    """Items that were pushed keep their original order; new ones follow (by ``tiebreak``). An item whose
    exact ``key`` is not in ``original`` takes the place of an unmatched original item with the same
    ``loose_key`` (a stance whose label changed stays where it was)."""
    positions: dict = defaultdict(list)
    for index, item in enumerate(original):
        positions[key(item)].append(index)
    places: dict = {}
    unmatched = []
    for number, item in enumerate(items):  # repeated keys take the original positions in turn
        free = positions.get(key(item))
        if free:
            places[number] = free.pop(0)
        else:
            unmatched.append(number)
    if loose_key is not None:
        loose: dict = defaultdict(list)
        for index in sorted(index for free in positions.values() for index in free):
            loose[loose_key(original[index])].append(index)
        for number in list(unmatched):
            free = loose.get(loose_key(items[number]))
            if free:
                places[number] = free.pop(0)
                unmatched.remove(number)
    ranked = [(places.get(number, len(original)), tiebreak(item), item) for number, item in enumerate(items)]
    return [item for *_, item in sorted(ranked, key=lambda entry: entry[:2])]


class _Reader:
    """Parses one task's result list, raising InputError that names the task and the offending item."""

    def __init__(self, result: list, text: str, vocabulary: Vocabulary, where: str):
        self.text, self.vocabulary, self.where = text, vocabulary, where
        self.regions: dict[str, dict] = {}  # id -> {"control", "label", "start", "end", attributes...}
        self.document: dict[str, list] = {}
        attributes = []
        for index, item in enumerate(result):
            if not isinstance(item, dict) or not isinstance(item.get("value"), dict):
                self.fail(index, "not a Label Studio result item")
            name = item.get("from_name")
            kind = vocabulary.kind(name)
            if kind is None:
                self.fail(index, f"unknown control {name!r} (not in the generated config; run `readouts ls config`)")
            if item.get("type") != kind:
                self.fail(index, f"control {name!r} gives {kind!r} results, not {item.get('type')!r}")
            if name in vocabulary.labels:
                self._region(index, item)
            elif name in vocabulary.per_region:
                attributes.append((index, item))
            else:
                self.document[name] = self._values(index, item)
        for index, item in attributes:
            region = self.regions.get(item.get("id"))
            if region is None:
                self.fail(index, f"{item['from_name']!r} refers to region {item.get('id')!r}, which is not a labeled span")
            if item["from_name"] in region:
                self.fail(index, f"region {item['id']!r} has two {item['from_name']!r} results")
            values = self._values(index, item)
            region[item["from_name"]] = values[0] if len(values) == 1 else "\n".join(values)
            if item["type"] == "choices" and len(values) != 1:
                self.fail(index, f"{item['from_name']!r} needs exactly one choice, got {values}")

    def fail(self, index: int, message: str):
        raise InputError(f"{self.where}: result[{index}]: {message}")

    def _values(self, index: int, item: dict) -> list[str]:
        name, value = item["from_name"], item["value"]
        key = {"choices": "choices", "textarea": "text"}[item["type"]]
        values = value.get(key)
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            self.fail(index, f"{name!r}: value.{key} must be a list of strings")
        if item["type"] == "choices":
            unknown = [v for v in values if v not in self.vocabulary.choices[name]]
            if unknown:
                self.fail(index, f"{name!r}: unknown choice(s) {unknown}")
        return values

    def _region(self, index: int, item: dict) -> None:
        name, value = item["from_name"], item["value"]
        labels = value.get("labels")
        if not isinstance(labels, list) or len(labels) != 1 or labels[0] not in self.vocabulary.labels[name]:
            self.fail(index, f"{name!r} span needs exactly one of {sorted(self.vocabulary.labels[name])}, got {labels!r}")
        if item.get("id") in self.regions:
            self.fail(index, f"duplicate region id {item.get('id')!r}")
        try:
            start, end = check_offset(value.get("start"), self.text), check_offset(value.get("end"), self.text)
        except (ValueError, TypeError) as exc:
            self.fail(index, str(exc))
        if end <= start:
            self.fail(index, f"empty or reversed span [{start}, {end})")
        self.regions[item["id"]] = {"control": name, "label": labels[0], "start": start, "end": end, "index": index}

    def lines(self, name: str, fields: int) -> list[list[str]]:
        rows = []
        for line in "\n".join(self.document.get(name, [])).splitlines():
            if not line.strip():
                continue
            row = [part.strip() for part in line.split(LINE_SEPARATOR, fields - 1)]
            if len(row) != fields:
                raise InputError(f"{self.where}: {name!r}: line {line!r} needs {fields} fields separated by '{LINE_SEPARATOR}'")
            rows.append(row)
        return rows

    def require(self, name: str, value: str, where: str) -> str:
        if value not in self.vocabulary.choices[name]:
            raise InputError(f"{self.where}: {where}: unknown {name.replace('_', ' ')} {value!r}")
        return value


def _participants(reader: _Reader, base: dict) -> list[dict]:
    registry = reader.vocabulary.registry
    names = {p["actor_id"]: p["name"] for p in base.get("participants", [])}
    groups: dict[str, list[dict]] = defaultdict(list)
    for region in reader.regions.values():
        if region["control"] == MENTION:
            if ACTOR not in region:
                span = reader.text[region["start"]:region["end"]]
                reader.fail(region["index"], f"mention {span!r} at [{region['start']}, {region['end']}) has no actor")
            groups[region[ACTOR]].append(region)
    participants = []
    for actor_id, regions in groups.items():
        actor = registry[actor_id]
        attributes = {}
        for field, default in (("participation", None), (ROLE, _default_role(actor)), (AFFILIATION, actor.country), (OFFICE, "")):
            key = "label" if field == "participation" else field
            values = list(dict.fromkeys(r[key] for r in regions if key in r))
            if len(values) > 1:
                raise InputError(f"{reader.where}: actor {actor_id!r} has conflicting {field} values on its mentions: {values}")
            attributes[field] = values[0].strip() if values and field == AFFILIATION else (values[0] if values else default)
        participants.append({
            "actor_id": actor_id, "name": names.get(actor_id) or actor.names.get("en", actor_id),
            "office": attributes[OFFICE], "role_type": attributes[ROLE], "affiliation": attributes[AFFILIATION],
            "participation": attributes["participation"],
            "mentions": [{"start": r["start"], "end": r["end"], "text": reader.text[r["start"]:r["end"]]} for r in regions],
        })
    for actor_id, participation, role, affiliation, office in reader.lines(UNMENTIONED, 5):
        where = f"{UNMENTIONED} line for {actor_id!r}"
        reader.require(ACTOR, actor_id, where)
        reader.require(ROLE, role, where)
        if participation not in PARTICIPATION_HOTKEYS:
            raise InputError(f"{reader.where}: {where}: participation must be direct or mentioned, not {participation!r}")
        if actor_id in groups:
            raise InputError(f"{reader.where}: {where}: the actor also has mention spans; remove the line")
        participants.append({"actor_id": actor_id, "name": names.get(actor_id) or registry[actor_id].names.get("en", actor_id),
                             "office": office, "role_type": role, "affiliation": affiliation,
                             "participation": participation, "mentions": []})
    originals = {p["actor_id"]: p["mentions"] for p in base.get("participants", [])}
    for participant in participants:
        participant["mentions"] = _restore_order(participant["mentions"], originals.get(participant["actor_id"], []),
                                                 key=lambda m: (m["start"], m["end"]), tiebreak=lambda m: m["start"])
    return _restore_order(participants, base.get("participants", []), key=lambda p: p["actor_id"])


def _default_role(actor: Actor) -> str:
    return actor.offices[0]["role_type"] if actor.offices else "other"


def _stance(reader: _Reader, base: dict) -> list[dict]:
    stances: dict[tuple, list[dict]] = {}
    for region in reader.regions.values():
        if region["control"] == EVIDENCE:
            missing = [name for name in (HOLDER, TARGET, STANCE) if name not in region]
            if missing:
                reader.fail(region["index"], f"evidence span at [{region['start']}, {region['end']}) lacks {', '.join(missing)}")
            stances.setdefault((region[HOLDER], region[TARGET], region[STANCE]), []).append(
                {"start": region["start"], "end": region["end"]})
    for holder, target, label in reader.lines(UNEVIDENCED, 3):
        where = f"{UNEVIDENCED} line {holder} | {target} | {label}"
        key = (reader.require(HOLDER, holder, where), reader.require(TARGET, target, where), reader.require(STANCE, label, where))
        if key in stances:
            raise InputError(f"{reader.where}: {where}: the same stance also has evidence spans; remove the line")
        stances[key] = []
    originals = {(s["holder"], s["target"], s["label"]): s["evidence"] for s in base.get("stance", [])}
    items = [{"holder": h, "target": t, "label": l,
              "evidence": _restore_order(evidence, originals.get((h, t, l), []), key=lambda e: (e["start"], e["end"]),
                                         tiebreak=lambda e: e["start"])}
             for (h, t, l), evidence in stances.items()]
    return _restore_order(items, base.get("stance", []), key=lambda s: (s["holder"], s["target"], s["label"]),
                          loose_key=lambda s: (s["holder"], s["target"]))


def _contacts(reader: _Reader, base: dict, participants: list[dict]) -> list[dict]:
    lines: dict[str, list[list[str]]] = defaultdict(list)
    for contact_type, parties in reader.lines(CONTACT_LINES, 2):
        reader.require(CONTACT_TYPES, contact_type, f"{CONTACT_LINES} line for {contact_type!r}")
        lines[contact_type].append([p.strip() for p in parties.split(",") if p.strip()])
    default = default_contact_participants(participants)
    contacts = []
    for contact_type in dict.fromkeys(reader.document.get(CONTACT_TYPES, []) + list(lines)):
        for parties in lines.get(contact_type) or [default]:
            contacts.append({"type": contact_type, "participants": list(parties)})
    return _restore_order(contacts, base.get("contacts", []), key=canonical_json)


def result_to_annotation(result: list, text: str, base: dict, vocabulary: Vocabulary, where: str) -> dict:
    """Our annotation from a Label Studio result over ``text``. ``base`` is the local annotation (else the one
    stored in the task at push time, else a new skeleton): fields without a widget and the order of items
    come from it."""
    reader = _Reader(result, text, vocabulary, where)
    scope = reader.document.get(SCOPE, [])
    if len(scope) != 1:
        raise InputError(f"{where}: choose exactly one of {sorted(SCOPE_VALUES)} (got {scope})")
    participants = _participants(reader, base)
    annotation = {key: value for key, value in base.items() if key not in LAYERS}
    annotation.update({
        "in_scope": SCOPE_VALUES[scope[0]],
        "participants": participants,
        "contacts": _contacts(reader, base, participants),
        "stance": _stance(reader, base),
        "topics": _restore_order(reader.document.get(TOPICS, []), base.get("topics", []), key=lambda t: t),
    })
    notes = "\n".join(reader.document.get(NOTES, []))
    if notes or base.get("notes") == "":
        annotation["notes"] = notes
    return annotation


def review_decision(result: list) -> str | None:
    """The reviewer's accepted/corrected choice in a review project's result, or None."""
    for item in result:
        if isinstance(item, dict) and item.get("from_name") == REVIEW:
            choices = (item.get("value") or {}).get("choices") or [None]
            return choices[0]
    return None


def new_annotation_base(document: dict) -> dict:
    """The fields a document without a local annotation starts from (provenance is set on pull)."""
    return {"schema_version": schema_version("annotation"), "document_id": document["id"],
            "text_sha256": document["text_sha256"], "guideline_version": GUIDELINE_VERSION, "provenance": {}}


# --- Predictions as pre-annotations --------------------------------------------------------------

def prediction_to_annotation(prediction: dict, document: dict, registry: dict[str, Actor]) -> dict:
    """A prediction (schema/prediction.schema.json) filled up to annotation shape so it can be shown as a
    pre-annotation: names from the registry, missing attributes from the actor's first office, mention
    texts from the document. Predictions carry no contacts."""
    text = document["text"]
    participants = []
    for item in prediction.get("participants", []):
        actor = registry.get(item["actor_id"])
        if actor is None:
            raise InputError(f"prediction for {document['id']}: unknown actor {item['actor_id']!r}")
        for mention in item["mentions"]:
            if not 0 <= mention["start"] < mention["end"] <= len(text):
                raise InputError(f"prediction for {document['id']}: mention [{mention['start']}, {mention['end']}) is outside the text")
        participants.append({
            "actor_id": actor.id, "name": item.get("name") or actor.names.get("en", actor.id), "office": item.get("office", ""),
            "role_type": item.get("role_type") or _default_role(actor), "affiliation": item.get("affiliation") or actor.country,
            "participation": item["participation"],
            "mentions": [{"start": m["start"], "end": m["end"], "text": text[m["start"]:m["end"]]} for m in item["mentions"]],
        })
    return {**new_annotation_base(document), "in_scope": prediction.get("in_scope", True), "contacts": [],
            "participants": participants, "topics": list(prediction.get("topics", [])),
            "stance": [{"holder": s["holder"], "target": s["target"], "label": s["label"], "evidence": s.get("evidence", [])}
                       for s in prediction.get("stance", [])]}


# --- Conflicts and differences -------------------------------------------------------------------

def task_source(project: str, task_id: int) -> str:
    """Where a pulled annotation came from, as provenance ``source`` records it."""
    return f"label-studio:{project}#{task_id}"


def labels_sha256(annotation: dict) -> str:
    """Hash of everything but the provenance: recorded in the history entry a pull writes, so a later pull
    or push can tell that the file still holds exactly what was pulled (without writing to the server)."""
    return sha256_text(canonical_json({key: value for key, value in annotation.items() if key != "provenance"}))


def pulled_unchanged(local: dict | None, source: str) -> bool:
    """Whether ``local`` was last written by a pull of ``source`` (label-studio:<project>#<task>) and its
    labels have not been edited since."""
    history = ((local or {}).get("provenance") or {}).get("history") or [{}]
    action = history[-1].get("action", "")
    return (re.match(rf"(annotated|review) in {re.escape(source)}[ ;:]", action) is not None
            and action.endswith(f"(labels sha256 {labels_sha256(local)})"))


def conflict(meta: dict, document: dict | None, local_sha256: str | None, local: dict | None = None,
             source: str = "") -> str | None:
    """Why a pulled task must not overwrite the local annotation, or None when it may: the local file must be
    the one pushed, or the one an earlier pull of the same task (``source``) wrote, unedited."""
    if document is None:
        return f"document {meta.get('document_id')!r} is not in the corpus"
    if meta.get("text_sha256") != document["text_sha256"]:
        return "the document text changed since the push (text_sha256 differs from the corpus)"
    if meta.get("annotation_sha256") != local_sha256 and not pulled_unchanged(local, source):
        return ("the local annotation file changed since the push (its SHA-256 differs from the one stored in the task, "
                "and it is not what the last pull of this task wrote)")
    return None


def _items(annotation: dict | None) -> dict[str, dict]:
    """What an annotation says, per summary layer: item key -> sorted values. A key present on both sides
    with other values is a change, not an addition plus a removal; mentions and evidence spans are layers
    of their own, so one added mention is not reported as a changed participant."""
    a = annotation or {}
    participants, stance = a.get("participants", []), a.get("stance", [])
    layers = {
        "in_scope": [("in_scope", a["in_scope"])] if "in_scope" in a else [],
        "contacts": [(canonical_json(c), "") for c in a.get("contacts", [])],
        "participants": [(p["actor_id"], canonical_json({k: v for k, v in p.items() if k != "mentions"})) for p in participants],
        "mentions": [((p["actor_id"], m["start"], m["end"]), "") for p in participants for m in p["mentions"]],
        "stance": [((s["holder"], s["target"]), s["label"]) for s in stance],
        "evidence": [((s["holder"], s["target"], e["start"], e["end"]), "") for s in stance for e in s["evidence"]],
        "topics": [(t, "") for t in a.get("topics", [])],
        "notes": [("notes", a["notes"])] if a.get("notes") else [],
    }
    grouped = {}
    for layer, items in layers.items():
        grouped[layer] = defaultdict(list)
        for key, value in items:
            grouped[layer][key].append(repr(value))
        grouped[layer] = {key: sorted(values) for key, values in grouped[layer].items()}
    return grouped


def layer_changes(old: dict | None, new: dict) -> dict[str, tuple[int, int, int]]:
    """Per changed layer, (added, removed, changed) item counts, in a fixed layer order."""
    before, after = _items(old), _items(new)
    changes = {}
    for layer, old_items in before.items():
        new_items = after[layer]
        if old_items == new_items:
            continue
        added = sum(max(0, len(values) - len(old_items.get(key, []))) for key, values in new_items.items())
        removed = sum(max(0, len(values) - len(new_items.get(key, []))) for key, values in old_items.items())
        changed = sum(1 for key in old_items.keys() & new_items.keys()
                      if len(old_items[key]) == len(new_items[key]) and old_items[key] != new_items[key])
        changes[layer] = (added, removed, changed)
    return changes


def describe_changes(changes: dict[str, tuple[int, int, int]]) -> str:
    """``mentions +1, stance ~1, topics +1 -2``: added, removed and changed items per layer."""
    parts = []
    for layer, counts in changes.items():
        marks = [f"{sign}{count}" for sign, count in zip("+-~", counts) if count]
        parts.append(f"{layer} {' '.join(marks)}")
    return ", ".join(parts)


def removed_share(old: dict | None, changes: dict[str, tuple[int, int, int]]) -> tuple[int, int]:
    """(items removed, items before) over every layer but in_scope, given ``layer_changes(old, new)``: a
    pull that removes most of what an annotation said is more often a task opened blank than a decision,
    so pull asks for confirmation."""
    total = sum(len(values) for layer, items in _items(old).items() if layer != "in_scope" for values in items.values())
    return sum(removed for layer, (_, removed, _) in changes.items() if layer != "in_scope"), total


# --- Tasks and provenance ------------------------------------------------------------------------

def task_data(document: dict, annotation: dict | None, annotation_sha256: str | None, prelabel: str | None,
              mode: str = GOLD_MODE) -> dict:
    """A task's data: the text to label and, hidden from the annotator, what pull needs to restore every
    field and to detect conflicts (the text hash and the SHA-256 of the local annotation file at push).
    A blind task carries no annotation at all: the data columns must not show existing labels."""
    blind = mode == BLIND_MODE
    return {
        "text": document["text"], "title": document.get("title") or document["id"], "document_id": document["id"],
        "language": document["language"],
        META: {"document_id": document["id"], "text_sha256": document["text_sha256"], "mode": mode,
               "annotation_sha256": None if blind else annotation_sha256, "annotation": None if blind else annotation,
               "prelabel": None if blind else prelabel},
    }


def _utc(timestamp: str) -> str:
    moment = datetime.fromisoformat(timestamp).astimezone(timezone.utc)
    return moment.replace(microsecond=0).isoformat().replace("+00:00", "Z")


def pulled_provenance(annotation: dict, previous: dict, annotator: str, updated: str, source: str, prelabel: str | None,
                      overwritten_sha256: str | None = None) -> dict:
    """Provenance of ``annotation`` pulled from Label Studio: a human's submission, not yet reviewed by a
    second person; earlier history is kept. ``overwritten_sha256`` names a local edit that ``--force``
    replaced, so the history says what was lost (git has the content)."""
    time = _utc(updated)
    action = f"annotated in {source}"
    if overwritten_sha256:
        action += f"; replaced a local edit (file sha256 {overwritten_sha256}) with --force"
    action += f" (labels sha256 {labels_sha256(annotation)})"
    provenance = {
        "annotator_id": annotator, "annotator_kind": "human", "created": previous.get("created", time), "updated": time,
        "review_status": "unreviewed", "source": source,
        "history": list(previous.get("history", [])) + [{"time": time, "actor": annotator, "action": action}],
    }
    if prelabel:
        provenance["prelabel"] = prelabel
    return provenance


def reviewed_provenance(annotation: dict, previous: dict, reviewer: str, updated: str, source: str, decision: str) -> dict:
    """Provenance after a person reviewed the annotation in a review project: the annotator stays, the
    review status becomes reviewed (adjudicated stays adjudicated) and the human reviewer is recorded."""
    time = _utc(updated)
    provenance = {key: value for key, value in previous.items() if key not in ("reviewer_id", "reviewer_kind", "history")}
    status = "adjudicated" if previous.get("review_status") == "adjudicated" else "reviewed"
    provenance.update({"updated": time, "review_status": status, "reviewer_id": reviewer, "reviewer_kind": "human",
                       "history": list(previous.get("history", [])) + [
                           {"time": time, "actor": reviewer,
                            "action": f"review in {source}: {decision} (labels sha256 {labels_sha256(annotation)})"}]})
    return provenance


def annotator_folder(annotator: str) -> str:
    """A folder name for one annotator's set: the e-mail address with anything but letters, digits, dots
    and hyphens replaced by hyphens (alice@example.org -> alice-example.org)."""
    return re.sub(r"[^a-z0-9.-]+", "-", annotator.lower()).strip("-.") or "unknown"
