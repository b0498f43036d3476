"""The leaderboard: metadata validation, re-scoring, deterministic output, significance marks, and the
HTML page driven in real headless Chromium (sorting and the language filter)."""

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import as_prediction, build_gold_set, replicate, write_jsonl
from readouts.cli import main
from readouts.errors import InputError
from readouts.evaluate import Options
from readouts.leaderboard import build

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


def test_committed_leaderboard_is_what_the_submissions_score(tmp_path, monkeypatch):
    """The published board is reproducible from the committed submissions and gold, without corpus text:
    rebuilding it gives byte-identical files (so no number on it was typed by hand)."""
    from conftest import REPO
    monkeypatch.setenv("READOUTS_ROOT", str(REPO))
    monkeypatch.setenv("READOUTS_CORPUS", str(tmp_path / "no-corpus.jsonl"))
    shutil.copytree(REPO / "eval" / "submissions", tmp_path / "eval" / "submissions")
    assert main(["leaderboard", "build", "--eval-dir", str(tmp_path / "eval")]) == 0
    for name in ("LEADERBOARD.md", "leaderboard.html"):
        assert (tmp_path / "eval" / name).read_bytes() == (REPO / "eval" / name).read_bytes(), \
            f"eval/{name} is stale: run `readouts leaderboard build`"
    for result in sorted((REPO / "eval" / "results").glob("*.json")):
        assert (tmp_path / "eval" / "results" / result.name).read_bytes() == result.read_bytes()


# --- All or nothing, escaping, order, page layout --------------------------------------------------

def _snapshot(eval_dir: Path) -> dict:
    return {p.relative_to(eval_dir): p.read_bytes() for p in sorted(eval_dir.rglob("*"))
            if p.is_file() and "submissions" not in p.parts}


def test_a_failed_build_leaves_results_and_board_as_they_were(board, monkeypatch):
    """Before: results were rewritten one by one before the pages were rendered."""
    import readouts.leaderboard_html

    eval_dir, loader, _ = board
    build(eval_dir, loader, OPTIONS, warn=lambda m: None)
    before = _snapshot(eval_dir)
    write_jsonl(eval_dir / "submissions" / "oracle" / "predictions.jsonl", [])  # changes oracle's results
    (eval_dir / "submissions" / "oracle" / "predictions.jsonl").write_text('{"document_id": "x"}\n', encoding="utf-8")
    with pytest.raises(InputError):
        build(eval_dir, loader, OPTIONS, warn=lambda m: None)
    assert _snapshot(eval_dir) == before
    shutil.copy(eval_dir / "submissions" / "nearly" / "predictions.jsonl", eval_dir / "submissions" / "oracle" / "predictions.jsonl")
    monkeypatch.setattr(readouts.leaderboard_html, "render_html", lambda boards, options: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        build(eval_dir, loader, OPTIONS, warn=lambda m: None)
    assert _snapshot(eval_dir) == before
    assert not [p for p in eval_dir.iterdir() if p.name.startswith(".")]  # no staging folder left behind


def test_results_of_a_removed_submission_disappear(board):
    eval_dir, loader, _ = board
    build(eval_dir, loader, OPTIONS, warn=lambda m: None)
    shutil.rmtree(eval_dir / "submissions" / "nearly")
    build(eval_dir, loader, OPTIONS, warn=lambda m: None)
    assert sorted(p.name for p in (eval_dir / "results").iterdir()) == ["oracle.json", "topics-only.json"]


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
    table_rows = [line for line in markdown.splitlines() if line.startswith("| 2 ")]
    assert len(table_rows) == 1 and len(re.split(r"(?<!\\)\|", table_rows[0])) - 2 == 10  # 10 cells as in the header, none injected
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
    from readouts.leaderboard_html import PLOT_LABEL_WIDTH, PLOT_WIDTH

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
    browser.save_screenshot(str(tmp_path / "leaderboard-1280.png"))
