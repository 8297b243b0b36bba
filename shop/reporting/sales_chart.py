"""The geometry of the dashboard's sales bar chart, computed on the server and drawn as inline SVG.

No JavaScript and no chart library: the template draws one ``<rect>`` per day from the numbers computed here,
with SVG attributes only (the Content-Security-Policy forbids inline ``style=``); colours come from CSS classes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

WIDTH = 720
HEIGHT = 260
MARGIN_LEFT = 84  # room for the amounts of the horizontal grid lines
MARGIN_RIGHT = 8
MARGIN_TOP = 12
MARGIN_BOTTOM = 32  # room for the day labels
BAR_FILL = 0.7  # part of a day's slot the bar takes
TICKS = 4  # grid lines above zero

# A "nice" step between grid lines: 1, 2, 2.5 or 5 times a power of ten (in cents).
_NICE = (1, 2, 2.5, 5)


@dataclass(frozen=True)
class Bar:
    day: date
    cents: int
    orders: int
    x: float
    y: float
    width: float
    height: float
    label_x: float
    labelled: bool  # whether the day is written under the axis (one in seven, today always)


@dataclass(frozen=True)
class Tick:
    cents: int
    y: float


@dataclass
class SalesChart:
    bars: list[Bar] = field(default_factory=list)
    ticks: list[Tick] = field(default_factory=list)
    width: int = WIDTH
    height: int = HEIGHT
    plot_left: float = MARGIN_LEFT
    plot_right: float = WIDTH - MARGIN_RIGHT
    plot_top: float = MARGIN_TOP
    baseline: float = HEIGHT - MARGIN_BOTTOM
    label_y: float = HEIGHT - MARGIN_BOTTOM + 20

    @property
    def total_cents(self) -> int:
        return sum(bar.cents for bar in self.bars)

    @property
    def total_orders(self) -> int:
        return sum(bar.orders for bar in self.bars)

    @property
    def best(self) -> Bar | None:
        """The day with the highest revenue (the latest of equal days), None when nothing was sold."""
        best = None
        for bar in self.bars:
            if bar.cents > 0 and (best is None or bar.cents >= best.cents):
                best = bar
        return best


def nice_step(max_cents: int, ticks: int = TICKS) -> int:
    """The smallest "nice" step (1, 2, 2.5, 5 x 10^n cents, at least € 1) with ``ticks`` steps >= ``max_cents``."""
    if max_cents <= 0:
        return 100
    magnitude = 100
    while True:
        for factor in _NICE:
            step = int(factor * magnitude)
            if step * ticks >= max_cents:
                return step
        magnitude *= 10


def _r(value: float) -> float:
    return round(value, 1)


def build_sales_chart(days: list[tuple[date, int, int]]) -> SalesChart:
    """The chart of ``days``: (day, revenue in cents, number of orders), oldest first, one bar per day.

    Heights scale to the top grid line (a nice round amount); a negative day (more refunded than sold)
    is drawn as an empty bar, its figure is in the table under the chart.
    """
    chart = SalesChart()
    step = nice_step(max((cents for _, cents, _ in days), default=0))
    top = step * TICKS
    plot_height = chart.baseline - chart.plot_top
    slot = (chart.plot_right - chart.plot_left) / max(len(days), 1)
    bar_width = slot * BAR_FILL
    chart.ticks = [Tick(cents=step * i, y=_r(chart.baseline - plot_height * i / TICKS)) for i in range(TICKS + 1)]
    last = len(days) - 1
    for index, (day, cents, orders) in enumerate(days):
        height = plot_height * max(cents, 0) / top
        x = chart.plot_left + slot * index + (slot - bar_width) / 2
        chart.bars.append(Bar(
            day=day, cents=cents, orders=orders,
            x=_r(x), y=_r(chart.baseline - height), width=_r(bar_width), height=_r(height),
            label_x=_r(x + bar_width / 2), labelled=(last - index) % 7 == 0,
        ))
    return chart
