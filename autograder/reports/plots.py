"""Inline SVG plots for the HTML reports: a histogram and a horizontal bar chart.

Pure functions returning SVG text (no matplotlib, no files), so a report is one
self-contained HTML file that renders anywhere, including headless Chromium.
Labels are escaped; sizes are in CSS pixels.
"""

from __future__ import annotations

from html import escape

WIDTH, BAR_HEIGHT, PAD = 580, 18, 20


def histogram(values: list[float], *, lo: float, hi: float, bins: int, label: str, unit: str = "") -> str:
    """Counts of `values` in `bins` equal bins over [lo, hi] (the top edge included)."""
    span = (hi - lo) or 1.0
    counts = [0] * bins
    for v in values:
        i = min(bins - 1, max(0, int((v - lo) / span * bins)))
        counts[i] += 1
    height, base, left = 200, 170, 40
    top = max(counts) or 1
    step = (WIDTH - left - PAD) / bins
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="plot histogram" role="img" width="{WIDTH}" '
             f'height="{height}" viewBox="0 0 {WIDTH} {height}" aria-label="{escape(label)}">',
             f'<title>{escape(label)}</title>',
             f'<line x1="{left}" y1="{base}" x2="{WIDTH - PAD}" y2="{base}" stroke="#444"/>']
    for i, n in enumerate(counts):
        h = (base - 20) * n / top
        x = left + i * step
        edge = lo + span * i / bins
        parts.append(f'<rect class="bar" x="{x + 1:.1f}" y="{base - h:.1f}" width="{step - 2:.1f}" height="{h:.1f}" '
                     f'fill="#4c72b0" data-count="{n}"><title>{edge:.3g}{unit}–{edge + span / bins:.3g}{unit}: '
                     f'{n}</title></rect>')
        if n:
            parts.append(f'<text x="{x + step / 2:.1f}" y="{base - h - 3:.1f}" font-size="10" '
                         f'text-anchor="middle">{n}</text>')
    for i in range(0, bins + 1, max(1, bins // 5)):
        x = left + i * step
        parts.append(f'<text x="{x:.1f}" y="{base + 14}" font-size="10" text-anchor="middle">'
                     f'{lo + span * i / bins:.3g}{escape(unit)}</text>')
    parts.append(f'<text x="{WIDTH / 2:.0f}" y="{height - 2}" font-size="11" text-anchor="middle">{escape(label)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def bars(items: list[tuple[str, float]], *, label: str, maximum: float | None = None, unit: str = "") -> str:
    """One horizontal bar per (name, value), in the given order."""
    left = 260
    height = PAD * 2 + BAR_HEIGHT * max(1, len(items)) + 16
    top = maximum if maximum is not None else (max((v for _, v in items), default=0) or 1)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="plot bars" role="img" width="{WIDTH}" '
             f'height="{height}" viewBox="0 0 {WIDTH} {height}" aria-label="{escape(label)}">',
             f'<title>{escape(label)}</title>']
    for i, (name, value) in enumerate(items):
        y = PAD + i * BAR_HEIGHT
        w = (WIDTH - left - 60) * (value / top if top else 0)
        short = name if len(name) <= 40 else name[:37] + "..."
        parts.append(f'<text x="{left - 6}" y="{y + 13}" font-size="11" text-anchor="end">{escape(short)}</text>')
        parts.append(f'<rect class="bar" x="{left}" y="{y + 2}" width="{max(w, 0):.1f}" height="{BAR_HEIGHT - 4}" '
                     f'fill="#dd8452" data-value="{value:.4g}"><title>{escape(name)}: {value:.3g}{escape(unit)}</title></rect>')
        parts.append(f'<text x="{left + w + 4:.1f}" y="{y + 13}" font-size="11">{value:.3g}{escape(unit)}</text>')
    parts.append(f'<text x="{WIDTH / 2:.0f}" y="{height - 4}" font-size="11" text-anchor="middle">{escape(label)}</text>')
    parts.append("</svg>")
    return "".join(parts)
