"""Documented, seeded stratified samples of the candidate documents (e.g. the pilot). The plan is data
(``annotations/selection/<name>-plan.json``) so the sample can be re-drawn and audited."""

import random
from collections import defaultdict
from pathlib import Path

from .errors import InputError
from .jsonio import atomic_write_text, read_json, read_text, write_json
from .schema import Problem

PLAN_KEYS = {"name", "seed", "max_chars", "strata", "always_include", "description", "exclude_samples", "from_set",
             "within_samples"}
STRATUM_KEYS = {"id_prefix", "n", "balance_by_year", "with_parallels", "date_from", "date_to", "pool", "in_scope"}
POOLS = ("candidates", "non_candidates", "annotated")


def _check_plan(plan: dict, where: str) -> None:
    problems = []
    if not isinstance(plan, dict) or set(plan) - PLAN_KEYS or not {"name", "seed", "strata"} <= set(plan):
        problems.append(Problem(where, "$", f"a plan has keys {sorted(PLAN_KEYS)} (name, seed and strata required)"))
    else:
        for index, stratum in enumerate(plan["strata"]):
            if set(stratum) - STRATUM_KEYS or "id_prefix" not in stratum or not isinstance(stratum.get("n"), int):
                problems.append(Problem(where, f"$.strata[{index}]", f"a stratum has keys {sorted(STRATUM_KEYS)} (id_prefix and integer n required)"))
            elif stratum.get("pool", "candidates") not in POOLS:
                problems.append(Problem(where, f"$.strata[{index}].pool", f"pool is one of {list(POOLS)}"))
            elif (stratum.get("pool") == "annotated") != ("from_set" in plan) or ("in_scope" in stratum and stratum.get("pool") != "annotated"):
                problems.append(Problem(where, f"$.strata[{index}]", "the annotated pool (and a stratum's in_scope) needs the plan's "
                                                                     "from_set, the annotation set to draw from"))
    if problems:
        raise InputError("\n".join(map(str, problems)))


def draw_sample(plan: dict, candidates: list[str], documents: dict[str, dict], where: str = "plan",
                excluded: set[str] = frozenset(), annotated: dict[str, bool] | None = None,
                within: set[str] | None = None) -> list[str]:
    """Draw each stratum from the candidates with the plan's seed: documents longer than ``max_chars``
    and ``excluded`` ones (earlier samples) are left out; with ``balance_by_year`` the draw cycles over
    years so each year is represented; ``with_parallels`` adds the documents sharing a ``parallel_group``
    with a drawn one; ``"pool": "non_candidates"`` draws from the documents the selector rejected (to
    measure its recall); ``"pool": "annotated"`` draws from the documents of the plan's ``from_set``
    (``annotated`` maps their ids to in_scope), optionally only those with a given ``in_scope``, e.g. to
    choose the documents of a blind second pass; ``within`` (the ids of the plan's ``within_samples``)
    restricts every stratum to those documents, e.g. the ones annotated since the last draw."""
    _check_plan(plan, where)
    rng = random.Random(plan["seed"])
    max_chars = plan.get("max_chars")
    chosen: list[str] = []
    excluded = set(excluded)
    by_group = defaultdict(list)
    for doc in documents.values():
        if doc.get("parallel_group"):
            by_group[doc["parallel_group"]].append(doc["id"])
    rejected = sorted(set(documents) - set(candidates))
    for stratum in plan["strata"]:
        source = {"non_candidates": rejected, "annotated": sorted(annotated or {})}.get(stratum.get("pool"), candidates)
        if within is not None:
            source = [doc_id for doc_id in source if doc_id in within]
        if "in_scope" in stratum:
            source = [doc_id for doc_id in source if annotated[doc_id] == stratum["in_scope"]]
        pool = [c for c in source if c.startswith(stratum["id_prefix"]) and c not in chosen and c not in excluded
                and (not max_chars or len(documents[c]["text"]) <= max_chars)
                and stratum.get("date_from", "") <= documents[c]["date"] <= stratum.get("date_to", "9999")]
        if len(pool) < stratum["n"]:
            raise InputError(f"{where}: stratum {stratum['id_prefix']!r} asks for {stratum['n']} documents; only {len(pool)} "
                             f"{stratum.get('pool', 'candidates').replace('_', '-')} qualify")
        picked = _pick(pool, stratum, documents, rng)
        chosen.extend(picked)
        if stratum.get("with_parallels"):
            for doc_id in picked:
                group = documents[doc_id].get("parallel_group")
                chosen.extend(other for other in sorted(by_group.get(group, [])) if other not in chosen and other not in excluded)
    for doc_id in plan.get("always_include", []):
        if doc_id not in documents:
            raise InputError(f"{where}: always_include names {doc_id!r}, which is not in the corpus")
        if doc_id not in chosen:
            chosen.append(doc_id)
    return sorted(chosen)


def _pick(pool: list[str], stratum: dict, documents: dict, rng: random.Random) -> list[str]:
    pool = sorted(pool)
    rng.shuffle(pool)
    if not stratum.get("balance_by_year"):
        return pool[: stratum["n"]]
    by_year = defaultdict(list)
    for doc_id in pool:
        by_year[documents[doc_id]["date"][:4]].append(doc_id)
    picked, years = [], sorted(by_year)
    while len(picked) < stratum["n"]:
        for year in years:
            if by_year[year] and len(picked) < stratum["n"]:
                picked.append(by_year[year].pop())
    return picked


def write_sample(ids: list[str], path: Path) -> None:
    atomic_write_text(path, "".join(f"{doc_id}\n" for doc_id in ids))


def load_plan(path: Path) -> dict:
    return read_json(path)


def annotated_pool(plan: dict, plan_path: Path, load_set) -> dict[str, bool]:
    """The documents of the plan's ``from_set`` with their in_scope, as recorded beside the plan
    (``<name>-pool.json``) when the sample was first drawn: a staging set changes (reviews) and is later
    merged into the gold, so the recorded pool keeps the draw reproducible. ``load_set(name)`` gives
    ``{document_id: in_scope}`` for the first draw, which writes the record."""
    path = plan_path.with_name(f"{plan['name']}-pool.json")
    if path.is_file():
        pool = read_json(path)
        if not isinstance(pool, dict) or not all(isinstance(v, bool) for v in pool.values()):
            raise InputError(f"{path}: $: expected {{document_id: in_scope}}")
        return pool
    if load_set is None:
        raise InputError(f"{path}: missing: the pool of a draw from {plan['from_set']!r} is recorded when it is first drawn")
    pool = dict(sorted(load_set(plan["from_set"]).items()))
    write_json(path, pool)
    return pool


def sample_ids(plan: dict, folder: Path, key: str) -> set[str]:
    """Ids of the earlier samples a plan names under ``key`` (``exclude_samples``: left out of the draw;
    ``within_samples``: the only documents drawn from), files beside the plan."""
    ids: set[str] = set()
    for name in plan.get(key, []):
        path = folder / name
        if not path.is_file():
            raise InputError(f"{path}: sample named in {key} not found")
        ids.update(line.strip() for line in read_text(path).splitlines() if line.strip())
    return ids


def draw_plan(plan: dict, plan_path: Path, candidates: list[str], documents: dict[str, dict], load_set=None) -> list[str]:
    """Draw the sample a plan file describes, with everything the plan names beside it: the samples it
    excludes or draws within and, for a draw from an annotation set, its recorded pool (``load_set`` makes
    the record on a first draw; see ``annotated_pool``)."""
    if not isinstance(plan, dict):
        raise InputError(f"{plan_path}: $: a plan is a JSON object")
    annotated = annotated_pool(plan, plan_path, load_set) if isinstance(plan.get("from_set"), str) else None
    within = sample_ids(plan, plan_path.parent, "within_samples") if "within_samples" in plan else None
    return draw_sample(plan, candidates, documents, where=str(plan_path), annotated=annotated, within=within,
                       excluded=sample_ids(plan, plan_path.parent, "exclude_samples"))
