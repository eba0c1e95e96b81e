"""Charts drawn on the server as inline SVG: no script, no request to anyone else.

Each chart is an accessible ``<svg role="img">`` with a title, and the numbers stay in a
table next to it, so the figures are readable without the picture.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from html import escape

from markupsafe import Markup

WIDTH = 640
HEIGHT = 220
PAD_LEFT = 56
PAD_BOTTOM = 28
PAD_TOP = 16


def bar_chart(title: str, labels: Sequence[str], values: Sequence[Decimal | int]) -> Markup:
    """Vertical bars, one per label, scaled to the largest value (a zero line if all are 0)."""
    top = max((Decimal(v) for v in values), default=Decimal(0))
    scale = top if top > 0 else Decimal(1)
    plot_w = WIDTH - PAD_LEFT - 8
    plot_h = HEIGHT - PAD_BOTTOM - PAD_TOP
    slot = Decimal(plot_w) / max(len(values), 1)
    bar = max(slot * Decimal("0.7"), Decimal(1))
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'xmlns="http://www.w3.org/2000/svg" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<line x1="{PAD_LEFT}" y1="{PAD_TOP + plot_h}" x2="{WIDTH - 8}" '
        f'y2="{PAD_TOP + plot_h}" class="axis"/>',
        f'<text x="{PAD_LEFT - 6}" y="{PAD_TOP + 4}" class="tick" text-anchor="end">'
        f"{escape(_short(top))}</text>",
        f'<text x="{PAD_LEFT - 6}" y="{PAD_TOP + plot_h}" class="tick" text-anchor="end">0</text>',
    ]
    every = max(1, len(labels) // 8)
    for index, (label, value) in enumerate(zip(labels, values, strict=True)):
        height = Decimal(plot_h) * Decimal(value) / scale
        x = Decimal(PAD_LEFT) + slot * index + (slot - bar) / 2
        y = Decimal(PAD_TOP + plot_h) - height
        parts.append(
            f'<rect class="bar" x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" '
            f'height="{height:.1f}"><title>{escape(label)}: {escape(str(value))}</title></rect>'
        )
        if index % every == 0:
            parts.append(
                f'<text x="{x + bar / 2:.1f}" y="{HEIGHT - 8}" class="tick" '
                f'text-anchor="middle">{escape(label)}</text>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704  (every interpolated text is escaped above)


def _short(value: Decimal) -> str:
    if value >= 1_000_000:
        return f"{value / 1_000_000:.1f}M"
    if value >= 10_000:
        return f"{value / 1_000:.0f}k"
    return f"{value.normalize():f}" if value == value.to_integral() else f"{value:.2f}"
