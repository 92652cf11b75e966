"""A finding rule set beside the sample collector (entry point `proofshot.rules`)."""

from __future__ import annotations

from collections.abc import Iterator

from proofshot.views.rules.base import Context, Hit, Rule, hit


def _empty(ctx: Context) -> Iterator[Hit]:
    for t in ctx.targets("inventory_items"):
        for r in t.rows("inventory_items"):
            if not r.get("value"):
                yield hit(t, f"{r['file']}:{r['name']}", "inventory_items", [r])


RULES = (Rule("inventory-item-empty", "low", "Inventory item without a value",
              "Fill in the item or remove its line.", ("inventory_items",), _empty),)
