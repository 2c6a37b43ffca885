"""The dashboard's chart as SVG geometry: the server draws it, no JavaScript."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils import formats
from django.utils.translation import gettext as _

from ..stats import DayFigures

WIDTH, HEIGHT = 760, 260
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 14, 28


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    title: str


@dataclass(frozen=True)
class Line:
    css_class: str
    label: str
    points: str


@dataclass
class Chart:
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    bottom: float = HEIGHT - BOTTOM
    right: float = WIDTH - RIGHT
    sent: list[Bar] = field(default_factory=list)
    verified: list[Bar] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    y_ticks: list[tuple[float, str]] = field(default_factory=list)
    x_ticks: list[tuple[float, str]] = field(default_factory=list)
    budget_y: float | None = None
    budget: int | None = None


def nice_top(value: int) -> int:
    """The smallest of 1, 2, 5 × 10ⁿ at or above ``value`` (at least 10)."""
    top = 1
    while True:
        for step in (1, 2, 5):
            if step * top >= max(value, 10):
                return step * top
        top *= 10


def build(figures: list[DayFigures], budget: int | None) -> Chart:
    chart = Chart()
    peak = max([0] + [max(d.sent, d.spent or 0, d.wrong_codes, d.refused_total,
                          d.gateway_failures) for d in figures])
    # The budget line is drawn only when it is near the figures; otherwise the
    # table and the legend give it, and the bars keep their height.
    show_budget = budget is not None and budget <= 2 * max(peak, 1)
    top = nice_top(max(peak, budget if show_budget and budget else 0))
    plot_h = chart.bottom - TOP
    slot = (chart.right - LEFT) / max(len(figures), 1)

    def y(value: float) -> float:
        return round(chart.bottom - plot_h * value / top, 1)

    for i, day in enumerate(figures):
        x = LEFT + i * slot
        when = formats.date_format(day.day, "SHORT_DATE_FORMAT")
        chart.sent.append(Bar(round(x + slot * 0.1, 1), y(day.sent), round(slot * 0.8, 1),
                              round(chart.bottom - y(day.sent), 1),
                              _("%(day)s: %(count)d sent") % {"day": when, "count": day.sent}))
        chart.verified.append(Bar(round(x + slot * 0.25, 1), y(day.verified),
                                  round(slot * 0.5, 1), round(chart.bottom - y(day.verified), 1),
                                  _("%(day)s: %(count)d verified")
                                  % {"day": when, "count": day.verified}))
        if i % 5 == (len(figures) - 1) % 5:
            chart.x_ticks.append((round(x + slot / 2, 1),
                                  formats.date_format(day.day, "M j")))
    for css_class, label, values in (
        ("wrong", _("wrong codes"), [d.wrong_codes for d in figures]),
        ("refused", _("refused sends"), [d.refused_total for d in figures]),
        ("failed", _("gateway failures"), [d.gateway_failures for d in figures]),
    ):
        points = " ".join(f"{round(LEFT + (i + 0.5) * slot, 1)},{y(v)}"
                          for i, v in enumerate(values))
        chart.lines.append(Line(css_class, label, points))
    chart.y_ticks = [(y(v), formats.number_format(v, force_grouping=True))
                     for v in (0, top // 2, top)]
    if show_budget and budget is not None:
        chart.budget_y, chart.budget = y(budget), budget
    return chart
