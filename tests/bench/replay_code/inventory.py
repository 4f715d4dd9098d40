"""A small inventory service: items, stock movements and a report."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass
class Item:
    sku: str
    name: str
    price: float
    quantity: int = 0
    tags: list[str] = field(default_factory=list)

    def value(self) -> float:
        return self.price * self.quantity


class Inventory:
    def __init__(self) -> None:
        self.items: dict[str, Item] = {}
        self.history: list[tuple[date, str, int]] = []

    def add(self, item: Item) -> None:
        if item.sku in self.items:
            raise ValueError(f"duplicate sku {item.sku}")
        self.items[item.sku] = item

    def receive(self, sku: str, count: int, when: date) -> None:
        item = self.items[sku]
        item.quantity += count
        self.history.append((when, sku, count))

    def ship(self, sku: str, count: int, when: date) -> None:
        item = self.items[sku]
        if count > item.quantity:
            raise ValueError(f"only {item.quantity} of {sku} in stock")
        item.quantity -= count
        self.history.append((when, sku, -count))

    def total_value(self) -> float:
        return sum(item.value() for item in self.items.values())

    def low_stock(self, threshold: int = 5) -> list[Item]:
        return [item for item in self.items.values() if item.quantity < threshold]

    def by_tag(self, tag: str) -> list[Item]:
        return [item for item in self.items.values() if tag in item.tags]


def report(inventory: Inventory) -> str:
    lines = [f"{'sku':<8} {'name':<20} {'qty':>5} {'value':>10}"]
    for item in sorted(inventory.items.values(), key=lambda i: i.sku):
        lines.append(f"{item.sku:<8} {item.name:<20} {item.quantity:>5} {item.value():>10.2f}")
    lines.append(f"total value: {inventory.total_value():.2f}")
    return "\n".join(lines)


if __name__ == "__main__":
    stock = Inventory()
    stock.add(Item("A-100", "widget", 2.5, tags=["small"]))
    stock.add(Item("B-200", "gadget", 12.0, tags=["large", "fragile"]))
    stock.receive("A-100", 40, date(2024, 3, 1))
    stock.ship("A-100", 12, date(2024, 3, 2))
    print(report(stock))
