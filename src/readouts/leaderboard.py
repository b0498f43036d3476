"""The leaderboard: re-score every submission under ``eval/submissions/<name>/`` against the release its
metadata names, write ``eval/results/<name>.json``, and render ``eval/LEADERBOARD.md`` and
``eval/leaderboard.html``. One table per (release, setting, split), the standard setting first; rows whose
overall score is not significantly different from the leader's (paired bootstrap, two-sided, alpha = 0.05)
are marked. Everything is scored and rendered before anything is written, and the results folder and the
two pages are then swapped in together, so a failure leaves the previous board intact. Output is
deterministic: no timestamps, sorted everything."""

import os
import re
import shutil
import sys
import tempfile
from urllib.parse import quote
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from . import __version__
from .evaluate import NOT_APPLICABLE, Options, compare, evaluate, show_interval
from .goldset import SETTINGS, GoldSet, gold_set_from_release
from .jsonio import canonical_json, read_json
from .schema import require_valid
from .scoring import HEADLINES
from .submission import read_submission

ALPHA = 0.05
LANGUAGES = ("en", "uk", "ru")


@dataclass
class Entry:
    name: str
    metadata: dict
    results: dict
    p_value_vs_leader: float | None = None  # None for the leader

    @property
    def overall(self) -> float | None:
        return self.results["metrics"]["overall"]["value"]

    @property
    def tied_with_leader(self) -> bool:
        return self.p_value_vs_leader is not None and self.p_value_vs_leader >= ALPHA


@dataclass
class Board:
    key: tuple[str, str, str]  # release, setting, split
    entries: list[Entry]

    @property
    def title(self) -> str:
        release, setting, split = self.key
        return f"release {release} · setting {setting} · split {split}"

    def language_counts(self, language: str) -> tuple[int, int] | None:
        """(documents, in-scope documents) of ``language`` in this board's gold; None when it has none."""
        group = self.entries[0].results["breakdowns"]["language"].get(language)
        return None if group is None else (group["documents"], group["in_scope"])


def board_order(key: tuple[str, str, str]) -> tuple:
    """Boards by release, then the standard setting before the others (in SETTINGS order), then split."""
    release, setting, split = key
    return release, SETTINGS.index(setting) if setting in SETTINGS else len(SETTINGS), setting, split


def read_metadata(folder: Path) -> dict:
    path = folder / "metadata.json"
    metadata = read_json(path)
    require_valid("submission-metadata", metadata, str(path))
    return metadata


def score_all(eval_dir: Path, gold_loader: Callable[[str, str, str], GoldSet] = gold_set_from_release,
              options: Options = Options(), warn=print) -> list[Board]:
    """Score every submission under ``eval_dir/submissions`` (nothing is written)."""
    submissions_dir = eval_dir / "submissions"
    folders = sorted(p for p in submissions_dir.iterdir() if p.is_dir()) if submissions_dir.is_dir() else []
    golds: dict[tuple, GoldSet] = {}
    scored: dict[tuple, list[tuple[Entry, object, GoldSet]]] = {}
    for folder in folders:
        metadata = read_metadata(folder)
        key = (metadata["release"], metadata["setting"], metadata["split"])
        if key not in golds:
            golds[key] = gold_loader(*[metadata[k] for k in ("release", "split", "setting")])
        submission = read_submission(folder / "predictions.jsonl", golds[key], warn=warn)
        results = evaluate(golds[key], submission, options, source=f"eval/submissions/{folder.name}/predictions.jsonl")
        scored.setdefault(key, []).append((Entry(folder.name, metadata, results), submission, golds[key]))
    boards = []
    for key in sorted(scored, key=board_order):
        rows = sorted(scored[key], key=lambda row: (row[0].overall is None, -(row[0].overall or 0), row[0].name))
        leader_submission = rows[0][1]
        for entry, submission, gold in rows[1:]:
            entry.p_value_vs_leader = compare(gold, leader_submission, submission, options)["difference"]["overall"]["p_value"]
        boards.append(Board(key, [row[0] for row in rows]))
    return boards


def build(eval_dir: Path, gold_loader: Callable[[str, str, str], GoldSet] = gold_set_from_release,
          options: Options = Options(), warn=print) -> list[Board]:
    """Score every submission and write results, LEADERBOARD.md and leaderboard.html under ``eval_dir``,
    all or nothing."""
    from .leaderboard_html import render_html

    boards = score_all(eval_dir, gold_loader, options, warn)
    pages = {"LEADERBOARD.md": render_markdown(boards, options), "leaderboard.html": render_html(boards, options)}
    results = {f"{entry.name}.json": canonical_json(entry.results) for board in boards for entry in board.entries}
    _swap_in(eval_dir, results, pages)
    return boards


def _swap_in(eval_dir: Path, results: dict[str, str], pages: dict[str, str]) -> None:
    """Write every file beside its destination first, then rename them all into place (the results folder
    as a whole, so results of removed submissions go too). A failure while writing leaves the old files."""
    eval_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".build-", dir=eval_dir))
    try:
        if results:
            (staging / "results").mkdir()
        for name, text in results.items():
            (staging / "results" / name).write_text(text, encoding="utf-8")
        for name, text in pages.items():
            (staging / name).write_text(text, encoding="utf-8")
        for path in staging.rglob("*"):
            if path.is_file():
                with open(path, "rb") as handle:
                    os.fsync(handle.fileno())
        old_results = eval_dir / "results"
        if old_results.exists():
            os.replace(old_results, staging / "previous-results")
        if results:
            os.replace(staging / "results", old_results)
        for name in pages:
            os.replace(staging / name, eval_dir / name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def language_overall(entry: Entry, language: str) -> dict | None:
    return entry.results["breakdowns"]["language"].get(language, {}).get("metrics", {}).get("overall")


def releases_line(boards: list[Board]) -> str:
    releases = sorted({board.key[0] for board in boards})
    return f"Dataset release{'s' if len(releases) > 1 else ''}: {', '.join(releases) or 'none'} · harness readouts {__version__}"


def significance_note(options: Options) -> str:
    return (f"Intervals: {round(options.confidence_level * 100)}% document-level bootstrap, {options.n_resamples} resamples, "
            f"seed {options.seed}. ≈ marks a system whose overall score is not significantly different from the leader's "
            f"(paired bootstrap over documents, two-sided, alpha = {ALPHA}). – marks a score that does not apply "
            f"(nothing to find and nothing predicted).")


def language_heading(board: Board, language: str) -> str:
    counts = board.language_counts(language)
    return f"Overall ({language})" if counts is None else f"Overall ({language}, n = {counts[0]}, {counts[1]} in scope)"


HEADLINE_TITLES = ("Topics micro-F1", "Participants F1", "Stance F1 (doc. avg.)")


def _cell(metric: dict | None) -> str:
    return NOT_APPLICABLE if metric is None else show_interval(metric)


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]|~])")  # the rest only matters at a line start, which the text never is


def markdown_text(value: str) -> str:
    """Submission metadata as inert Markdown text on one line: no HTML, table cells, headings, links or
    emphasis can come out of it."""
    one_line = " ".join(str(value).split())
    escaped = one_line.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MARKDOWN_SPECIAL.sub(r"\\\1", escaped)


def markdown_url(url: str) -> str | None:
    """An http(s) URL safe inside ``[text](url)``; None for anything else."""
    if not re.match(r"https?://", url):
        return None
    return quote(url, safe=":/?#@!$&'*+,;=%-._~")


def markdown_link(metadata: dict) -> str:
    """The system name, linked to its URL when that is an http(s) URL."""
    name, url = markdown_text(metadata["system_name"]), markdown_url(metadata["url"])
    return f"[{name}]({url})" if url else name


def render_markdown(boards: list[Board], options: Options) -> str:
    lines = ["# Readouts leaderboard", "", "Generated by `readouts leaderboard build` from `eval/submissions/`; do not edit by hand.", "",
             releases_line(boards) + "  ", significance_note(options), ""]
    if not boards:
        lines += ["No submissions yet. See docs/evaluation.md, \"Leaderboard\", for how to add one.", ""]
    for board in boards:
        header = ["#", "System", "Overall", *HEADLINE_TITLES, *[language_heading(board, lang) for lang in LANGUAGES], "Missing docs"]
        lines += [f"## {board.title}", "", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        for rank, entry in enumerate(board.entries, 1):
            metrics = entry.results["metrics"]
            marker = " ≈" if entry.tied_with_leader else ""
            cells = [str(rank), markdown_link(entry.metadata) + marker, _cell(metrics["overall"]),
                     *[_cell(metrics[h]) for h in HEADLINES],
                     *[_cell(language_overall(entry, language)) for language in LANGUAGES], str(entry.results["documents"]["missing"])]
            lines.append("| " + " | ".join(cells) + " |")
        lines += ["", "Systems:", ""]
        for entry in board.entries:
            metadata = entry.metadata
            lines.append(f"- **{markdown_text(metadata['system_name'])}** ({markdown_text(', '.join(metadata['authors']))}, "
                         f"{markdown_text(metadata['date'])}): {markdown_text(metadata['description'])}")
        lines.append("")
    return "\n".join(lines)


def build_or_explain(eval_dir: Path, options: Options) -> int:
    """CLI entry: build, then say what was built (or that there was nothing to build)."""
    boards = build(eval_dir, options=options, warn=lambda message: print(message, file=sys.stderr))
    if not boards:
        print(f"no submissions under {eval_dir / 'submissions'}: wrote an empty leaderboard")
    for board in boards:
        print(f"{board.title}: {len(board.entries)} systems, leader {board.entries[0].metadata['system_name']}")
    print(f"wrote {eval_dir / 'results'}, {eval_dir / 'LEADERBOARD.md'} and {eval_dir / 'leaderboard.html'}")
    return 0
