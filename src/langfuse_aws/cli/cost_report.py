"""Cost estimates as text: a rich table for the terminal, Markdown for the README."""

from __future__ import annotations

from rich.table import Table

from .cost import Estimate


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
    return result


def markdown(estimates: list[Estimate]) -> str:
    """The same comparison, plus the usage-driven charges, as Markdown."""
    header = "| Item | " + " | ".join(f"{e.environment} ({e.region})" for e in estimates) + " |"
    lines = [header, "|---|" + "---:|" * len(estimates)]
    lines += [f"| {item} | " + " | ".join(values) + " |" for item, values in _rows(estimates)]
    lines.append(
        "| **Total, always on** | " + " | ".join(f"**{_money(e.total)}**" for e in estimates) + " |"
    )
    lines += ["", _caption(estimates), "", "Grows with traffic and data:", ""]
    seen: dict[str, str] = {}
    for estimate in estimates:
        for charge in estimate.usage:
            seen.setdefault(charge.item, charge.unit_price)
    lines += [f"- {item}: {price}" for item, price in seen.items()]
    return "\n".join(lines) + "\n"


def usage_table(estimate: Estimate) -> Table:
    """What grows with traffic and data, as unit prices."""
    result = Table(title=f"{estimate.environment}: grows with traffic and data")
    result.add_column("Charge")
    result.add_column("Unit price")
    for charge in estimate.usage:
        result.add_row(charge.item, charge.unit_price)
    return result


def _rows(estimates: list[Estimate]) -> list[tuple[str, list[str]]]:
    """Items in first-seen order, each with its cost per environment (— where absent)."""
    order: list[str] = []
    for estimate in estimates:
        for line in estimate.fixed:
            if _key(line.item) not in order:
                order.append(_key(line.item))
    rows = []
    for key in order:
        values = []
        labels = []
        for estimate in estimates:
            lines = [line for line in estimate.fixed if _key(line.item) == key]
            values.append(_money(sum(line.monthly for line in lines)) if lines else "—")
            labels += [line.item for line in lines]
        label = labels[0] if len(set(labels)) == 1 else key
        rows.append((label, values))
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
