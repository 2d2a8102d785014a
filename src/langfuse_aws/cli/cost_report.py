"""Cost estimates as text: a rich table for the terminal, Markdown for the README."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text

from .clickhouse_cost import Comparison
from .cost import Estimate, UsageCharge


def _money(value: float) -> str:
    return f"${value:,.2f}"


def table(estimates: list[Estimate]) -> Table:
    """One column per environment; items as rows (compare two configs side by side)."""
    title = "Monthly cost, always-on items (USD)"
    result = Table(title=title, caption=_caption(estimates))
    result.add_column("Item")
    for estimate in estimates:
        result.add_column(f"{estimate.environment} ({estimate.region})", justify="right")
    for item, values in _rows(estimates):
        result.add_row(item, *values)
    result.add_row("[bold]Total[/bold]", *[f"[bold]{_money(e.total)}[/bold]" for e in estimates])
    if any(e.office_hours_total is not None for e in estimates):
        result.add_row(
            "[bold]Total with office hours[/bold]",
            *[
                f"[bold]{_money(e.office_hours_total)}[/bold]"
                if e.office_hours_total is not None
                else "—"
                for e in estimates
            ],
        )
    return result


def markdown(estimates: list[Estimate]) -> str:
    """The same comparison, plus the usage-driven charges, as Markdown."""
    header = "| Item | " + " | ".join(f"{e.environment} ({e.region})" for e in estimates) + " |"
    lines = [header, "|---|" + "---:|" * len(estimates)]
    lines += [f"| {item} | " + " | ".join(values) + " |" for item, values in _rows(estimates)]
    lines.append(
        "| **Total, always on** | " + " | ".join(f"**{_money(e.total)}**" for e in estimates) + " |"
    )
    if any(e.office_hours_total is not None for e in estimates):
        lines.append(
            "| **Total with office hours** (`schedule`) | "
            + " | ".join(
                f"**{_money(e.office_hours_total)}**" if e.office_hours_total is not None else "—"
                for e in estimates
            )
            + " |"
        )
    lines += [
        "",
        _caption(estimates),
        "",
        f"Grows with traffic and data ({estimates[0].region} prices; the assumed use is a small "
        "team's month):",
        "",
        "| Charge | Unit price | Assumed use | Adds |",
        "|---|---|---|---:|",
    ]
    seen: dict[str, UsageCharge] = {}
    for estimate in estimates:
        for charge in estimate.usage:
            seen.setdefault(charge.item, charge)
    lines += [
        f"| {c.item} | {c.unit_price} | {c.assumption} | {_money(c.example)} |"
        for c in seen.values()
    ]
    return "\n".join(lines) + "\n"


def usage_table(estimate: Estimate) -> Table:
    """What grows with traffic and data, as unit prices."""
    result = Table(title=f"{estimate.environment}: grows with traffic and data")
    for column in ("Charge", "Unit price", "Assumed use"):
        result.add_column(column)
    result.add_column("Adds", justify="right")
    for charge in estimate.usage:
        result.add_row(charge.item, charge.unit_price, charge.assumption, _money(charge.example))
    result.add_row(
        "[bold]With this use[/bold]",
        "",
        "",
        f"[bold]{_money(estimate.total + sum(c.example for c in estimate.usage))}[/bold]",
    )
    return result


def _rows(estimates: list[Estimate]) -> list[tuple[str, list[str]]]:
    """Items in first-seen order, each with its cost per environment (— where absent).

    Where the environments size an item differently, each cell names its own size and count.
    """
    order: list[str] = []
    for estimate in estimates:
        for line in estimate.fixed:
            if _key(line.item) not in order:
                order.append(_key(line.item))
    rows = []
    for key in order:
        found = [[line for line in e.fixed if _key(line.item) == key] for e in estimates]
        labels = {line.item for lines in found for line in lines}
        same = len(labels) == 1
        values = []
        for lines in found:
            if not lines:
                values.append("—")
                continue
            money = _money(sum(line.monthly for line in lines))
            detail = lines[0].item.removeprefix(key.removesuffix(" (us-east-1)")).strip(" ,")
            values.append(money if same or not detail else f"{money} ({detail})")
        rows.append((labels.pop() if same else key, values))
    return rows


def _key(item: str) -> str:
    """An item without its size and count, so that two environments' rows line up."""
    region = " (us-east-1)" if item.endswith("(us-east-1)") else ""
    for marker in (" x", " t4g", " cache.", " 0.", " 1 ", " 2 ", " 4 ", " 8 ", ", ", " ("):
        item = item.split(marker)[0]
    return item + region


def _caption(estimates: list[Estimate]) -> str:
    dates = sorted({e.price_date for e in estimates})
    unpriced = sorted({u for e in estimates for u in e.unpriced})
    text = (
        f"Prices from the shipped table of {', '.join(dates)} (on-demand, no free tier); "
        "730 hours a month; traffic, storage and data charges are not included."
    )
    if unpriced:
        text += f" Not in the price table, not counted: {', '.join(unpriced)}."
    return text


def clickhouse_report(comparison: Comparison) -> Group:
    """The three ClickHouse modes, each charge with how it is computed, then the assumptions."""
    table = Table(title=f"ClickHouse modes: {_clickhouse_title(comparison)}")
    for column in ("Mode", "Item", "Basis"):
        table.add_column(column)
    table.add_column("Monthly", justify="right")
    for mode in comparison.modes:
        for index, line in enumerate(mode.lines):
            label = _mode_label(comparison, mode.mode) if index == 0 else ""
            table.add_row(label, line.item, line.basis, _money(line.monthly))
        total = f"[bold]{_money(mode.total)}[/bold]"
        table.add_row("", f"[bold]Total {mode.mode}[/bold]", "", total, end_section=True)
    notes = Text("\n".join(f"- {line}" for line in _clickhouse_caption(comparison)))
    return Group(table, notes)


def clickhouse_markdown(comparison: Comparison) -> str:
    """The same comparison as Markdown (for docs/clickhouse.md)."""
    lines = [
        f"ClickHouse modes: {_clickhouse_title(comparison)}",
        "",
        "| Mode | Item | Basis | Monthly |",
        "|---|---|---|---:|",
    ]
    for mode in comparison.modes:
        label = _mode_label(comparison, mode.mode)
        for index, line in enumerate(mode.lines):
            lines.append(
                f"| {label if index == 0 else ''} | {line.item} | {line.basis} | "
                f"{_money(line.monthly)} |"
            )
        lines.append(f"| | **Total {mode.mode}** | | **{_money(mode.total)}** |")
    lines += ["", *(f"- {text}" for text in _clickhouse_caption(comparison))]
    return "\n".join(lines) + "\n"


def _clickhouse_title(comparison: Comparison) -> str:
    return (
        f"{comparison.environment} ({comparison.region}), monthly USD "
        f"(configured: {comparison.configured})"
    )


def _mode_label(comparison: Comparison, mode: str) -> str:
    return mode + (" (configured)" if mode.split(" ")[0] == comparison.configured else "")


def _clickhouse_caption(comparison: Comparison) -> list[str]:
    notes = [note for mode in comparison.modes for note in mode.notes]
    return [
        *comparison.assumptions,
        *notes,
        f"Prices from the shipped table of {comparison.price_date} (on-demand list prices, "
        "no free tier; sources in prices.json).",
    ]
