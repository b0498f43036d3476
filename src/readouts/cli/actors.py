"""``readouts actors add|list|show``: the actor registry (annotations/actors.json)."""

from difflib import get_close_matches
from pathlib import Path

from ..actors import Actor, add_actors, load_registry
from ..errors import InputError
from ..jsonio import read_json


def register(subparsers) -> None:
    parser = subparsers.add_parser("actors", help="list, show or add actors of the registry (annotations/actors.json)",
                                   description="The actor registry holds canonical ids, en/uk/ru names and aliases, country "
                                               "(ISO 3166-1 alpha-3 or an organisation code) and offices with dates.")
    sub = parser.add_subparsers(dest="actors_command", metavar="ACTION", required=True)
    add = sub.add_parser("add", help="add actors from a JSON file (one actor object or a list)",
                         description="Validate and add actors (schema/actors.schema.json; countries checked with pycountry). "
                                     "Safe to run from several annotators at once: the registry is locked and written atomically.")
    add.add_argument("file", type=Path, help='JSON: {"id": "first-last", "names": {"en": ..., "uk": ..., "ru": ...}, "country": "UKR", ...}')
    add.add_argument("--merge-aliases", action="store_true", help="for ids already present: add the new aliases and offices")
    add.set_defaults(handler=run_add)
    listing = sub.add_parser("list", help="print id, country and English name of every actor (optionally filtered)",
                             description="One line per actor; with --long, everything `actors show` prints.")
    listing.add_argument("query", nargs="?", default="", help="substring of an id or of any name/alias (case-insensitive)")
    listing.add_argument("--long", action="store_true", help="also names and aliases in en/uk/ru and offices with dates")
    listing.set_defaults(handler=run_list)
    show = sub.add_parser("show", help="print one actor: names and aliases in en/uk/ru, country, offices with dates",
                          description="Everything the registry records about an actor, so that annotators follow its conventions "
                                      "(canonical id, which surface forms are aliases, which office held when) without opening the JSON.")
    show.add_argument("ids", nargs="+", metavar="ID", help="actor id, e.g. volodymyr-zelenskyy (find ids with `readouts actors list QUERY`)")
    show.set_defaults(handler=run_show)


def run_add(args) -> int:
    data = read_json(args.file)
    actors = data if isinstance(data, list) else [data]
    if not all(isinstance(actor, dict) for actor in actors):
        raise InputError(f"{args.file}: $: expected an actor object or a list of them")
    for actor_id in add_actors(actors, merge_aliases=args.merge_aliases):
        print(f"added {actor_id}")
    return 0


def _matching(registry: dict[str, Actor], query: str) -> list[Actor]:
    """Actors whose id, name or alias contains ``query`` (case-insensitive)."""
    query = query.casefold()
    return [actor for actor in registry.values()
            if any(query in form.casefold() for form in
                   [actor.id, *actor.names.values(), *(f for forms in actor.aliases.values() for f in forms)])]


def run_list(args) -> int:
    for actor in _matching(load_registry(), args.query):
        print(describe(actor) + "\n" if args.long else f"{actor.id:<32} {actor.country:<5} {actor.names['en']}")
    return 0


def run_show(args) -> int:
    registry = load_registry()
    for actor_id in args.ids:
        if actor_id not in registry:
            close = [a.id for a in _matching(registry, actor_id)][:5] or get_close_matches(actor_id, list(registry), n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise InputError(f"no actor {actor_id!r} in the registry{hint} (search with `readouts actors list QUERY`)")
    print("\n\n".join(describe(registry[actor_id]) for actor_id in args.ids))
    return 0


def describe(actor: Actor) -> str:
    """The registry's record of one actor as readable lines: names, aliases per language, offices by date."""
    lines = [f"{actor.id}  country {actor.country}" + (f"  wikidata {actor.wikidata}" if actor.wikidata else "")]
    for language in ("en", "uk", "ru"):
        aliases = ", ".join(actor.aliases.get(language, [])) or "(none)"
        lines.append(f"  {language}: {actor.names[language]}  aliases: {aliases}")
    offices = sorted(actor.offices, key=lambda office: office.get("start", ""))
    for office in offices:
        dates = f"{office.get('start', '?')} to {office.get('end', 'now')}"
        lines.append(f"  office {dates}: {office['title']}  (role type {office['role_type']}, "
                     f"affiliation {office.get('affiliation', actor.country)})")
    if not offices:
        lines.append("  offices: none recorded")
    return "\n".join(lines)
