"""Which messages the shop sends (section ``email_messages``): each can be switched off.

A message switched off is still recorded for its fact, as skipped with the reason
``switched_off``, so switching it on again later never mails old news.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import ClassVar

from sqlalchemy.orm import Session

from shopify_loyalty.notifications.kinds import Kind
from shopify_loyalty.programs.config import load, setting
from shopify_loyalty.programs.registry import register_section
from shopify_loyalty.shops.models import Shop


@register_section
@dataclass(frozen=True)
class EmailMessages:
    section: ClassVar[str] = "email_messages"

    welcome: bool = setting(True, help="Welcome to a new member.")
    points_earned: bool = setting(True, help="Points earned on an order.")
    stamp_card_completed: bool = setting(True, help="A full stamp card and its reward code.")
    reward_code_issued: bool = setting(True, help="The code of a redeemed reward.")
    tier_up: bool = setting(True, help="Moved up to a VIP tier.")
    tier_down: bool = setting(True, help="Moved down a VIP tier.")
    points_expiring: bool = setting(True, help="First warning that points will expire.")
    points_last_chance: bool = setting(True, help="Last chance, days before points expire.")
    birthday: bool = setting(True, help="Birthday bonus.")
    anniversary: bool = setting(True, help="Membership anniversary bonus.")
    referral_converted: bool = setting(True, help="A referred friend's first order.")
    affiliate_payout: bool = setting(True, help="A payout to an affiliate (to their email).")

    def sends(self, kind: str) -> bool:
        return bool(getattr(self, Kind(kind).value))


def message_switches(session: Session, shop: Shop) -> EmailMessages:
    return load(session, shop, EmailMessages)


def switch_names() -> list[str]:
    return [f.name for f in fields(EmailMessages)]
