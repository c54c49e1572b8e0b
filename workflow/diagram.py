"""The workflow drawn as SVG from the transition table; the layout is fixed here, the arrows come from the
table, so a new row shows up without touching this file's logic."""

from __future__ import annotations

from html import escape
from textwrap import wrap

from markupsafe import Markup

from states.enums import State
from states.labels import STATE_LABELS, TRIGGER_LABELS
from states.table import TABLE
from workflow.filters import _label

# (column, row) of each state: the main path on row 0, the exits below it.
LAYOUT: dict[State, tuple[int, int]] = {
    State.DRAFT: (0, 0), State.REGISTERED: (1, 0), State.SELF_ASSESSMENT: (2, 0), State.PUBLIC_NOTICE: (3, 0),
    State.WARD_INSPECTION: (4, 0), State.COUNCIL_REVIEW: (5, 0), State.AWAITING_DECISION: (6, 0),
    State.RECOGNIZED: (7, 0), State.WITHDRAWN: (0, 1), State.REGISTRATION_REJECTED: (1, 1),
    State.NOT_RECOGNIZED: (6, 1), State.REVOKED: (7, 1),
}
W, H, DX, DY, TOP, LEFT = 132, 48, 168, 96, 84, 12


def _box(state: State) -> tuple[float, float]:
    col, row = LAYOUT[state]
    return LEFT + col * DX, TOP + row * DY


def workflow_svg(current: str | None = None) -> Markup:
    state_label, trigger_label = _label(STATE_LABELS), _label(TRIGGER_LABELS)
    width = LEFT * 2 + 7 * DX + W
    height = TOP + DY + H + 20
    parts = [f'<svg class="workflow" viewBox="0 0 {width} {height}" role="img" '
             f'aria-label="{escape(state_label(current) if current else "")}" xmlns="http://www.w3.org/2000/svg">',
             '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
             'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker></defs>']
    for rule in TABLE:
        for source in rule.sources:
            parts.append(_edge(source, rule.dest, trigger_label(rule.trigger)))
    for state in State:
        x, y = _box(state)
        cls = "state current" if state == current else "state"
        parts.append(f'<g class="{cls}" data-state="{state.value}"><rect x="{x}" y="{y}" width="{W}" height="{H}" '
                     f'rx="8"/>')
        lines = wrap(state_label(state), 20)[:2]
        for i, line in enumerate(lines):
            ty = y + H / 2 + (i - (len(lines) - 1) / 2) * 14 + 4
            parts.append(f'<text x="{x + W / 2}" y="{ty}" text-anchor="middle">{escape(line)}</text>')
        parts.append("</g>")
    parts.append("</svg>")
    return Markup("".join(parts))


def _edge(source: State, dest: State, label: str) -> str:
    (sx, sy), (dx, dy) = _box(source), _box(dest)
    title = f"<title>{escape(label)}</title>"
    if sy == dy and dx > sx and LAYOUT[dest][0] - LAYOUT[source][0] == 1:  # the next box on the same row
        x1, y1, x2, y2 = sx + W, sy + H / 2, dx, dy + H / 2
        # The order along the main row tells the step; its name is the arrow's tooltip.
        return f'<g class="edge">{title}<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" marker-end="url(#arrow)"/></g>'

    if sy == dy:  # a step back along the main row: an arc above it
        x1, x2 = sx + W / 2, dx + W / 2
        lift = 26 + 24 * abs(LAYOUT[source][0] - LAYOUT[dest][0])
        path = f"M{x1},{sy} C{x1},{sy - lift} {x2},{dy - lift} {x2},{dy}"
        return (f'<g class="edge back">{title}<path d="{path}" fill="none" marker-end="url(#arrow)"/>'
                f'<text class="edge-label" x="{(x1 + x2) / 2}" y="{sy - lift * 0.75}" text-anchor="middle">'
                f'{escape(label)}</text></g>')
    x1, y1 = sx + W / 2, sy + H
    x2, y2 = dx + W / 2, dy
    return (f'<g class="edge exit">{title}<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" '
            f'marker-end="url(#arrow)"/></g>')
