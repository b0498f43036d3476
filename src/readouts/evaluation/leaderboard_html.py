"""The static leaderboard page: one self-contained HTML file (inline CSS, JS and SVG, no network) with, per
setting, a plot of each system's overall score and interval and a sortable table whose system column
shows the authors, date, link and description, a separability matrix of every pair of systems with the
ranking it supports, and a language filter that shows the columns of one language. Laid out to fit a
1280-pixel-wide window: intervals go under their values, descriptions wrap."""

from html import escape

from .evaluate import Options
from .leaderboard import (CORRECTION, HEADLINE_TITLES, LANGUAGES, MATRIX_NOTE, Board, Entry, Pair, language_heading, language_overall, matrix_cell,
                          ranking_line, releases_line, significance_note)
from .scoring import HEADLINES

CSS = """
body { font-family: system-ui, sans-serif; margin: 1.5rem; color: #1b1b1b; max-width: 1240px; }
table { border-collapse: collapse; margin: .5rem 0 2rem; width: 100%; }
th, td { border-bottom: 1px solid #ccc; padding: .3rem .4rem; text-align: right; vertical-align: top; }
th { cursor: pointer; background: #f2f2f2; user-select: none; font-size: .85em; }
td { white-space: nowrap; font-variant-numeric: tabular-nums; }
th[aria-sort="ascending"]::after { content: " ▲"; } th[aria-sort="descending"]::after { content: " ▼"; }
td.system, th.system { text-align: left; white-space: normal; }
td.system { min-width: 14rem; max-width: 22rem; }
.about { color: #444; font-size: .8em; margin-top: .15rem; }
tr.tied td { background: #fff8e0; }
.ci { color: #666; font-size: .8em; display: block; }
.pm { color: #444; font-size: .8em; }
.hidden { display: none; }
svg.plot { display: block; margin: .5rem 0; max-width: 100%; }
svg.plot text { font-size: 12px; fill: #1b1b1b; }
table.separability { width: auto; margin: .3rem 0 .5rem; }
table.separability th { cursor: default; }
table.separability th.system { max-width: 22rem; }
td.separable { background: #e6f2e6; }
.ranking { margin: 0 0 2rem; }
"""

JS = """
function sortTable(th) {
  const table = th.closest('table');
  const index = Array.from(th.parentNode.children).indexOf(th);
  const descending = th.getAttribute('aria-sort') !== 'descending';
  table.querySelectorAll('th').forEach(h => h.removeAttribute('aria-sort'));
  th.setAttribute('aria-sort', descending ? 'descending' : 'ascending');
  const body = table.tBodies[0];
  const rows = Array.from(body.rows);
  const key = r => r.cells[index].dataset.value;
  const numeric = th.dataset.type === 'number';
  rows.sort((a, b) => {
    let x = key(a), y = key(b);
    if (numeric) { x = x === '' ? -Infinity : parseFloat(x); y = y === '' ? -Infinity : parseFloat(y); }
    const order = x < y ? -1 : x > y ? 1 : 0;
    return descending ? -order : order;
  });
  rows.forEach(r => body.appendChild(r));
}
function filterLanguage(language) {
  document.querySelectorAll('[data-language]').forEach(cell => {
    cell.classList.toggle('hidden', language !== 'all' && cell.dataset.language !== language);
  });
}
document.querySelectorAll('table.board th').forEach(th => th.addEventListener('click', () => sortTable(th)));
document.getElementById('language').addEventListener('change', e => filterLanguage(e.target.value));
"""

# The plot: one row per system, x from 0 to 1.
PLOT_LABEL_WIDTH, PLOT_WIDTH, PLOT_ROW, PLOT_MARGIN = 300, 560, 22, 28


def _metric_cell(metric: dict | None, language: str | None = None, half_width: float | None = None) -> str:
    """A value with its interval under it; with ``half_width``, the interval's ± beside the value (a column of its
    own would not fit the 1280-pixel page)."""
    attribute = f' data-language="{language}"' if language else ""
    if metric is None or metric["value"] is None:
        return f'<td data-value=""{attribute} title="not applicable">–</td>'
    plus_minus = "" if half_width is None else f' <span class="pm">±{half_width:.3f}</span>'
    return (f'<td data-value="{metric["value"]:.6f}"{attribute}>{metric["value"]:.3f}{plus_minus}'
            f'<span class="ci">[{metric["ci_low"]:.3f}, {metric["ci_high"]:.3f}]</span></td>')


def _header(board: Board) -> str:
    cells = ['<th data-type="number">#</th>', '<th class="system" data-type="text">System</th>',
             f'<th data-type="number">Overall {board.half_width_title}</th>', *[f'<th data-type="number">{title}</th>' for title in HEADLINE_TITLES],
             *[f'<th data-type="number" data-language="{lang}">{escape(language_heading(board, lang))}</th>' for lang in LANGUAGES],
             '<th data-type="number">Missing docs</th>']
    return "<tr>" + "".join(cells) + "</tr>"


def _system_cell(entry: Entry) -> str:
    metadata = entry.metadata
    name = escape(metadata["system_name"])
    if metadata["url"].startswith(("http://", "https://")):
        name = f'<a href="{escape(metadata["url"])}">{name}</a>'
    marker = (f' <span title="not separable from the leader ({CORRECTION}-adjusted p = {entry.p_value_vs_leader:.3f})">≈</span>'
              if entry.tied_with_leader else "")
    about = f"{escape(', '.join(metadata['authors']))} · {escape(metadata['date'])}. {escape(metadata['description'])}"
    return (f'<td class="system" data-value="{escape(metadata["system_name"])}">{name}{marker}'
            f'<div class="about">{about}</div></td>')


def _row(rank: int, entry: Entry) -> str:
    metrics = entry.results["metrics"]
    missing = entry.results["documents"]["missing"]
    cells = [f'<td data-value="{rank}">{rank}</td>', _system_cell(entry),
             _metric_cell(metrics["overall"], half_width=entry.half_width),
             *[_metric_cell(metrics[h]) for h in HEADLINES],
             *[_metric_cell(language_overall(entry, lang), lang) for lang in LANGUAGES],
             f'<td data-value="{missing}">{missing}</td>']
    return f'<tr class="{"tied" if entry.tied_with_leader else ""}" data-system="{escape(entry.name)}">' + "".join(cells) + "</tr>"


def _matrix_cell(pair: Pair) -> str:
    mark, p_values = matrix_cell(pair)
    difference = pair.difference
    about = "" if difference["value"] is None else (f' title="overall difference {difference["value"]:+.3f} '
                                                    f'[{difference["ci_low"]:+.3f}, {difference["ci_high"]:+.3f}]"')
    return f'<td class="{"separable" if pair.separable else "not-separable"}"{about}>{mark} {p_values}</td>'


def render_matrix(board: Board) -> str:
    """Each system against every lower-ranked one (upper triangle), then the ranking the board supports."""
    entries = board.entries
    if len(entries) < 2:
        return '<p class="ranking">Separability: one system, nothing to compare.</p>'
    header = '<tr><th>#</th><th class="system">System</th>' + "".join(f"<th>{rank}</th>" for rank in range(2, len(entries) + 1)) + "</tr>"
    rows = []
    for i, higher in enumerate(entries[:-1]):
        cells = ["<td></td>" if j <= i else _matrix_cell(board.pair(higher, lower)) for j, lower in enumerate(entries[1:], 1)]
        rows.append(f'<tr><td>{i + 1}</td><td class="system">{escape(higher.metadata["system_name"])}</td>{"".join(cells)}</tr>')
    return (f'<p>{escape(MATRIX_NOTE)}</p>\n<table class="separability">\n<thead>{header}</thead>\n<tbody>\n'
            + "\n".join(rows) + f'\n</tbody>\n</table>\n<p class="ranking">{escape(ranking_line(board))}</p>')


def _x(value: float) -> float:
    return round(PLOT_LABEL_WIDTH + value * PLOT_WIDTH, 1)


def render_plot(board: Board) -> str:
    """An SVG dot-and-interval plot of each system's overall score (0 to 1), in board order."""
    height = PLOT_MARGIN + PLOT_ROW * len(board.entries) + 6
    parts = [f'<svg class="plot" role="img" width="{PLOT_LABEL_WIDTH + PLOT_WIDTH + 20}" height="{height}" '
             f'aria-label="overall score and interval of each system, {escape(board.title)}">']
    for tick in (0, 0.25, 0.5, 0.75, 1):
        parts.append(f'<line x1="{_x(tick)}" x2="{_x(tick)}" y1="16" y2="{height - 4}" stroke="#ddd"/>'
                     f'<text x="{_x(tick)}" y="12" text-anchor="middle">{tick:g}</text>')
    for row, entry in enumerate(board.entries):
        y = PLOT_MARGIN + row * PLOT_ROW + PLOT_ROW / 2
        overall = entry.results["metrics"]["overall"]
        label = escape(entry.metadata["system_name"])
        parts.append(f'<text x="{PLOT_LABEL_WIDTH - 8}" y="{y + 4}" text-anchor="end">{label}</text>')
        if overall["value"] is None:
            parts.append(f'<text x="{_x(0)}" y="{y + 4}">– (not applicable)</text>')
            continue
        parts.append(f'<line class="interval" x1="{_x(overall["ci_low"])}" x2="{_x(overall["ci_high"])}" y1="{y}" y2="{y}" '
                     f'stroke="#555" stroke-width="2"/>'
                     f'<circle data-system="{escape(entry.name)}" cx="{_x(overall["value"])}" cy="{y}" r="4.5" fill="#1f5fa8">'
                     f'<title>{label}: {overall["value"]:.3f} [{overall["ci_low"]:.3f}, {overall["ci_high"]:.3f}]</title></circle>')
    parts.append("</svg>")
    return "".join(parts)


def render_html(boards: list[Board], options: Options) -> str:
    sections = []
    for board in boards:
        rows = "\n".join(_row(rank, entry) for rank, entry in enumerate(board.entries, 1))
        sections.append(f'<h2>{escape(board.title)}</h2>\n{render_plot(board)}\n'
                        f'<table class="board" data-setting="{escape(board.key[1])}">\n'
                        f"<thead>{_header(board)}</thead>\n<tbody>\n{rows}\n</tbody>\n</table>\n{render_matrix(board)}")
    body = "\n".join(sections) or '<p id="empty">No submissions yet.</p>'
    options_html = "".join(f'<option value="{v}">{label}</option>' for v, label in [("all", "all languages"), *[(lang, lang) for lang in LANGUAGES]])
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Readouts leaderboard</title>
<style>{CSS}</style>
</head>
<body>
<h1>Readouts leaderboard</h1>
<p id="pinned">{escape(releases_line(boards))}</p>
<p>{escape(significance_note(options))} The plot shows each system's overall score (dot) and its interval (line).
Click a column header to sort; shaded rows are the ones marked ≈; in a separability matrix, shaded cells are
separable pairs (hover a cell for the difference and its interval).</p>
<p><label for="language">Per-language columns: </label><select id="language">{options_html}</select></p>
{body}
<script>{JS}</script>
</body>
</html>
"""
