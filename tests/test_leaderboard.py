"""The leaderboard: metadata validation, re-scoring, deterministic output, significance marks, and the
HTML page driven in real headless Chromium (sorting and the language filter)."""

import json
import re
import shutil
from html import escape
from pathlib import Path

import pytest

from conftest import as_prediction, build_gold_set, replicate, write_jsonl
from readouts.cli import main
from readouts.errors import InputError
from readouts.evaluation.evaluate import Options
from readouts.evaluation.leaderboard import build

OPTIONS = Options(n_resamples=300)


def metadata(name: str, **changes) -> dict:
    return {"system_name": name, "authors": ["Test Author"], "url": "https://example.org/" + name.lower().replace(" ", "-"),
            "description": f"{name}: an invented system for the tests.", "date": "2026-11-21",
            "release": "v0.0.1-test", "setting": "standard", "split": "test", **changes}


@pytest.fixture
def board(repo, tiny_documents, tiny_gold, tmp_path):
    """Three submissions on 40 invented documents: perfect, slightly worse (not separable from the
    leader), and without participants and stance (clearly worse)."""
    documents, annotations = replicate(tiny_documents, tiny_gold, 10)
    gold = build_gold_set(documents, annotations, release="v0.0.1")
    perfect = [as_prediction(a) for a in annotations.values()]
    slightly = [dict(r) for r in perfect]
    slightly[0] = dict(slightly[0], topics=slightly[0]["topics"][:1])
    weak = [dict(r, participants=[], stance=[]) for r in perfect]
    eval_dir = tmp_path / "eval"
    for name, records in (("oracle", perfect), ("nearly", slightly), ("topics-only", weak)):
        folder = eval_dir / "submissions" / name
        folder.mkdir(parents=True)
        write_jsonl(folder / "predictions.jsonl", records)
        (folder / "metadata.json").write_text(json.dumps(metadata(name.title(), release="v0.0.1")), encoding="utf-8")
    loaded = []

    def loader(release, split, setting):
        loaded.append((release, split, setting))
        return gold

    return eval_dir, loader, loaded


def test_build_scores_every_submission_and_marks_ties(board):
    eval_dir, loader, loaded = board
    boards = build(eval_dir, loader, OPTIONS, warn=lambda m: None)
    assert loaded == [("v0.0.1", "test", "standard")]  # one gold per release/split/setting
    (table,) = boards
    assert [e.name for e in table.entries] == ["oracle", "nearly", "topics-only"]
    assert table.entries[0].p_value_vs_leader is None
    assert table.entries[1].tied_with_leader and not table.entries[2].tied_with_leader
    for name in ("oracle", "nearly", "topics-only"):
        results = json.loads((eval_dir / "results" / f"{name}.json").read_text())
        assert results["release"] == "v0.0.1" and results["predictions"]["source"] == f"eval/submissions/{name}/predictions.jsonl"
    markdown = (eval_dir / "LEADERBOARD.md").read_text()
    assert "Dataset release: v0.0.1 · harness readouts" in markdown
    assert "## release v0.0.1 · setting standard · split test" in markdown
    assert "[Nearly](https://example.org/nearly) ≈" in markdown and "Topics-Only) ≈" not in markdown
    assert "| 1 | [Oracle](https://example.org/oracle) | 1.000 [1.000, 1.000]" in markdown


def test_building_twice_gives_identical_files(board):
    eval_dir, loader, _ = board
    build(eval_dir, loader, OPTIONS, warn=lambda m: None)
    first = {p: p.read_bytes() for p in sorted(eval_dir.rglob("*")) if p.is_file()}
    build(eval_dir, loader, OPTIONS, warn=lambda m: None)
    assert first == {p: p.read_bytes() for p in sorted(eval_dir.rglob("*")) if p.is_file()}


def test_invalid_metadata_is_refused(board):
    eval_dir, loader, _ = board
    path = eval_dir / "submissions" / "nearly" / "metadata.json"
    path.write_text(json.dumps(metadata("Nearly", split="dev", extra=1)), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        build(eval_dir, loader, OPTIONS, warn=lambda m: None)
    assert str(path) in str(caught.value) and "$.split" in str(caught.value) and "Additional properties" in str(caught.value)


def test_no_submissions_gives_an_empty_board(repo, tmp_path, capsys):
    eval_dir = tmp_path / "eval"
    assert main(["leaderboard", "build", "--eval-dir", str(eval_dir)]) == 0
    assert "no submissions" in capsys.readouterr().out
    assert "No submissions yet" in (eval_dir / "LEADERBOARD.md").read_text()
    assert "No submissions yet" in (eval_dir / "leaderboard.html").read_text()
    assert not (eval_dir / "results").exists()


def test_page_is_self_contained(board):
    eval_dir, loader, _ = board
    build(eval_dir, loader, OPTIONS, warn=lambda m: None)
    page = (eval_dir / "leaderboard.html").read_text()
    assert "<script src" not in page and "<link" not in page and "@import" not in page
    assert "http" not in page.replace("https://example.org/", "")  # the only URLs are the systems' own links


# --- Real headless Chromium -----------------------------------------------------------------------

def _systems(driver) -> list[str]:
    return [row.get_attribute("data-system") for row in driver.find_elements("css selector", "table.board tbody tr")]


def test_page_renders_sorts_and_filters_in_chromium(board, browser, tmp_path):
    from selenium.webdriver.support.ui import Select

    eval_dir, loader, _ = board
    build(eval_dir, loader, OPTIONS, warn=lambda m: None)
    browser.get((eval_dir / "leaderboard.html").resolve().as_uri())
    assert browser.title == "Readouts leaderboard"
    assert _systems(browser) == ["oracle", "nearly", "topics-only"]
    assert "v0.0.1" in browser.find_element("id", "pinned").text

    headers = {th.text.rstrip(" ▲▼"): th for th in browser.find_elements("css selector", "table.board thead th")}
    headers["Participants F1"].click()  # first click: descending
    assert _systems(browser)[-1] == "topics-only"
    headers["Participants F1"].click()  # second click: ascending
    assert _systems(browser)[0] == "topics-only"
    headers["System"].click()
    assert _systems(browser) == ["topics-only", "oracle", "nearly"]  # text, descending
    browser.save_screenshot(str(tmp_path / "leaderboard-sorted.png"))

    def visible(language):
        return [cell.is_displayed() for cell in browser.find_elements("css selector", f'[data-language="{language}"]')]

    assert all(visible("uk")) and len(visible("uk")) == 4  # header + three rows
    Select(browser.find_element("id", "language")).select_by_value("en")
    assert all(visible("en")) and not any(visible("uk")) and not any(visible("ru"))
    browser.save_screenshot(str(tmp_path / "leaderboard-en.png"))
    Select(browser.find_element("id", "language")).select_by_value("all")
    assert all(visible("uk")) and all(visible("ru"))
    assert (tmp_path / "leaderboard-en.png").stat().st_size > 10_000


def test_committed_leaderboard_is_what_the_submissions_score(tmp_path, monkeypatch, capsys):
    """The published board is reproducible from the committed submissions and gold, without corpus text:
    rebuilding it gives byte-identical files (so no number on it was typed by hand). The build prints the
    half-width of each system's interval on the standard test board."""
    from conftest import REPO
    monkeypatch.setenv("READOUTS_ROOT", str(REPO))
    monkeypatch.setenv("READOUTS_CORPUS", str(tmp_path / "no-corpus.jsonl"))
    shutil.copytree(REPO / "eval" / "submissions", tmp_path / "eval" / "submissions")
    assert main(["leaderboard", "build", "--eval-dir", str(tmp_path / "eval")]) == 0
    printed = capsys.readouterr().out
    assert "setting standard · split test: ± = half the width of the 95% interval of overall" in printed
    standard = [json.loads(path.read_text()) for path in sorted((REPO / "eval" / "results").glob("*-standard.json"))]
    for results in standard:
        overall = results["metrics"]["overall"]
        assert f"±{(overall['ci_high'] - overall['ci_low']) / 2:.3f}" in printed
    for name in ("LEADERBOARD.md", "leaderboard.html"):
        assert (tmp_path / "eval" / name).read_bytes() == (REPO / "eval" / name).read_bytes(), \
            f"eval/{name} is stale: run `readouts leaderboard build`"
    for result in sorted((REPO / "eval" / "results").rglob("*.json")):
        assert (tmp_path / "eval" / "results" / result.relative_to(REPO / "eval" / "results")).read_bytes() == result.read_bytes()


# --- All or nothing, escaping, order, page layout --------------------------------------------------

def _snapshot(eval_dir: Path) -> dict:
    return {p.relative_to(eval_dir): p.read_bytes() for p in sorted(eval_dir.rglob("*"))
            if p.is_file() and "submissions" not in p.parts}


def test_a_failed_build_leaves_results_and_board_as_they_were(board, monkeypatch):
    """Before: results were rewritten one by one before the pages were rendered."""
    import readouts.evaluation.leaderboard_html

    eval_dir, loader, _ = board
    build(eval_dir, loader, OPTIONS, warn=lambda m: None)
    before = _snapshot(eval_dir)
    write_jsonl(eval_dir / "submissions" / "oracle" / "predictions.jsonl", [])  # changes oracle's results
    (eval_dir / "submissions" / "oracle" / "predictions.jsonl").write_text('{"document_id": "x"}\n', encoding="utf-8")
    with pytest.raises(InputError):
        build(eval_dir, loader, OPTIONS, warn=lambda m: None)
    assert _snapshot(eval_dir) == before
    shutil.copy(eval_dir / "submissions" / "nearly" / "predictions.jsonl", eval_dir / "submissions" / "oracle" / "predictions.jsonl")
    monkeypatch.setattr(readouts.evaluation.leaderboard_html, "render_html", lambda boards, options: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        build(eval_dir, loader, OPTIONS, warn=lambda m: None)
    assert _snapshot(eval_dir) == before
    assert not [p for p in eval_dir.iterdir() if p.name.startswith(".")]  # no staging folder left behind


def test_results_of_a_removed_submission_disappear(board):
    eval_dir, loader, _ = board
    build(eval_dir, loader, OPTIONS, warn=lambda m: None)
    shutil.rmtree(eval_dir / "submissions" / "nearly")
    build(eval_dir, loader, OPTIONS, warn=lambda m: None)
    assert sorted(p.name for p in (eval_dir / "results").glob("*.json")) == ["oracle.json", "topics-only.json"]
    pairwise = json.loads((eval_dir / "results" / "pairwise" / "v0.0.1-standard-test.json").read_text())
    assert pairwise["systems"] == ["oracle", "topics-only"] and len(pairwise["pairs"]) == 1


HOSTILE = {"system_name": "Evil | 9.999 | <img src=x onerror=alert(1)>\n# Winner", "authors": ["A <b>", "[x](javascript:y)"],
           "url": "https://example.org/a)(b", "description": "line one\n\n## fake heading\n| 1 | fake row |"}


def test_markdown_board_escapes_submission_metadata(board):
    """Before: the system name went into LEADERBOARD.md raw (fake cells, HTML, a heading)."""
    eval_dir, loader, _ = board
    path = eval_dir / "submissions" / "nearly" / "metadata.json"
    path.write_text(json.dumps(metadata("Nearly", release="v0.0.1", **HOSTILE)), encoding="utf-8")
    build(eval_dir, loader, OPTIONS, warn=lambda m: None)
    markdown = (eval_dir / "LEADERBOARD.md").read_text()
    assert "<img" not in markdown and "<b>" not in markdown and not re.search(r"(?<!\\)\]\(javascript", markdown)
    assert not [line for line in markdown.splitlines() if line.startswith("#") and ("Winner" in line or "fake" in line)]
    table_rows = [line for line in markdown.splitlines() if line.startswith("| 2 ")]  # the board's row, then the matrix's
    assert [len(re.split(r"(?<!\\)\|", row)) - 2 for row in table_rows] == [11, 4]  # as many cells as the headers, none injected
    assert "(https://example.org/a%29%28b)" in markdown
    assert not [line for line in markdown.splitlines() if line.startswith("| 1 | fake row")]


def test_boards_put_standard_first_and_show_n_per_language(board):
    eval_dir, loader, _ = board
    path = eval_dir / "submissions" / "nearly" / "metadata.json"
    path.write_text(json.dumps(metadata("Nearly", release="v0.0.1", setting="cross-lingual")), encoding="utf-8")
    boards = build(eval_dir, loader, OPTIONS, warn=lambda m: None)
    assert [b.key[1] for b in boards] == ["standard", "cross-lingual"]  # before: alphabetical
    markdown = (eval_dir / "LEADERBOARD.md").read_text()
    assert markdown.index("setting standard") < markdown.index("setting cross-lingual")
    assert "Overall (en, n = 20, 10 in scope)" in markdown and "Overall (uk, n = 10, 10 in scope)" in markdown
    page = (eval_dir / "leaderboard.html").read_text()
    assert "Overall (ru, n = 10, 10 in scope)" in page
    assert "Test Author · 2026-11-21. Oracle: an invented system for the tests." in page  # visible, not a tooltip


def test_page_plots_each_systems_overall_with_its_interval(board):
    from readouts.evaluation.leaderboard_html import PLOT_LABEL_WIDTH, PLOT_WIDTH

    eval_dir, loader, _ = board
    (table,) = build(eval_dir, loader, OPTIONS, warn=lambda m: None)
    page = (eval_dir / "leaderboard.html").read_text()
    assert page.count('<svg class="plot"') == 1 and page.count("<circle") == 3
    weak = next(e for e in table.entries if e.name == "topics-only").results["metrics"]["overall"]
    assert f'cx="{round(PLOT_LABEL_WIDTH + weak["value"] * PLOT_WIDTH, 1)}"' in page
    assert f'x1="{round(PLOT_LABEL_WIDTH + weak["ci_low"] * PLOT_WIDTH, 1)}"' in page


def test_page_fits_a_1280_pixel_window_in_chromium(board, browser, tmp_path):
    """Before: the last column was cut off at 1280 px."""
    eval_dir, loader, _ = board
    path = eval_dir / "submissions" / "nearly" / "metadata.json"
    path.write_text(json.dumps(metadata("Nearly a very long system name with a version 2.1.0-rc3", release="v0.0.1",
                                        description="A long description. " * 20)), encoding="utf-8")
    build(eval_dir, loader, OPTIONS, warn=lambda m: None)
    browser.set_window_size(1280, 900)
    browser.get((eval_dir / "leaderboard.html").resolve().as_uri())
    inner = browser.execute_script("return document.documentElement.clientWidth")
    scroll = browser.execute_script("return document.documentElement.scrollWidth")
    assert scroll <= inner, f"page is {scroll} px wide in a {inner} px viewport"
    last = browser.find_elements("css selector", "table.board thead th")[-1]
    assert last.rect["x"] + last.rect["width"] <= inner
    about = browser.find_element("css selector", "td.system .about")
    assert about.is_displayed() and "Test Author" in about.text
    assert browser.find_element("css selector", "svg.plot circle").is_displayed()
    matrix = browser.find_element("css selector", "table.separability")
    assert matrix.is_displayed() and matrix.rect["x"] + matrix.rect["width"] <= inner
    browser.save_screenshot(str(tmp_path / "leaderboard-1280.png"))


# --- Separability of every pair, interval half-widths ----------------------------------------------

def test_pairwise_p_values_are_those_of_readouts_compare(repo, tiny_gold, tmp_path, capsys):
    """Each pair of a board gets the difference, interval and p-value that `readouts compare` prints for
    the same two files with the same seed and resamples; the Holm step adjusts them together."""
    from readouts.corpus import load_corpus
    from readouts.evaluation.goldset import gold_set_from_annotations
    from readouts.evaluation.leaderboard import holm
    from readouts.store import save_annotation

    for annotation in tiny_gold.values():
        save_annotation(annotation)
    perfect = [as_prediction(a) for a in tiny_gold.values()]
    eval_dir = tmp_path / "eval"
    for name, records in (("all", perfect), ("no-stance", [dict(r, stance=[]) for r in perfect]), ("half", perfect[:2])):
        folder = eval_dir / "submissions" / name
        folder.mkdir(parents=True)
        write_jsonl(folder / "predictions.jsonl", records)
        (folder / "metadata.json").write_text(json.dumps(metadata(name.title(), release="v0.0.1")), encoding="utf-8")
    (table,) = build(eval_dir, lambda *key: gold_set_from_annotations("gold", load_corpus()), OPTIONS, warn=lambda m: None)
    pairwise = json.loads((eval_dir / "results" / "pairwise" / "v0.0.1-standard-test.json").read_text())
    assert pairwise["systems"] == [e.name for e in table.entries] and pairwise["correction"] == "Holm-Bonferroni"
    assert [(p["a"], p["b"]) for p in pairwise["pairs"]] == [(a.name, b.name) for i, a in enumerate(table.entries)
                                                             for b in table.entries[i + 1:]]
    for pair in pairwise["pairs"]:
        a, b = (str(eval_dir / "submissions" / pair[k] / "predictions.jsonl") for k in ("a", "b"))
        assert main(["compare", a, b, "--gold-set", "gold", "--n-resamples", str(OPTIONS.n_resamples), "--json"]) == 0
        printed = json.loads(capsys.readouterr().out)["difference"]["overall"]
        assert (pair["difference"], pair["ci_low"], pair["ci_high"], pair["p_value"]) == \
            (printed["value"], printed["ci_low"], printed["ci_high"], printed["p_value"])
    assert [p["p_value_holm"] for p in pairwise["pairs"]] == holm([p["p_value"] for p in pairwise["pairs"]])
    assert all(p["separable"] == (p["p_value_holm"] < 0.05) for p in pairwise["pairs"])


def test_holm_adjusts_p_values_by_their_rank():
    from readouts.evaluation.leaderboard import holm

    # sorted: 0.01 x 3 = 0.03; 0.03 x 2 = 0.06; 0.04 x 1 = 0.04, raised to 0.06 to keep the order
    assert holm([0.01, 0.04, 0.03, None]) == [0.03, 0.06, 0.06, None]
    assert holm([0.6, 0.7]) == [1.0, 1.0] and holm([0.5, 0.001]) == [0.5, 0.002] and holm([]) == []


def _synthetic_board(adjusted: dict[str, float]):
    """Four systems a > b > c > d whose pairs ("ab", "ac", ...) have the given adjusted p-values."""
    from readouts.evaluation.leaderboard import Board, Entry, Pair

    entries = [Entry(name, {}, {}) for name in "abcd"]
    pairs = {(x, y): Pair(x, y, {"value": 0.1, "ci_low": 0.0, "ci_high": 0.2, "p_value": adjusted[x + y] / 2}, adjusted[x + y])
             for x, y in ("ab", "ac", "ad", "bc", "bd", "cd")}
    return Board(("v0.0.1", "standard", "test"), entries, pairs)


def test_ranking_summary_names_adjacent_ranks_and_the_exceptions():
    from readouts.evaluation.leaderboard import ranking_summary

    all_separable = dict.fromkeys(("ab", "ac", "ad", "bc", "bd", "cd"), 0.001)
    assert ranking_summary(_synthetic_board(all_separable)) == "1 > 2 > 3 > 4"
    # b, c, d are each close to the next, but b and d are far apart; a and c not separable despite a > b
    mixed = dict(all_separable, bc=0.2, cd=0.3, ac=0.06)
    assert ranking_summary(_synthetic_board(mixed)) == "1 > 2 ≈ 3 ≈ 4; also 1 ≈ 3, 2 > 4"


def test_both_pages_show_the_separability_matrix_and_the_supported_ranking(board):
    """Before: only each system against the leader; nothing said whether 2 and 3 could be told apart."""
    eval_dir, loader, _ = board
    (table,) = build(eval_dir, loader, OPTIONS, warn=lambda m: None)
    assert [table.pair(table.entries[0], e).separable for e in table.entries[1:]] == [False, True]
    assert table.pair(table.entries[1], table.entries[2]).separable
    ranking = "Ranking the board supports (by rank, Holm-Bonferroni, alpha = 0.05): 1 ≈ 2 > 3."
    markdown = (eval_dir / "LEADERBOARD.md").read_text()
    assert ranking in markdown and "Holm-Bonferroni across the board's pairs" in markdown
    rows = {line.split(" | ")[1]: line for line in markdown.splitlines() if line.startswith(("| 1 | Oracle", "| 2 | Nearly"))}
    first = table.pair(table.entries[0], table.entries[1])
    assert f"| ≈ {first.adjusted_p_value:.3f} ({first.difference['p_value']:.3f}) | > " in rows["Oracle"]
    assert rows["Nearly"].startswith("| 2 | Nearly |  | > ")
    page = (eval_dir / "leaderboard.html").read_text()
    assert escape(ranking) in page and page.count('<table class="separability">') == 1
    assert page.count('<td class="separable"') == 2 and page.count('<td class="not-separable"') == 1


def test_half_widths_are_shown_and_checked(board, capsys):
    eval_dir, loader, _ = board
    (table,) = build(eval_dir, loader, OPTIONS, warn=lambda m: None)
    widest = max(table.entries, key=lambda e: e.half_width)
    assert widest.half_width > 0
    assert f"| {table.half_width_title} |" in (eval_dir / "LEADERBOARD.md").read_text()
    assert f'<span class="pm">±{widest.half_width:.3f}</span>' in (eval_dir / "leaderboard.html").read_text()
    check = ["leaderboard", "check", "--eval-dir", str(eval_dir), "--max-half-width"]
    assert main(check + [str(widest.half_width)]) == 0
    assert f"±{widest.half_width:.3f}  {widest.metadata['system_name']}" in capsys.readouterr().out
    assert main(check + [str(widest.half_width - 0.0001)]) == 1
    captured = capsys.readouterr()
    assert widest.metadata["system_name"] in captured.err and "Oracle" not in captured.err
    for bad in ("0", "wide"):
        with pytest.raises(SystemExit) as refused:
            main(check + [bad])
        assert refused.value.code == 2
    assert main(["leaderboard", "check", "--eval-dir", str(eval_dir / "nothing"), "--max-half-width", "0.1"]) == 2
    assert "run `readouts leaderboard build` first" in capsys.readouterr().err


def test_too_few_resamples_for_the_pairs_are_warned_about(board):
    """With m pairs the smallest Holm-adjusted p-value is m / (resamples + 1): too few resamples and no
    pair can be separable, whatever the systems."""
    eval_dir, loader, _ = board
    warnings = []
    (table,) = build(eval_dir, loader, Options(n_resamples=50), warn=warnings.append)
    assert not any(pair.separable for pair in table.pairs.values())
    assert warnings == ["warning: release v0.0.1 · setting standard · split test: with 3 pairs and 50 resamples the smallest "
                        "Holm-Bonferroni-adjusted p-value is 3/51, not below 0.05: no pair can be separable; build with "
                        "--n-resamples 60 or more"]
    build(eval_dir, loader, Options(n_resamples=59), warn=warnings.append)
    assert len(warnings) == 2  # 3/60 is 0.05: still not below
    build(eval_dir, loader, Options(n_resamples=60), warn=warnings.append)
    assert len(warnings) == 2


def test_committed_page_fits_a_1280_pixel_window_in_chromium(browser):
    """The published page, with its real names, n per language and separability matrices: before, a ±
    column of its own pushed the standard board 22 px past a 1280-pixel window."""
    from conftest import REPO

    browser.set_window_size(1280, 900)
    browser.get((REPO / "eval" / "leaderboard.html").resolve().as_uri())
    inner = browser.execute_script("return document.documentElement.clientWidth")
    assert browser.execute_script("return document.documentElement.scrollWidth") <= inner
    matrices = browser.find_elements("css selector", "table.separability")
    assert matrices and all(m.rect["x"] + m.rect["width"] <= inner for m in matrices)
