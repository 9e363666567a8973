"""Charts as inline SVG, drawn on the server: no script, no CDN, they print as they show."""

from collections.abc import Sequence
from html import escape

PALETTE = ("#1f6fb2", "#e07b00", "#2e9d4a", "#b03a2e", "#7a4fa3", "#6b6b6b")


def _fmt_pct(v: float) -> str:
    return f"{v * 100:.0f}%"


def bar_chart(labels: Sequence[str], series: Sequence[tuple[str, Sequence[float]]], *, title: str,
              width: int = 640, height: int = 220, chart_id: str = "") -> str:
    """Grouped vertical bars: one group per label, one bar per series; a legend; a tooltip
    (<title>) per bar with its exact value."""
    pad_left, pad_bottom, pad_top = 44, 38, 26
    plot_w, plot_h = width - pad_left - 10, height - pad_bottom - pad_top
    top = max([max(values, default=0) for _, values in series] + [1])
    n = max(len(labels), 1)
    group_w = plot_w / n
    bar_w = max(2.0, group_w * 0.8 / max(len(series), 1))
    parts = [f'<svg class="chart" id="{escape(chart_id)}" role="img" aria-label="{escape(title)}" '
             f'viewBox="0 0 {width} {height}" width="100%" preserveAspectRatio="xMidYMid meet" '
             f'xmlns="http://www.w3.org/2000/svg">', f'<title>{escape(title)}</title>']
    for i in range(5):
        y = pad_top + plot_h - plot_h * i / 4
        parts.append(f'<line x1="{pad_left}" x2="{width - 10}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>')
        parts.append(f'<text x="{pad_left - 4}" y="{y + 4:.1f}" text-anchor="end" font-size="10">'
                     f'{top * i / 4:.0f}</text>')
    for gi, label in enumerate(labels):
        x0 = pad_left + gi * group_w + group_w * 0.1
        for si, (name, values) in enumerate(series):
            v = values[gi] if gi < len(values) else 0
            h = plot_h * (v / top)
            parts.append(f'<rect class="bar" data-series="{escape(name)}" data-label="{escape(label)}" '
                         f'data-value="{v:g}" x="{x0 + si * bar_w:.1f}" y="{pad_top + plot_h - h:.1f}" '
                         f'width="{bar_w - 1:.1f}" height="{h:.1f}" fill="{PALETTE[si % len(PALETTE)]}">'
                         f'<title>{escape(name)} — {escape(label)}: {v:g}</title></rect>')
        if n <= 16 or gi % max(1, n // 12) == 0:
            parts.append(f'<text x="{x0 + group_w * 0.4:.1f}" y="{height - pad_bottom + 14}" text-anchor="middle" '
                         f'font-size="10">{escape(label)}</text>')
    parts.append(_legend([name for name, _ in series], pad_left, 14))
    parts.append("</svg>")
    return "".join(parts)


def rate_chart(labels: Sequence[str], series: Sequence[tuple[str, Sequence[float | None]]], *, title: str,
               target: float | None = None, target_label: str = "", width: int = 640, height: int = 220,
               chart_id: str = "") -> str:
    """Lines of rates (0..1) over the buckets; an empty bucket leaves a gap; an optional target line."""
    pad_left, pad_bottom, pad_top = 44, 38, 26
    plot_w, plot_h = width - pad_left - 14, height - pad_bottom - pad_top
    n = max(len(labels), 1)
    step = plot_w / max(n - 1, 1)

    def xy(i: int, v: float) -> tuple[float, float]:
        return pad_left + i * step, pad_top + plot_h * (1 - v)

    parts = [f'<svg class="chart" id="{escape(chart_id)}" role="img" aria-label="{escape(title)}" '
             f'viewBox="0 0 {width} {height}" width="100%" preserveAspectRatio="xMidYMid meet" '
             f'xmlns="http://www.w3.org/2000/svg">', f'<title>{escape(title)}</title>']
    for i in range(5):
        y = pad_top + plot_h - plot_h * i / 4
        parts.append(f'<line x1="{pad_left}" x2="{width - 14}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>')
        parts.append(f'<text x="{pad_left - 4}" y="{y + 4:.1f}" text-anchor="end" font-size="10">{25 * i}%</text>')
    if target is not None:
        y = pad_top + plot_h * (1 - target)
        parts.append(f'<line class="target" x1="{pad_left}" x2="{width - 14}" y1="{y:.1f}" y2="{y:.1f}" '
                     f'stroke="#b03a2e" stroke-dasharray="6 4"><title>{escape(target_label)}</title></line>')
    for si, (name, values) in enumerate(series):
        color = PALETTE[si % len(PALETTE)]
        segment: list[str] = []
        for i, v in enumerate(values):
            if v is None:
                if len(segment) > 1:
                    parts.append(f'<polyline fill="none" stroke="{color}" stroke-width="2" points="{" ".join(segment)}"/>')
                segment = []
                continue
            x, y = xy(i, v)
            segment.append(f"{x:.1f},{y:.1f}")
            parts.append(f'<circle class="point" data-series="{escape(name)}" data-label="{escape(labels[i])}" '
                         f'data-value="{v:.4f}" cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{color}">'
                         f'<title>{escape(name)} — {escape(labels[i])}: {_fmt_pct(v)}</title></circle>')
        if len(segment) > 1:
            parts.append(f'<polyline fill="none" stroke="{color}" stroke-width="2" points="{" ".join(segment)}"/>')
    for i, label in enumerate(labels):
        if n <= 16 or i % max(1, n // 12) == 0:
            x, _ = xy(i, 0)
            parts.append(f'<text x="{x:.1f}" y="{height - pad_bottom + 14}" text-anchor="middle" font-size="10">'
                         f'{escape(label)}</text>')
    parts.append(_legend([name for name, _ in series], pad_left, 14))
    parts.append("</svg>")
    return "".join(parts)


def hbar_chart(labels: Sequence[str], values: Sequence[float | None], *, title: str, target: float | None = None,
               target_label: str = "", width: int = 640, chart_id: str = "") -> str:
    """Communes side by side: one horizontal bar per commune for a rate (0..1), a target line."""
    row_h, pad_left, pad_top = 22, 90, 8
    height = pad_top * 2 + row_h * max(len(labels), 1) + 16
    plot_w = width - pad_left - 50
    parts = [f'<svg class="chart" id="{escape(chart_id)}" role="img" aria-label="{escape(title)}" '
             f'viewBox="0 0 {width} {height}" width="100%" xmlns="http://www.w3.org/2000/svg">',
             f'<title>{escape(title)}</title>']
    for i, (label, v) in enumerate(zip(labels, values)):
        y = pad_top + i * row_h
        parts.append(f'<text x="{pad_left - 6}" y="{y + 15}" text-anchor="end" font-size="11">{escape(label)}</text>')
        if v is not None:
            w = plot_w * max(0.0, min(v, 1.0))
            color = PALETTE[2] if target is None or v >= target else PALETTE[3]
            parts.append(f'<rect class="bar" data-label="{escape(label)}" data-value="{v:.4f}" x="{pad_left}" '
                         f'y="{y + 3}" width="{w:.1f}" height="{row_h - 6}" fill="{color}">'
                         f'<title>{escape(label)}: {_fmt_pct(v)}</title></rect>')
            parts.append(f'<text x="{pad_left + w + 4:.1f}" y="{y + 15}" font-size="11">{v * 100:.1f}%</text>')
        else:
            parts.append(f'<text x="{pad_left + 4}" y="{y + 15}" font-size="11" fill="#888">—</text>')
    if target is not None:
        x = pad_left + plot_w * target
        parts.append(f'<line class="target" x1="{x:.1f}" x2="{x:.1f}" y1="{pad_top}" y2="{height - 12}" '
                     f'stroke="#b03a2e" stroke-dasharray="6 4"><title>{escape(target_label)}</title></line>')
        parts.append(f'<text x="{x:.1f}" y="{height - 2}" text-anchor="middle" font-size="10" fill="#b03a2e">'
                     f'{escape(target_label)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _legend(names: Sequence[str], x: int, y: int) -> str:
    parts, offset = [], 0
    for i, name in enumerate(names):
        parts.append(f'<rect x="{x + offset}" y="{y - 9}" width="10" height="10" fill="{PALETTE[i % len(PALETTE)]}"/>'
                     f'<text x="{x + offset + 14}" y="{y}" font-size="11">{escape(name)}</text>')
        offset += 24 + 7 * len(name)
    return "".join(parts)
