"""The merchant's lifecycle settings (section ``lifecycle``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from shopify_loyalty.programs.config import setting
from shopify_loyalty.programs.registry import register_section


@register_section
@dataclass(frozen=True)
class LifecycleConfig:
    section: ClassVar[str] = "lifecycle"

    regular_min_orders: int = setting(
        4,
        minimum=3,
        maximum=100,
        help="Paid orders (not cancelled) that make a customer a regular; two make a repeat "
        "buyer, so a regular needs at least three.",
    )
