"""The pre-annotator: proposes participants (registry names and aliases in en/uk/ru, with headline and
lead patterns deciding direct vs mentioned), contact type, in-scope and likely topics. It proposes no
stance. Its output is a starting point marked ``model-prelabel``: gold needs an annotator who read the text
and reviewed every layer."""

import re
from dataclasses import dataclass
from functools import lru_cache

from .actors import Actor, load_registry, registry_path
from .corpus import matching_rules
from .drafts import now_utc
from .schema import schema_version

PRELABEL_ID = "readouts-prelabel-1.0"
LEAD_CHARS = 400

# How a contact is named in each language; the first matching type wins.
CONTACT_PATTERNS = (
    ("video_call", r"video ?(call|conference|link)|відео(зв.язок|розмов|конференц)|видео(связ|конференц|разговор)"),
    ("phone_call", r"\b(tele)?phone\b|\bcall with\b|\bcall\b|телефонн|по телефону"),
    ("multilateral_meeting", r"\bsummit\b|\bG7\b|\bG20\b|\bleaders of\b|саміт|саммит|\bG7\b|засідан|заседани"),
    ("in_person_meeting", r"\bmet\b|\bmeeting\b|\bmeets\b|\btalks\b|\bvisit|зустріч|зустрівся|переговор|встреч|встретил|визит"),
)

# Words that point to a topic, by language; a topic is proposed when one of its patterns occurs.
TOPIC_PATTERNS = {
    "military_aid": r"weapon|air defen[cs]e|ammunition|artillery|military (aid|assistance|support)|security assistance|зброя|зброї|ППО|військов\w+ допомог|оборонн|оружи|ПВО|военн\w+ помощ",
    "financial_aid": r"financial (aid|assistance|support)|budget support|\bloan|macro-?financial|\bIMF\b|фінансов\w+ (допомог|підтрим)|кредит|финансов\w+ помощ",
    "humanitarian_aid": r"humanitarian|refugee|evacuat|гуманітарн|біженц|евакуац|гуманитарн|беженц|эвакуац",
    "prisoners_and_deportees": r"prisoner|exchange of (prisoners|POWs)|deport|полонен|обмін|депорт|военнопленн|обмен",
    "sanctions": r"sanction|price cap|export control|санкці|санкци",
    "peace_negotiations": r"negotiat|ceasefire|cease-fire|peace (talks|process|plan|formula|deal|agreement)|diplomatic (solution|path|settlement)|переговор|припинення вогню|мирн|перемир|прекращени\w+ огня|урегулирован",
    "security_guarantees": r"security guarantee|гарантії безпеки|гарантий безопасности|гарантии безопасности",
    "nato": r"\bNATO\b|НАТО|Alliance",
    "eu_integration": r"EU (membership|candida|accession)|European integration|candidate status|членств\w+ в ЄС|кандидат|європейськ\w+ інтеграц|вступ\w* до ЄС|евроинтеграц",
    "energy_security": r"\benergy\b|\bgas\b|\boil\b|electricity|pipeline|енерге|газ\b|нафт|энерг|нефт|газа?\b",
    "nuclear_safety": r"nuclear|IAEA|Zaporizhzhia|Chornobyl|ядерн|АЕС|МАГАТЕ|АЭС|МАГАТЭ",
    "food_security": r"food security|grain|wheat|fertili[sz]er|продовольч|зерн|продовольств|удобрен",
    "reconstruction": r"reconstruct|rebuild|recovery|відбудов|відновленн|восстановлени|реконструкц",
    "accountability": r"war crime|accountab|tribunal|\bICC\b|reparation|воєнн\w+ злочин|трибунал|відповідальн|военн\w+ преступлен",
    "bilateral_cooperation": r"bilateral|trade|investment|economic cooperation|двосторонн|торгів|інвестиц|двусторонн|торгов|инвестиц",
    "multilateral_diplomacy": r"\bUN\b|United Nations|\bG7\b|\bG20\b|\bOSCE\b|summit|BRICS|\bCSTO\b|\bEAEU\b|\bSCO\b|ООН|саміт|саммит|ОБСЄ|ОБСЕ|БРИКС|ОДКБ|ЕАЭС|ШОС",
    "other_regional_issues": r"Middle East|Iran|Afghanistan|Indo-Pacific|climate|COVID|pandemic|Gaza|Israel|Syria|Близьк\w+ Сход|Ізраїл|Ближн\w+ Восток|Израил|Сири|Иран|Афганистан|климат|пандеми",
    "information_and_cyber": r"disinformation|propaganda|cyber|дезінформ|пропаганд|кібер|дезинформ|кибер",
    "battlefield_situation": r"battlefield|front ?line|offensive|shelling|missile|drone strike|situation on the ground|фронт|обстріл|ракет|наступ|обстрел|наступлени|ситуаци\w+ на земл",
}


@dataclass(frozen=True)
class Found:
    actor: Actor
    spans: tuple[tuple[int, int], ...]


def _surface_index(language: str) -> tuple[re.Pattern, dict[str, Actor]]:
    """One compiled alternation of every registry surface form usable in ``language`` (its own forms and
    the English ones), longest first, with the actor each form names. A form two actors share ("Castro")
    names neither: the matcher cannot tell which is meant, and guessing silently made wrong participants.
    Built once per registry and language: a single scan per document instead of one per form."""
    path = registry_path().resolve()
    return _build_index(path, path.stat().st_mtime_ns, language)


@lru_cache(maxsize=8)
def _build_index(path, mtime_ns: int, language: str) -> tuple[re.Pattern, dict[str, Actor]]:
    owners: dict[str, dict[str, Actor]] = {}
    for _, actor in sorted(load_registry(path).items()):
        forms = actor.surface_forms(language) + (actor.surface_forms("en") if language != "en" else [])
        for form in forms:
            owners.setdefault(form, {})[actor.id] = actor
    owner = {form: next(iter(actors.values())) for form, actors in owners.items() if len(actors) == 1}
    alternation = "|".join(re.escape(form) for form in sorted(owner, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternation})(?!\w)"), owner


def find_actors(text: str, language: str) -> list[Found]:
    """Every registry actor named in ``text`` with all its mention spans. Matching is leftmost-longest on
    word boundaries, so "Joe Biden" is one mention, not two, and "Putin" is not found inside "Putinism"."""
    pattern, owner = _surface_index(language)
    spans: dict[str, list] = {}
    actors: dict[str, Actor] = {}
    for match in pattern.finditer(text):
        actor = owner[match.group(0)]
        spans.setdefault(actor.id, []).append(match.span())
        actors[actor.id] = actor
    return [Found(actors[a], tuple(s)) for a, s in sorted(spans.items(), key=lambda kv: kv[1][0])]


def office_at(actor: Actor, date: str) -> dict:
    """The actor's office held on ``date`` (the latest that started before it), else the latest known."""
    offices = sorted(actor.offices, key=lambda o: o.get("start", ""))
    held = [o for o in offices if o.get("start", "") <= (date or "9999") and (not o.get("end") or o["end"] >= (date or ""))]
    return (held or offices or [{}])[-1]


def contact_type(text: str) -> str:
    for type_id, pattern in CONTACT_PATTERNS:
        if re.search(pattern, text, re.IGNORECASE):
            return type_id
    return "other"


def topics_of(text: str) -> list[str]:
    return sorted(topic for topic, pattern in TOPIC_PATTERNS.items() if re.search(pattern, text, re.IGNORECASE))


def prelabel_document(document: dict) -> dict:
    """A schema-valid annotation proposal for ``document`` (annotator kind ``model-prelabel``)."""
    text = document["text"]
    lead_end = LEAD_CHARS
    found = find_actors(text, document["language"])
    title_found = {f.actor.id for f in find_actors(document.get("title", ""), document["language"])}
    direct = [f for f in found if f.actor.id in title_found or f.spans[0][0] < lead_end]
    in_scope = bool(matching_rules(document)) and bool(direct)
    participants = []
    if in_scope:
        for f in found:
            office = office_at(f.actor, document.get("date", ""))
            participants.append({
                "actor_id": f.actor.id, "name": f.actor.names["en"], "office": office.get("title", ""),
                "role_type": office.get("role_type", "other"), "affiliation": office.get("affiliation", f.actor.country),
                "participation": "direct" if f in direct else "mentioned",
                "mentions": [{"start": s, "end": e, "text": text[s:e]} for s, e in f.spans],
            })
    time = now_utc()
    head = f"{document.get('title', '')}\n{text[:lead_end]}"
    return {
        "schema_version": schema_version("annotation"), "document_id": document["id"],
        "text_sha256": document["text_sha256"], "guideline_version": "1.0",
        "provenance": {"annotator_id": PRELABEL_ID, "annotator_kind": "model-prelabel", "model": PRELABEL_ID,
                       "created": time, "updated": time, "review_status": "unreviewed"},
        "in_scope": in_scope,
        "contacts": [{"type": contact_type(head), "participants": [f.actor.id for f in direct]}] if in_scope else [],
        "participants": participants,
        "stance": [],
        "topics": topics_of(text) if in_scope else [],
    }
