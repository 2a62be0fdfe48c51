"""Formatters: an AuditResult in, JSON data or terminal text out."""

from __future__ import annotations

import textwrap
from typing import Any

from promptcop.audit.analyze import AuditResult
from promptcop.audit.families import RULE_FOR_CHANGE, FamilyStats
from promptcop.audit.pricing import Totals


def _usd(value: float) -> float:
    # Well below one token of the cheapest model; hides float noise in the output.
    return round(value, 10)


def _totals_json(t: Totals) -> dict[str, Any]:
    return {
        "requests": t.requests,
        "cost_usd": _usd(t.cost_usd),
        "input_tokens": t.uncached,
        "output_tokens": t.output,
        "cache_creation_input_tokens": t.write_5m + t.write_1h,
        "cache_read_input_tokens": t.read,
    }


def _family_json(f: FamilyStats) -> dict[str, Any]:
    return {
        "id": f.key,
        "name": f.name,
        "requests": f.requests,
        "cost_usd": _usd(f.cost_usd),
        "cache_hit_ratio": round(f.cache_hit_ratio, 4),
        "models": dict(f.models),
        "tags": dict(f.tags.most_common()),
        "cache_breaks": [
            {
                "change": change,
                "rule": _rule(change),
                "requests": count,
                "miss_cost_usd": _usd(f.miss_usd[change]),
            }
            for change, count in f.breaks.most_common()
        ],
        "miss_cost_usd": _usd(f.total_miss_usd),
        "expired": {"requests": f.expired, "miss_cost_usd": _usd(f.expired_usd)},
        "examples": [
            {
                "path": b.path,
                "line": b.line,
                "time": b.time.isoformat() if b.time else None,
                "change": b.change,
                "rule": b.rule or None,
                "first_difference": b.where,
                "detail": b.detail,
                "lost_tokens": b.lost_tokens,
                "miss_cost_usd": _usd(b.miss_usd),
            }
            for b in f.examples
        ],
    }


def _rule(change: str) -> str | None:
    return RULE_FOR_CHANGE.get(change) or None


def to_json(result: AuditResult) -> dict[str, Any]:
    """The ``--format json`` document (keys named in issue 7, plus by_day and details)."""
    t = result.totals
    return {
        "total_cost_usd": _usd(t.cost_usd),
        "requests": t.requests,
        "cache_hit_ratio": round(t.cache_hit_ratio, 4),
        "by_model": {m: _totals_json(v) for m, v in result.by_model.items()},
        "by_tag": {m: _totals_json(v) for m, v in result.by_tag.items()},
        "by_day": {d: _totals_json(v) for d, v in result.by_day.items()},
        "tokens_by_class": {
            "uncached_input": t.uncached,
            "cache_write_5m": t.write_5m,
            "cache_write_1h": t.write_1h,
            "cache_read": t.read,
            "output": t.output,
        },
        "cost_by_class_usd": {
            "uncached_input": _usd(t.cost_uncached),
            "cache_write_5m": _usd(t.cost_write_5m),
            "cache_write_1h": _usd(t.cost_write_1h),
            "cache_read": _usd(t.cost_read),
            "output": _usd(t.cost_output),
        },
        "families": [_family_json(f) for f in result.families],
        "savings": [
            {
                "lever": s.lever,
                "usd": _usd(s.usd),
                "percent": round(s.percent, 2),
                "assumption": s.assumption,
            }
            for s in result.savings
        ],
        "skipped_lines": [
            {"path": s.path, "line": s.line, "reason": s.reason} for s in result.skipped
        ],
        "skipped_count": result.skipped_count,
        "filtered_out": result.filtered_out,
        "unpriced_models": result.unpriced,
        "pricing": {"as_of": result.pricing_as_of, "guessed_models": result.guessed_models},
    }


def _money(value: float) -> str:
    if value and abs(value) < 0.01:
        return f"${value:.4f}"
    return f"${value:,.2f}"


def _pct(part: float, whole: float) -> str:
    return f"{100 * part / whole:5.1f}%" if whole else "    -"


def _table(rows: list[list[str]], right: set[int]) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    out = []
    for row in rows:
        cells = [
            cell.rjust(widths[i]) if i in right else cell.ljust(widths[i])
            for i, cell in enumerate(row)
        ]
        out.append("  " + "  ".join(cells).rstrip())
    return out


def to_text(result: AuditResult, top: int = 10) -> str:
    """The terminal summary: the bill, where it went, what broke the cache, what to do."""
    t = result.totals
    total = t.cost_usd
    lines = [
        f"promptcop audit: {t.requests:,} requests, {_money(total)} "
        f"(prices as of {result.pricing_as_of}), cache hit ratio {100 * t.cache_hit_ratio:.1f}%",
        "",
    ]
    if not t.requests:
        lines.append("No billable requests in these logs.")
        return "\n".join(lines + _notes(result)) + "\n"
    lines += ["Tokens by class:"]
    lines += _table(
        [
            ["class", "tokens", "cost", "share"],
            [
                "uncached input",
                f"{t.uncached:,}",
                _money(t.cost_uncached),
                _pct(t.cost_uncached, total),
            ],
            [
                "cache write 5m",
                f"{t.write_5m:,}",
                _money(t.cost_write_5m),
                _pct(t.cost_write_5m, total),
            ],
            [
                "cache write 1h",
                f"{t.write_1h:,}",
                _money(t.cost_write_1h),
                _pct(t.cost_write_1h, total),
            ],
            ["cache read", f"{t.read:,}", _money(t.cost_read), _pct(t.cost_read, total)],
            ["output", f"{t.output:,}", _money(t.cost_output), _pct(t.cost_output, total)],
        ],
        {1, 2, 3},
    )
    for title, buckets in (("By model:", result.by_model), ("By tag:", result.by_tag)):
        lines += ["", title]
        rows = [["", "requests", "cost", "share", "cache hit"]]
        for name, b in list(buckets.items())[:top]:
            rows.append(
                [
                    name,
                    f"{b.requests:,}",
                    _money(b.cost_usd),
                    _pct(b.cost_usd, total),
                    f"{100 * b.cache_hit_ratio:.0f}%",
                ]
            )
        lines += _table(rows, {1, 2, 3, 4})
        if len(buckets) > top:
            lines.append(f"  ... {len(buckets) - top} more (see --format json)")
    if len(result.by_day) > 1:
        lines += ["", "By day:"]
        rows = [["", "requests", "cost"]]
        days = list(result.by_day.items())
        for day, b in days[-14:]:
            rows.append([day, f"{b.requests:,}", _money(b.cost_usd)])
        lines += _table(rows, {1, 2})
    lines += ["", "Cache health by prompt family (same tools+system):"]
    for f in result.families[:top]:
        lines.append(
            f"  {f.label}: {f.requests:,} requests, {_money(f.cost_usd)}, "
            f"hit ratio {100 * f.cache_hit_ratio:.0f}%"
        )
        for change, count in f.breaks.most_common():
            rule = _rule(change)
            lines.append(
                f"      {count:,} cache break(s): {change}"
                + (f" [{rule}]" if rule else "")
                + f", cost of misses {_money(f.miss_usd[change])}"
            )
            example = next((b for b in f.examples if b.change == change), None)
            if example is not None:
                lines.append(
                    f"        e.g. {example.path}:{example.line} {example.where}: {example.detail}"
                )
        if f.expired:
            lines.append(
                f"      {f.expired:,} miss(es) after the cache expired (idle gap), "
                f"{_money(f.expired_usd)}"
            )
    if len(result.families) > top:
        lines.append(f"  ... {len(result.families) - top} more families")
    lines += ["", "What-if savings (each alone; they overlap):"]
    for s in result.savings:
        lines.append(f"  {s.lever}: {_money(s.usd)} ({s.percent:.1f}% of the bill)")
        lines.append(
            textwrap.fill(
                f"assuming {s.assumption}",
                width=100,
                initial_indent="      ",
                subsequent_indent="      ",
                break_on_hyphens=False,
            )
        )
    return "\n".join(lines + _notes(result)) + "\n"


def _notes(result: AuditResult) -> list[str]:
    notes = []
    if result.guessed_models:
        guessed = ", ".join(f"{m} as {g}" for m, g in sorted(result.guessed_models.items()))
        notes.append(f"unknown model ids priced like a sibling (a guess): {guessed}")
    if result.unpriced:
        notes.append(
            "not priced (no facts for the provider): "
            + ", ".join(f"{m} ({n})" for m, n in sorted(result.unpriced.items()))
        )
    if result.filtered_out:
        notes.append(f"{result.filtered_out:,} requests outside --since/--until/--tag")
    if result.skipped_count:
        shown = ", ".join(f"{s.path}:{s.line} {s.reason}" for s in result.skipped[:5])
        more = result.skipped_count - min(5, len(result.skipped))
        notes.append(
            f"skipped {result.skipped_count:,} line(s): {shown}"
            + (f" (+{more} more, see --format json)" if more > 0 else "")
        )
    if not notes:
        return []
    return ["", "Notes:"] + [f"  {n}" for n in notes]
