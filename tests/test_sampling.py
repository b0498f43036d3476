"""Seeded stratified samples: the plan's pools, including the selector's rejects for recall studies."""

import pytest

from readouts.errors import InputError
from readouts.sampling import draw_sample


def _documents(n: int) -> dict[str, dict]:
    return {f"resist-uk-{i:03d}": {"id": f"resist-uk-{i:03d}", "text": "x" * 100, "date": "2022-03-01"} for i in range(n)}


def test_non_candidate_pool_draws_only_rejected_documents():
    documents = _documents(20)
    candidates = [f"resist-uk-{i:03d}" for i in range(5)]
    plan = {"name": "recall", "seed": 7, "strata": [{"id_prefix": "resist-uk-", "n": 10, "pool": "non_candidates"}]}
    drawn = draw_sample(plan, candidates, documents)
    assert len(drawn) == 10 and not set(drawn) & set(candidates)
    assert drawn == draw_sample(plan, candidates, documents), "same seed, same sample"


def test_default_pool_is_the_candidates():
    documents = _documents(20)
    candidates = [f"resist-uk-{i:03d}" for i in range(5)]
    plan = {"name": "s", "seed": 7, "strata": [{"id_prefix": "resist-uk-", "n": 5}]}
    assert draw_sample(plan, candidates, documents) == sorted(candidates)


@pytest.mark.parametrize("pool, message", [("everything", "pool is one of"), ("non_candidates", "only 15 non-candidates qualify")])
def test_bad_or_too_small_pool_is_bad_input(pool, message):
    documents = _documents(20)
    plan = {"name": "s", "seed": 7, "strata": [{"id_prefix": "resist-uk-", "n": 99, "pool": pool}]}
    with pytest.raises(InputError, match=message):
        draw_sample(plan, [f"resist-uk-{i:03d}" for i in range(5)], documents)


def test_annotated_pool_draws_from_the_set_and_its_scope_decision():
    documents = _documents(20)
    annotated = {f"resist-uk-{i:03d}": i % 2 == 0 for i in range(10)}  # ten annotated, the even ones in scope
    plan = {"name": "double", "seed": 3, "from_set": "batch/pass1",
            "strata": [{"id_prefix": "resist-uk-", "n": 4, "pool": "annotated", "in_scope": True},
                       {"id_prefix": "resist-uk-", "n": 2, "pool": "annotated", "in_scope": False}]}
    drawn = draw_sample(plan, [], documents, annotated=annotated)
    assert len(drawn) == 6 and set(drawn) <= set(annotated)
    assert sum(annotated[d] for d in drawn) == 4, "four in scope, two out of scope"
    with pytest.raises(InputError, match="only 5 annotated qualify"):
        draw_sample({**plan, "strata": [{"id_prefix": "resist-uk-", "n": 6, "pool": "annotated", "in_scope": True}]},
                    [], documents, annotated=annotated)


def test_annotated_pool_without_a_set_is_bad_input():
    plan = {"name": "double", "seed": 3, "strata": [{"id_prefix": "resist-uk-", "n": 1, "pool": "annotated"}]}
    with pytest.raises(InputError, match="from_set"):
        draw_sample(plan, [], _documents(3), annotated={})


def test_within_restricts_every_stratum_to_the_listed_documents():
    documents = _documents(20)
    annotated = {f"resist-uk-{i:03d}": True for i in range(20)}
    within = {f"resist-uk-{i:03d}" for i in range(15, 20)}
    plan = {"name": "double", "seed": 3, "from_set": "s", "strata": [{"id_prefix": "resist-uk-", "n": 5, "pool": "annotated"}]}
    assert draw_sample(plan, [], documents, annotated=annotated, within=within) == sorted(within)
    with pytest.raises(InputError, match="only 5 annotated qualify"):
        draw_sample({**plan, "strata": [{"id_prefix": "resist-uk-", "n": 6, "pool": "annotated"}]}, [], documents,
                    annotated=annotated, within=within)


def test_the_pool_of_an_annotated_draw_is_recorded_and_reused(tmp_path):
    from readouts.sampling import annotated_pool
    plan_path = tmp_path / "double-plan.json"
    plan = {"name": "double", "seed": 3, "from_set": "staging", "strata": []}
    first = annotated_pool(plan, plan_path, lambda name: {"resist-uk-002": False, "resist-uk-001": True})
    assert first == {"resist-uk-001": True, "resist-uk-002": False}
    later = annotated_pool(plan, plan_path, lambda name: pytest.fail("the recorded pool must be used, not the set"))
    assert later == first and (tmp_path / "double-pool.json").is_file()
