"""``readouts actors add|list``: the actor registry (annotations/actors.json)."""

from pathlib import Path

from ..actors import add_actors, load_registry
from ..errors import InputError
from ..jsonio import read_json


def register(subparsers) -> None:
    parser = subparsers.add_parser("actors", help="list or add actors of the registry (annotations/actors.json)",
                                   description="The actor registry holds canonical ids, en/uk/ru names and aliases, country "
                                               "(ISO 3166-1 alpha-3 or an organisation code) and offices with dates.")
    sub = parser.add_subparsers(dest="actors_command", metavar="ACTION", required=True)
    add = sub.add_parser("add", help="add actors from a JSON file (one actor object or a list)",
                         description="Validate and add actors (schema/actors.schema.json; countries checked with pycountry). "
                                     "Safe to run from several annotators at once: the registry is locked and written atomically.")
    add.add_argument("file", type=Path, help='JSON: {"id": "first-last", "names": {"en": ..., "uk": ..., "ru": ...}, "country": "UKR", ...}')
    add.add_argument("--merge-aliases", action="store_true", help="for ids already present: add the new aliases and offices")
    add.set_defaults(handler=run_add)
    show = sub.add_parser("list", help="print id, country and English name of every actor (optionally filtered)")
    show.add_argument("query", nargs="?", default="", help="substring of an id or of any name/alias (case-insensitive)")
    show.set_defaults(handler=run_list)


def run_add(args) -> int:
    data = read_json(args.file)
    actors = data if isinstance(data, list) else [data]
    if not all(isinstance(actor, dict) for actor in actors):
        raise InputError(f"{args.file}: $: expected an actor object or a list of them")
    for actor_id in add_actors(actors, merge_aliases=args.merge_aliases):
        print(f"added {actor_id}")
    return 0


def run_list(args) -> int:
    query = args.query.casefold()
    for actor in load_registry().values():
        forms = [actor.id, *actor.names.values(), *(f for forms in actor.aliases.values() for f in forms)]
        if not query or any(query in form.casefold() for form in forms):
            print(f"{actor.id:<32} {actor.country:<5} {actor.names['en']}")
    return 0
