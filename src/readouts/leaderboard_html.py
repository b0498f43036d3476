"""The static leaderboard page: one self-contained HTML file (inline CSS and JS, no network) with a
sortable table per setting and a language filter that shows the columns of one language."""

from html import escape

from .evaluate import Options
from .leaderboard import LANGUAGES, Board, language_overall, releases_line, significance_note
from .scoring import HEADLINES

CSS = """
body { font-family: system-ui, sans-serif; margin: 2rem; color: #1b1b1b; }
table { border-collapse: collapse; margin: 1rem 0 2rem; }
th, td { border-bottom: 1px solid #ccc; padding: .35rem .6rem; text-align: right; white-space: nowrap; }
th { cursor: pointer; background: #f2f2f2; user-select: none; }
th[aria-sort="ascending"]::after { content: " ▲"; } th[aria-sort="descending"]::after { content: " ▼"; }
td.system, th.system { text-align: left; }
tr.tied td { background: #fff8e0; }
.ci { color: #666; font-size: .85em; }
.hidden { display: none; }
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
document.querySelectorAll('th').forEach(th => th.addEventListener('click', () => sortTable(th)));
document.getElementById('language').addEventListener('change', e => filterLanguage(e.target.value));
"""


def _metric_cell(metric: dict | None, language: str | None = None) -> str:
    attribute = f' data-language="{language}"' if language else ""
    if metric is None:
        return f'<td data-value=""{attribute}>–</td>'
    return (f'<td data-value="{metric["value"]:.6f}"{attribute}>{metric["value"]:.3f} '
            f'<span class="ci">[{metric["ci_low"]:.3f}, {metric["ci_high"]:.3f}]</span></td>')


def _header() -> str:
    cells = ['<th data-type="number">#</th>', '<th class="system" data-type="text">System</th>',
             '<th data-type="number">Overall</th>', '<th data-type="number">Topics micro-F1</th>',
             '<th data-type="number">Participants F1</th>', '<th data-type="number">Stance triple F1</th>',
             *[f'<th data-type="number" data-language="{lang}">Overall ({lang})</th>' for lang in LANGUAGES],
             '<th data-type="number">Missing docs</th>']
    return "<tr>" + "".join(cells) + "</tr>"


def _row(rank: int, entry) -> str:
    metadata, metrics = entry.metadata, entry.results["metrics"]
    name = escape(metadata["system_name"])
    if metadata["url"]:
        name = f'<a href="{escape(metadata["url"])}">{name}</a>'
    tied = entry.tied_with_leader
    title = escape(f"{', '.join(metadata['authors'])}. {metadata['description']} ({metadata['date']})")
    marker = f' <span title="not significantly different from the leader (p = {entry.p_value_vs_leader:.3f})">≈</span>' if tied else ""
    cells = [f'<td data-value="{rank}">{rank}</td>',
             f'<td class="system" data-value="{escape(metadata["system_name"])}" title="{title}">{name}{marker}</td>',
             _metric_cell(metrics["overall"]), *[_metric_cell(metrics[h]) for h in HEADLINES],
             *[_metric_cell(language_overall(entry, lang), lang) for lang in LANGUAGES],
             f'<td data-value="{entry.results["documents"]["missing"]}">{entry.results["documents"]["missing"]}</td>']
    return f'<tr class="{"tied" if tied else ""}" data-system="{escape(entry.name)}">' + "".join(cells) + "</tr>"


def render_html(boards: list[Board], options: Options) -> str:
    sections = []
    for board in boards:
        rows = "\n".join(_row(rank, entry) for rank, entry in enumerate(board.entries, 1))
        sections.append(f'<h2>{escape(board.title)}</h2>\n<table class="board" data-setting="{escape(board.key[1])}">\n'
                        f"<thead>{_header()}</thead>\n<tbody>\n{rows}\n</tbody>\n</table>")
    body = "\n".join(sections) or '<p id="empty">No submissions yet.</p>'
    options_html = "".join(f'<option value="{v}">{label}</option>' for v, label in [("all", "all languages"), *[(lang, lang) for lang in LANGUAGES]])
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Readouts leaderboard</title>
<style>{CSS}</style>
</head>
<body>
<h1>Readouts leaderboard</h1>
<p id="pinned">{escape(releases_line(boards))}</p>
<p>{escape(significance_note(options))} Click a column header to sort; shaded rows are the ones marked ≈.</p>
<p><label for="language">Per-language columns: </label><select id="language">{options_html}</select></p>
{body}
<script>{JS}</script>
</body>
</html>
"""
