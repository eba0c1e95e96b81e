"""The merchant's paid membership: which product sells it, for how long, and its perks.

Section ``membership``. The product and variant ids accept Shopify GIDs
(``gid://shopify/Product/123``) or the bare numbers and are kept as numbers. An order line
of a listed product or variant buys ``quantity`` periods of ``period_length``
``period_unit``. The perks are those of a tier (discount, points multiplier) plus free
shipping: ``free_shipping`` covers shipping rates up to ``standard_shipping_max`` (any rate
when that is null), ``free_express_shipping`` covers every rate, express included.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar

from shopify_loyalty.errors import InvalidInput
from shopify_loyalty.plain_numbers import plain_number
from shopify_loyalty.programs.config import setting
from shopify_loyalty.programs.registry import register_section

UNITS = ("days", "months", "years")
MAX_LENGTH = {"days": 3650, "months": 120, "years": 10}
MAX_IDS = 20
MAX_ID = 2**63 - 1
HANDLE = re.compile(r"^[a-z0-9][a-z0-9-]{0,254}$")


@register_section
@dataclass(frozen=True)
class MembershipConfig:
    """Section ``membership``: off until a product or variant is named."""

    section: ClassVar[str] = "membership"

    name: str = setting("VIP Club", max_length=40, help="the paid tier's name, shown to shoppers")
    product_ids: tuple[int, ...] = setting(
        [], help="products whose purchase buys the membership (GIDs or numeric ids)"
    )
    variant_ids: tuple[int, ...] = setting(
        [], help="variants whose purchase buys the membership (GIDs or numeric ids)"
    )
    product_handle: str = setting(
        "", max_length=255, help="the membership product's handle, for the widget's join link"
    )
    period_length: int = setting(12, minimum=1, maximum=3650, help="length of one period")
    period_unit: str = setting("months", choices=UNITS, help="unit of period_length")
    discount_percent: Decimal = setting(
        Decimal("10"), minimum=Decimal(0), maximum=Decimal(100), help="members' discount in %"
    )
    points_multiplier: Decimal = setting(
        Decimal("1.5"), minimum=Decimal(1), maximum=Decimal(10), help="members' points multiplier"
    )
    free_shipping: bool = setting(True, help="free standard shipping for members")
    free_express_shipping: bool = setting(False, help="free shipping at every rate, express too")
    standard_shipping_max: Decimal | None = setting(
        None,
        minimum=Decimal("0.01"),
        maximum=Decimal("10000"),
        help="the highest shipping rate free standard shipping covers; null: any rate",
    )

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", _name(self.name))
        object.__setattr__(self, "product_ids", parse_ids(self.product_ids, "product_ids"))
        object.__setattr__(self, "variant_ids", parse_ids(self.variant_ids, "variant_ids"))
        if self.product_handle and not HANDLE.match(self.product_handle):
            raise InvalidInput(
                "product_handle must be a Shopify handle: lowercase letters, digits and dashes",
                field="product_handle",
            )
        limit = MAX_LENGTH[self.period_unit]
        if self.period_length > limit:
            raise InvalidInput(
                f"period_length must be a whole number from 1 to {limit} {self.period_unit}",
                field="period_length",
            )
        for name in ("discount_percent", "points_multiplier", "standard_shipping_max"):
            value = getattr(self, name)
            if value is not None and value != value.quantize(Decimal("0.01")):
                raise InvalidInput(f"{name} must have at most 2 decimals", field=name)

    @property
    def enabled(self) -> bool:
        return bool(self.product_ids or self.variant_ids)

    def sells_membership(self, product_id: int | None, variant_id: int | None) -> bool:
        return (product_id is not None and product_id in self.product_ids) or (
            variant_id is not None and variant_id in self.variant_ids
        )

    @property
    def join_url(self) -> str | None:
        return f"/products/{self.product_handle}" if self.product_handle else None


def _name(value: str) -> str:
    if not value.strip():
        raise InvalidInput("name must be 1 to 40 characters", field="name")
    return value.strip()


def parse_ids(raw: Any, field: str) -> tuple[int, ...]:
    """Shopify ids given as GIDs of the field's kind or as numbers, without repeats."""
    kind = "Product" if field == "product_ids" else "ProductVariant"
    if not isinstance(raw, list | tuple):
        raise InvalidInput(f"{field} must be a list of Shopify ids", field=field)
    if len(raw) > MAX_IDS:
        raise InvalidInput(f"{field} must hold at most {MAX_IDS} ids", field=field)
    ids: list[int] = []
    for index, item in enumerate(raw):
        number = _id(item, kind)
        if number is None:
            raise InvalidInput(
                f"{field}[{index}] must be a Shopify id: gid://shopify/{kind}/<number> "
                f"or a number from 1 to {MAX_ID}",
                field=f"{field}[{index}]",
            )
        if number not in ids:
            ids.append(number)
    return tuple(ids)


def _id(item: Any, kind: str) -> int | None:
    if isinstance(item, bool):
        return None
    text = str(item).strip() if isinstance(item, int | str) else ""
    prefix = f"gid://shopify/{kind}/"
    if text.startswith(prefix):
        text = text[len(prefix) :]
    number = plain_number(text)
    return number if number is not None and 0 < number <= MAX_ID else None
