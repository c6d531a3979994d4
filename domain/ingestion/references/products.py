"""Products an online order names (their stock is ours)."""

from __future__ import annotations

from collections.abc import Sequence

from domain.ingestion.events import ProductRef
from domain.ingestion.references.upsert import Upserts
from models import Product


class ProductRecords(Upserts):
    async def products(self, refs: Sequence[ProductRef]) -> None:
        """Upsert several products in id order (``product`` then finds them done)."""
        by_id = {ref.external_id: ref for ref in refs}
        for external_id in await self._in_id_order(Product, by_id):
            await self.product(by_id[external_id])

    async def product(self, ref: ProductRef) -> int:
        key = ("product", ref.external_id)
        if key not in self._ids:
            row = await self._upsert(
                Product,
                {
                    "external_id": ref.external_id,
                    "name": ref.name,
                    "stock_on_hand": 0,
                    "stock_held": 0,
                },
                (Product.id,),
                replace=("name",),
            )
            self._ids[key] = int(row.id)
        return int(self._ids[key])
