"""The leaderboard: re-score every submission under ``eval/submissions/<name>/`` against the release its
metadata names, write ``eval/results/<name>.json``, and render ``eval/LEADERBOARD.md`` and
``eval/leaderboard.html``. One table per (release, setting, split), the standard setting first, each
followed by a separability matrix: every pair of systems compared on overall (paired bootstrap, two-sided),
with Holm-Bonferroni across the board's pairs so that a board of many systems does not find differences by
chance; rows not separable from the leader are marked. The pairwise results go to
``eval/results/pairwise/<release>-<setting>-<split>.json``. Everything is scored and rendered before
anything is written, and the results folder and the two pages are then swapped in together, so a failure
leaves the previous board intact. Output is deterministic: no timestamps, sorted everything."""

import math
import os
import re
import shutil
import sys
import tempfile
from urllib.parse import quote
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .. import __version__
from .evaluate import NOT_APPLICABLE, Options, compare, evaluate, show_interval
from .goldset import SETTINGS, GoldSet, gold_set_from_release
from ..errors import CheckFailed, InputError
from ..jsonio import canonical_json, read_json
from ..releases import parse_version
from ..schema import require_valid
from .scoring import HEADLINES
from .submission import read_submission

ALPHA = 0.05
LANGUAGES = ("en", "uk", "ru")
CORRECTION = "Holm-Bonferroni"
STANDARD_TEST = ("standard", "test")  # the board whose interval widths the benchmark's size targets


@dataclass(frozen=True)
class Pair:
    """The paired comparison of two systems of one board on overall, the higher-ranked one first: ``compare``'s
    difference (value, interval, unadjusted p-value) and the p-value after the board's Holm-Bonferroni step."""
    higher: str
    lower: str
    difference: dict
    adjusted_p_value: float | None  # None when overall does not apply to one of them

    @property
    def separable(self) -> bool:
        return self.adjusted_p_value is not None and self.adjusted_p_value < ALPHA


@dataclass
class Entry:
    name: str
    metadata: dict
    results: dict
    leader_pair: Pair | None = None  # None for the leader

    @property
    def overall(self) -> float | None:
        return self.results["metrics"]["overall"]["value"]

    @property
    def half_width(self) -> float | None:
        """Half the width of the overall interval: the "±" a reader can quote."""
        return half_width(self.results["metrics"]["overall"])

    @property
    def p_value_vs_leader(self) -> float | None:
        """The adjusted p-value of this system against the leader (None for the leader)."""
        return None if self.leader_pair is None else self.leader_pair.adjusted_p_value

    @property
    def tied_with_leader(self) -> bool:
        return self.leader_pair is not None and not self.leader_pair.separable


@dataclass
class Board:
    key: tuple[str, str, str]  # release, setting, split
    entries: list[Entry]
    pairs: dict[tuple[str, str], Pair] = field(default_factory=dict)  # (higher, lower) entry names

    def pair(self, higher: Entry, lower: Entry) -> Pair:
        return self.pairs[higher.name, lower.name]

    @property
    def title(self) -> str:
        release, setting, split = self.key
        return f"release {release} · setting {setting} · split {split}"

    @property
    def level(self) -> int:
        """The confidence level of the board's intervals, in percent."""
        return round(self.entries[0].results["confidence_level"] * 100)

    @property
    def half_width_title(self) -> str:
        return f"± ({self.level}%)"

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


def rank_key(entry: Entry) -> tuple:
    """Board order: best overall first, not applicable last, equal scores by folder name."""
    return entry.overall is None, -(entry.overall or 0), entry.name


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
        rows = sorted(scored[key], key=lambda row: rank_key(row[0]))
        boards.append(Board(key, [row[0] for row in rows], compare_pairs(rows, options)))
        if len(boards[-1].pairs) / (options.n_resamples + 1) >= ALPHA:
            warn(f"warning: {boards[-1].title}: with {len(boards[-1].pairs)} pairs and {options.n_resamples} resamples the "
                 f"smallest {CORRECTION}-adjusted p-value is {len(boards[-1].pairs)}/{options.n_resamples + 1}, not below "
                 f"{ALPHA}: no pair can be separable; build with --n-resamples {math.ceil(len(boards[-1].pairs) / ALPHA)} or more")
        for entry in boards[-1].entries[1:]:
            entry.leader_pair = boards[-1].pair(boards[-1].entries[0], entry)
    return boards


def holm(p_values: list[float | None]) -> list[float | None]:
    """Holm-Bonferroni adjusted p-values (None stays None and is not counted as a test): the i-th smallest of
    m p-values is multiplied by m - i + 1, capped at 1 and made non-decreasing in that order."""
    tested = sorted((p, i) for i, p in enumerate(p_values) if p is not None)
    adjusted: list[float | None] = [None] * len(p_values)
    running = 0.0
    for rank, (p, i) in enumerate(tested):
        running = max(running, min(1.0, (len(tested) - rank) * p))
        adjusted[i] = round(running, 6)
    return adjusted


def compare_pairs(rows: list[tuple[Entry, object, GoldSet]], options: Options) -> dict[tuple[str, str], Pair]:
    """``compare`` on overall for every pair of a board's rows (in board order), Holm-adjusted together."""
    differences = {(high[0].name, low[0].name): compare(high[2], high[1], low[1], options)["difference"]["overall"]
                   for i, high in enumerate(rows) for low in rows[i + 1:]}
    adjusted = holm([d["p_value"] for d in differences.values()])
    return {names: Pair(*names, difference, p) for (names, difference), p in zip(differences.items(), adjusted)}


def half_width(metric: dict) -> float | None:
    if metric["value"] is None:
        return None
    return round((metric["ci_high"] - metric["ci_low"]) / 2, 6)


def pairwise_results(board: Board, options: Options) -> dict:
    """What eval/results/pairwise/<release>-<setting>-<split>.json holds: every pair's comparison."""
    release, setting, split = board.key
    pairs = [{"a": pair.higher, "b": pair.lower, "difference": pair.difference["value"], "ci_low": pair.difference["ci_low"],
              "ci_high": pair.difference["ci_high"], "p_value": pair.difference["p_value"],
              "p_value_holm": pair.adjusted_p_value, "separable": pair.separable} for pair in board.pairs.values()]
    return {"harness_version": __version__, "release": release, "setting": setting, "split": split, "metric": "overall",
            "test": "paired bootstrap over documents, two-sided", "correction": CORRECTION, "alpha": ALPHA,
            "seed": options.seed, "n_resamples": options.n_resamples, "confidence_level": options.confidence_level,
            "systems": [entry.name for entry in board.entries], "ranking": ranking_summary(board), "pairs": pairs}


def ranking_summary(board: Board) -> str:
    """The ranking claims the board supports, by rank: adjacent ranks joined by ">" (separable) or "≈" (not),
    then the pairs further apart whose separability that chain does not imply ("1 > 2 ≈ 3 > 4; also 1 > 3")."""
    entries = board.entries
    adjacent = [board.pair(a, b).separable for a, b in zip(entries, entries[1:])]
    chain = "1" + "".join(f" {'>' if separable else '≈'} {rank}" for rank, separable in enumerate(adjacent, 2))
    exceptions = [f"{i + 1} {'>' if board.pair(entries[i], entries[j]).separable else '≈'} {j + 1}"
                  for i in range(len(entries)) for j in range(i + 2, len(entries))
                  if board.pair(entries[i], entries[j]).separable != any(adjacent[i:j])]
    return chain + (f"; also {', '.join(exceptions)}" if exceptions else "")


def build(eval_dir: Path, gold_loader: Callable[[str, str, str], GoldSet] = gold_set_from_release,
          options: Options = Options(), warn=print) -> list[Board]:
    """Score every submission and write results, LEADERBOARD.md and leaderboard.html under ``eval_dir``,
    all or nothing."""
    from .leaderboard_html import render_html

    boards = score_all(eval_dir, gold_loader, options, warn)
    pages = {"LEADERBOARD.md": render_markdown(boards, options), "leaderboard.html": render_html(boards, options)}
    results = {f"{entry.name}.json": canonical_json(entry.results) for board in boards for entry in board.entries}
    results |= {f"pairwise/{'-'.join(board.key)}.json": canonical_json(pairwise_results(board, options)) for board in boards}
    _swap_in(eval_dir, results, pages)
    return boards


def _swap_in(eval_dir: Path, results: dict[str, str], pages: dict[str, str]) -> None:
    """Write every file beside its destination first, then rename them all into place (the results folder
    as a whole, so results of removed submissions go too). A failure while writing leaves the old files."""
    eval_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".build-", dir=eval_dir))
    try:
        for name, text in results.items():
            (staging / "results" / name).parent.mkdir(parents=True, exist_ok=True)
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
    level = round(options.confidence_level * 100)
    return (f"Intervals: {level}% document-level bootstrap, {options.n_resamples} resamples, seed {options.seed}; "
            f"± ({level}%) is half the width of the overall interval. Separability: every two systems of a board are compared "
            f"on overall by a paired bootstrap over documents (two-sided, as `readouts compare`), the p-values adjusted with "
            f"{CORRECTION} across the board's pairs; a pair is separable when its adjusted p-value is below alpha = {ALPHA}. "
            f"≈ marks a system not separable from the leader. – marks a score that does not apply (nothing to find and "
            f"nothing predicted).")


MATRIX_NOTE = ("Separability of overall: the row's system against the column's (by rank); > separable, ≈ not; "
               f"{CORRECTION}-adjusted p, unadjusted p in parentheses.")


def matrix_cell(pair: Pair) -> tuple[str, str]:
    """The mark and p-values of one matrix cell: (">" or "≈", "0.012 (0.004)")."""
    raw, adjusted = pair.difference["p_value"], pair.adjusted_p_value
    if adjusted is None:
        return "≈", NOT_APPLICABLE
    return (">" if pair.separable else "≈"), f"{adjusted:.3f} ({raw:.3f})"


def ranking_line(board: Board) -> str:
    return f"Ranking the board supports (by rank, {CORRECTION}, alpha = {ALPHA}): {ranking_summary(board)}."


def show_half_width(entry: Entry) -> str:
    return NOT_APPLICABLE if entry.half_width is None else f"±{entry.half_width:.3f}"


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
        header = ["#", "System", "Overall", board.half_width_title, *HEADLINE_TITLES, *[language_heading(board, lang) for lang in LANGUAGES], "Missing docs"]
        lines += [f"## {board.title}", "", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        for rank, entry in enumerate(board.entries, 1):
            metrics = entry.results["metrics"]
            marker = " ≈" if entry.tied_with_leader else ""
            cells = [str(rank), markdown_link(entry.metadata) + marker, _cell(metrics["overall"]), show_half_width(entry),
                     *[_cell(metrics[h]) for h in HEADLINES],
                     *[_cell(language_overall(entry, language)) for language in LANGUAGES], str(entry.results["documents"]["missing"])]
            lines.append("| " + " | ".join(cells) + " |")
        lines += ["", *markdown_matrix(board), "", "Systems:", ""]
        for entry in board.entries:
            metadata = entry.metadata
            lines.append(f"- **{markdown_text(metadata['system_name'])}** ({markdown_text(', '.join(metadata['authors']))}, "
                         f"{markdown_text(metadata['date'])}): {markdown_text(metadata['description'])}")
        lines.append("")
    return "\n".join(lines)


def markdown_matrix(board: Board) -> list[str]:
    """The separability matrix (upper triangle: each system against every lower-ranked one) and the ranking line."""
    entries = board.entries
    if len(entries) < 2:
        return ["Separability: one system, nothing to compare."]
    lines = [MATRIX_NOTE, "", "| # | System | " + " | ".join(str(rank) for rank in range(2, len(entries) + 1)) + " |",
             "|" + "---|" * (len(entries) + 1)]
    for i, higher in enumerate(entries[:-1]):
        cells = ["" if j <= i else " ".join(matrix_cell(board.pair(higher, lower))) for j, lower in enumerate(entries[1:], 1)]
        lines.append(f"| {i + 1} | {markdown_text(higher.metadata['system_name'])} | " + " | ".join(cells) + " |")
    return lines + ["", ranking_line(board)]


def standard_test_board(boards: list[Board]) -> Board | None:
    """The board of the standard setting's test split of the latest release on the leaderboard, if any."""
    candidates = [board for board in boards if board.key[1:] == STANDARD_TEST]
    return max(candidates, key=lambda board: parse_version(board.key[0]), default=None)


def half_width_lines(board: Board) -> list[str]:
    return [f"{board.title}: ± = half the width of the {board.level}% interval of overall",
            *[f"  {show_half_width(entry):>7}  {entry.metadata['system_name']}" for entry in board.entries]]


def build_or_explain(eval_dir: Path, options: Options) -> int:
    """CLI entry: build, then say what was built (or that there was nothing to build) and the interval
    half-widths of the standard test board."""
    boards = build(eval_dir, options=options, warn=lambda message: print(message, file=sys.stderr))
    if not boards:
        print(f"no submissions under {eval_dir / 'submissions'}: wrote an empty leaderboard")
    for board in boards:
        print(f"{board.title}: {len(board.entries)} systems, leader {board.entries[0].metadata['system_name']}; "
              f"{ranking_summary(board)}")
    standard = standard_test_board(boards)
    if standard:
        print("\n".join(half_width_lines(standard)))
    print(f"wrote {eval_dir / 'results'}, {eval_dir / 'LEADERBOARD.md'} and {eval_dir / 'leaderboard.html'}")
    return 0


def read_boards(eval_dir: Path) -> list[Board]:
    """The boards as the last build wrote them: ``eval/results/<name>.json`` with each submission's metadata
    (without the pairwise comparisons, which nothing here needs)."""
    grouped: dict[tuple, list[Entry]] = {}
    for path in sorted((eval_dir / "results").glob("*.json")):
        results = read_json(path)
        try:
            key = (results["release"], results["setting"], results["split"])
            half_width(results["metrics"]["overall"])
        except (KeyError, TypeError):
            raise InputError(f"{path}: not a results file of `readouts leaderboard build` (release, setting, split or "
                             "metrics.overall missing): run the build again") from None
        grouped.setdefault(key, []).append(Entry(path.stem, read_metadata(eval_dir / "submissions" / path.stem), results))
    return [Board(key, sorted(grouped[key], key=rank_key))
            for key in sorted(grouped, key=board_order)]


def check_half_widths(eval_dir: Path, max_half_width: float) -> int:
    """CLI entry: exit 1 naming every system of the latest standard test board whose overall interval is
    wider than ±``max_half_width`` (or has none)."""
    board = standard_test_board(read_boards(eval_dir))
    if board is None:
        raise InputError(f"{eval_dir / 'results'}: no results for the standard setting's test split: "
                         "run `readouts leaderboard build` first")
    print("\n".join(half_width_lines(board)))
    too_wide = [entry.metadata["system_name"] for entry in board.entries
                if entry.half_width is None or entry.half_width > max_half_width]
    if too_wide:
        raise CheckFailed(f"{len(too_wide)} of {len(board.entries)} systems on {board.title} have an overall interval "
                          f"wider than ±{max_half_width}: {'; '.join(too_wide)}")
    print(f"every system on {board.title} is within ±{max_half_width}")
    return 0
