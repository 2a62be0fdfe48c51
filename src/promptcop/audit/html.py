"""``--html FILE``: one self-contained page that opens offline.

Charts are inline SVG drawn here (spend per day by model, spend by model,
cache hit ratio per family); CSS and the one small script (sortable tables)
are inline too. The page references no URL at all, so it works air-gapped
and can be mailed as an attachment.
"""

from __future__ import annotations

from html import escape

from promptcop.audit.analyze import AuditResult
from promptcop.audit.families import RULE_FOR_CHANGE
from promptcop.audit.pricing import Totals

# Colour-blind-safe palette (Okabe-Ito); models beyond it share the last colour.
_PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#999999")

_CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px auto;max-width:1180px;
color:#1b1f24;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #ddd}
.kpis{display:flex;gap:12px;flex-wrap:wrap;margin:14px 0}
.kpi{border:1px solid #ddd;border-radius:8px;padding:10px 14px;min-width:150px}
.kpi b{display:block;font-size:20px}.kpi span{color:#555;font-size:12px}
table{border-collapse:collapse;width:100%;margin:6px 0}
th,td{padding:4px 8px;border-bottom:1px solid #eee;text-align:left;vertical-align:top}
th{cursor:pointer;background:#f6f8fa;user-select:none}td.n,th.n{text-align:right}
.muted{color:#666;font-size:12px}.rule{font-family:monospace;background:#eef;padding:0 4px}
svg text{font:12px system-ui,sans-serif;fill:#333}.legend span{margin-right:14px}
.legend i{display:inline-block;width:10px;height:10px;margin-right:4px}
"""

# Sortable tables; marks the page ready so tests can tell the script ran.
_SCRIPT = """
document.querySelectorAll("table.sortable th").forEach(function (th, col) {
  th.addEventListener("click", function () {
    var table = th.closest("table"), body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var down = th.dataset.dir !== "desc";
    th.dataset.dir = down ? "desc" : "asc";
    rows.sort(function (a, b) {
      var x = a.cells[th.cellIndex].dataset.v || a.cells[th.cellIndex].textContent;
      var y = b.cells[th.cellIndex].dataset.v || b.cells[th.cellIndex].textContent;
      var nx = parseFloat(x), ny = parseFloat(y);
      var cmp = isNaN(nx) || isNaN(ny) ? x.localeCompare(y) : nx - ny;
      return down ? -cmp : cmp;
    });
    rows.forEach(function (r) { body.appendChild(r); });
  });
});
document.body.setAttribute("data-ready", "1");
"""


_FAMILIES_SHOWN = 25


def _ratio_color(ratio: float) -> str:
    if ratio >= 0.7:
        return "#009E73"
    return "#E69F00" if ratio >= 0.3 else "#D55E00"


def _money(value: float) -> str:
    return f"${value:.4f}" if value and abs(value) < 0.01 else f"${value:,.2f}"


def _colors(result: AuditResult) -> dict[str, str]:
    return {model: _PALETTE[min(i, len(_PALETTE) - 1)] for i, model in enumerate(result.by_model)}


def _spend_over_time(result: AuditResult, per_day_model: dict[str, dict[str, float]]) -> str:
    days = [d for d in result.by_day if d != "(no time)"]
    if not days:
        return '<p class="muted">No timestamps in the log: no time chart.</p>'
    colors = _colors(result)
    width, height, left, bottom, top = 1100, 260, 70, 40, 10
    plot_h = height - bottom - top
    peak = max(result.by_day[d].cost_usd for d in days) or 1.0
    step = (width - left - 10) / len(days)
    bar = min(60.0, max(2.0, step * 0.7))
    out = [
        f'<svg id="chart-time" class="chart" role="img" aria-label="Spend per day" '
        f'viewBox="0 0 {width} {height}" width="100%">'
    ]
    for frac in (0.0, 0.5, 1.0):
        y = top + plot_h * (1 - frac)
        out.append(f'<line x1="{left}" x2="{width - 10}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>')
        out.append(
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{_money(peak * frac)}</text>'
        )
    label_every = max(1, len(days) // 12)
    for i, day in enumerate(days):
        x = left + i * step + (step - bar) / 2
        y = top + plot_h
        for model, usd in sorted(per_day_model.get(day, {}).items()):
            h = plot_h * usd / peak
            y -= h
            out.append(
                f'<rect class="bar" x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                f'fill="{colors.get(model, _PALETTE[-1])}"><title>{escape(day)} '
                f"{escape(model)}: {_money(usd)}</title></rect>"
            )
        if i % label_every == 0:
            out.append(
                f'<text x="{x + bar / 2:.1f}" y="{height - bottom + 16}" '
                f'text-anchor="middle">{escape(day[5:])}</text>'
            )
    out.append("</svg>")
    legend = "".join(
        f'<span><i style="background:{c}"></i>{escape(m)}</span>' for m, c in colors.items()
    )
    return "".join(out) + f'<div class="legend">{legend}</div>'


def _hbars(chart_id: str, label: str, rows: list[tuple[str, float, str, str]], scale: float) -> str:
    """Horizontal bars: (name, value, shown text, colour); ``scale`` is the full-width value."""
    if not rows:
        return '<p class="muted">Nothing to show.</p>'
    width, row_h, left = 1100, 26, 330
    height = row_h * len(rows) + 10
    out = [
        f'<svg id="{chart_id}" class="chart" role="img" aria-label="{escape(label)}" '
        f'viewBox="0 0 {width} {height}" width="100%">'
    ]
    span = width - left - 120
    for i, (name, value, shown, color) in enumerate(rows):
        y = 5 + i * row_h
        w = max(1.0, span * value / scale) if scale else 1.0
        short = name if len(name) <= 48 else name[:47] + "\u2026"
        out.append(
            f'<text x="{left - 8}" y="{y + 16}" text-anchor="end">{escape(short)}'
            f"<title>{escape(name)}</title></text>"
            f'<rect class="bar" x="{left}" y="{y + 3}" width="{w:.1f}" height="{row_h - 8}" '
            f'fill="{color}"><title>{escape(name)}: {escape(shown)}</title></rect>'
            f'<text x="{left + w + 6:.1f}" y="{y + 16}">{escape(shown)}</text>'
        )
    out.append("</svg>")
    return "".join(out)


def _table(headers: list[str], rows: list[list[tuple[str, str | None]]], numeric: set[int]) -> str:
    head = "".join(
        f'<th class="n">{escape(h)}</th>' if i in numeric else f"<th>{escape(h)}</th>"
        for i, h in enumerate(headers)
    )
    body = []
    for row in rows:
        cells = []
        for i, (text, sort_value) in enumerate(row):
            attrs = ' class="n"' if i in numeric else ""
            if sort_value is not None:
                attrs += f' data-v="{escape(sort_value)}"'
            cells.append(f"<td{attrs}>{text}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (
        f'<table class="sortable"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def _bucket_rows(buckets: dict[str, Totals], total: float) -> list[list[tuple[str, str | None]]]:
    return [
        [
            (escape(name), None),
            (f"{b.requests:,}", str(b.requests)),
            (_money(b.cost_usd), f"{b.cost_usd:.9f}"),
            (f"{100 * b.cost_usd / total:.1f}%" if total else "-", f"{b.cost_usd:.9f}"),
            (f"{b.uncached:,}", str(b.uncached)),
            (f"{b.write_5m + b.write_1h:,}", str(b.write_5m + b.write_1h)),
            (f"{b.read:,}", str(b.read)),
            (f"{b.output:,}", str(b.output)),
            (f"{100 * b.cache_hit_ratio:.0f}%", f"{b.cache_hit_ratio:.6f}"),
        ]
        for name, b in buckets.items()
    ]


_BUCKET_HEADERS = [
    "",
    "requests",
    "cost",
    "share",
    "uncached in",
    "cache writes",
    "cache reads",
    "output",
    "hit ratio",
]


def to_html(result: AuditResult) -> str:
    """The whole report as one HTML document (no external resources)."""
    t = result.totals
    total = t.cost_usd
    per_day = result.per_day_model
    colors = _colors(result)
    best = max(result.savings, key=lambda s: s.usd, default=None)
    kpis = [
        (_money(total), f"{t.requests:,} requests"),
        (f"{100 * t.cache_hit_ratio:.1f}%", "input tokens read from cache"),
        (_money(sum(f.total_miss_usd for f in result.families)), "lost to cache breaks"),
    ]
    if best is not None:
        kpis.append((_money(best.usd), f"biggest lever: {best.lever}"))
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>promptcop audit</title>",
        f"<style>{_CSS}</style></head><body>",
        "<h1>promptcop audit</h1>",
        f'<p class="muted">{escape(", ".join(result.paths))}; prices as of '
        f"{escape(result.pricing_as_of)}</p>",
        '<div class="kpis">'
        + "".join(
            f'<div class="kpi"><b>{escape(a)}</b><span>{escape(b)}</span></div>' for a, b in kpis
        )
        + "</div>",
        "<h2>Spend over time</h2>",
        _spend_over_time(result, per_day),
        "<h2>Spend by model</h2>",
        _hbars(
            "chart-models",
            "Spend by model",
            [
                (m, b.cost_usd, f"{_money(b.cost_usd)} ({b.requests:,} req)", colors[m])
                for m, b in result.by_model.items()
            ],
            max((b.cost_usd for b in result.by_model.values()), default=0.0),
        ),
        _table(_BUCKET_HEADERS, _bucket_rows(result.by_model, total), set(range(1, 9))),
        "<h2>Cache hit ratio per prompt family</h2>",
        '<p class="muted">A family is the requests sharing the same tools and system prompt. '
        "Hit ratio = input tokens read from cache / all input tokens. "
        + (
            f"The {_FAMILIES_SHOWN} costliest of {len(result.families):,} families.</p>"
            if len(result.families) > _FAMILIES_SHOWN
            else "</p>"
        ),
        _hbars(
            "chart-families",
            "Cache hit ratio per family",
            [
                (
                    f.label,
                    f.cache_hit_ratio,
                    f"{100 * f.cache_hit_ratio:.0f}% of {f.requests:,} req",
                    _ratio_color(f.cache_hit_ratio),
                )
                for f in result.families[:_FAMILIES_SHOWN]
            ],
            1.0,
        ),
        "<h2>Cache breaks</h2>",
        _breaks(result),
        "<h2>What-if savings</h2>",
        '<p class="muted">Each lever alone, priced on the same traffic; they overlap.</p>',
        _table(
            ["lever", "saves", "of the bill", "assumption"],
            [
                [
                    (escape(s.lever), None),
                    (_money(s.usd), f"{s.usd:.9f}"),
                    (f"{s.percent:.1f}%", f"{s.percent:.6f}"),
                    (escape(s.assumption), None),
                ]
                for s in result.savings
            ],
            {1, 2},
        ),
        "<h2>By tag</h2>",
        _table(_BUCKET_HEADERS, _bucket_rows(result.by_tag, total), set(range(1, 9))),
        _skipped(result),
        f"<script>{_SCRIPT}</script>",
        "</body></html>",
    ]
    return "\n".join(parts)


def _breaks(result: AuditResult) -> str:
    rows: list[list[tuple[str, str | None]]] = []
    for f in result.families:
        for change, count in f.breaks.most_common():
            rule = RULE_FOR_CHANGE.get(change, "")
            example = next((b for b in f.examples if b.change == change), None)
            where = (
                f"{escape(example.path)}:{example.line} {escape(example.where)}: "
                f"{escape(example.detail)}"
                if example
                else ""
            )
            rows.append(
                [
                    (escape(f.label), None),
                    (escape(change), None),
                    (f'<span class="rule">{rule}</span>' if rule else "", rule),
                    (f"{count:,}", str(count)),
                    (_money(f.miss_usd[change]), f"{f.miss_usd[change]:.9f}"),
                    (where, None),
                ]
            )
    if not rows:
        return '<p class="muted">No request broke a cached prefix.</p>'
    return _table(
        ["family", "what changed", "rule", "requests", "cost of misses", "e.g."], rows, {3, 4}
    )


def _skipped(result: AuditResult) -> str:
    if not result.skipped_count:
        return ""
    items = "".join(
        f"<li>{escape(s.path)}:{s.line}: {escape(s.reason)}</li>" for s in result.skipped[:50]
    )
    more = result.skipped_count - min(50, len(result.skipped))
    tail = f"<li>... {more:,} more</li>" if more > 0 else ""
    return f"<h2>Skipped lines ({result.skipped_count:,})</h2><ul>{items}{tail}</ul>"
