"""The public program, as the widget shows it to anyone: how to earn, the stamp card with its
head start, the tiers, the rewards, referrals, the terms, and the widget's look and texts.

Everything is in the shopper's language (English unless the shop speaks German); amounts
are formatted in the shop's currency.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from shopify_loyalty.paid_membership.rules import MembershipConfig
from shopify_loyalty.paid_membership.views import plan_json
from shopify_loyalty.points.rules import PointsConfig
from shopify_loyalty.programs.config import load
from shopify_loyalty.referrals.rules import ReferralConfig
from shopify_loyalty.rewards.catalogue import rewards_catalogue
from shopify_loyalty.rewards.models import Reward
from shopify_loyalty.rewards.spec import reward_headline
from shopify_loyalty.shops.models import Shop
from shopify_loyalty.stamps.rules import StampConfig
from shopify_loyalty.storefront.texts import (
    discount_headline,
    fill,
    format_money,
    format_number,
    texts_for,
    widget_locale,
)
from shopify_loyalty.storefront.widget_settings import WidgetConfig, text_on
from shopify_loyalty.terms.publishing import current_terms
from shopify_loyalty.tiers.rules import TierConfig

ACCOUNT_LOGIN = "/account/login"
ACCOUNT_REGISTER = "/account/register"


def program_view(session: Session, shop: Shop, locale: str) -> dict[str, Any]:
    """The program for the widget; reading it seeds the default rewards of a new shop."""
    language = widget_locale(locale)
    widget = load(session, shop, WidgetConfig)
    texts = texts_for(language, widget.texts)
    points = load(session, shop, PointsConfig)
    stamps = load(session, shop, StampConfig)
    tiers = load(session, shop, TierConfig)
    referrals = load(session, shop, ReferralConfig)
    currency = shop.currency
    return {
        "locale": language,
        "currency": currency,
        "texts": texts,
        "appearance": {
            "accent_color": widget.accent_color,
            "accent_text_color": text_on(widget.accent_color),
            "background_color": widget.background_color,
            "text_color": widget.text_color,
            "position": widget.position,
            "launcher_label": widget.launcher_label or texts["launcher"],
        },
        "earn": earn_rules(points, referrals, texts, currency, language),
        "signup_bonus": points.signup_bonus,
        "birthday_bonus": points.birthday_bonus,
        "feedback_bonus": points.feedback_bonus,
        "stamps": {
            "enabled": stamps.enabled,
            "card_size": stamps.card_size,
            "head_start": stamps.head_start,
            "reward": discount_headline(
                texts,
                stamps.reward_spec.kind,
                stamps.reward_spec.value,
                currency,
                language,
            ),
        },
        "tiers": {
            "basis": tiers.basis,
            "levels": [
                {
                    "name": level.name,
                    "threshold": threshold_text(
                        texts, tiers.basis, level.threshold, currency, language
                    ),
                    "discount_percent": format_number(level.discount_percent, language),
                    "free_shipping": level.free_shipping,
                }
                for level in tiers.tiers
            ],
        },
        "membership": plan_json(load(session, shop, MembershipConfig)),
        "rewards": [
            reward_json(reward, texts, currency, language)
            for reward in rewards_catalogue(session, shop, active_only=True)
        ],
        "referrals": {
            "enabled": referrals.enabled,
            "friend_discount": discount_headline(
                texts,
                referrals.friend_discount_kind,
                referrals.friend_discount_value,
                currency,
                language,
            ),
            "referrer_points": referrals.referrer_points,
        },
        "terms": program_terms(points, texts),
        **merchant_terms(session, shop, language),
        "urls": {"login": ACCOUNT_LOGIN, "register": ACCOUNT_REGISTER},
    }


def earn_rules(
    points: PointsConfig,
    referrals: ReferralConfig,
    texts: dict[str, str],
    currency: str,
    language: str,
) -> list[dict[str, Any]]:
    """Each way to earn that the merchant switched on, as a sentence."""
    rules: list[dict[str, Any]] = []
    if points.points_per_currency_unit > 0:
        rate = points.points_per_currency_unit
        # Said over an amount that earns at least 2 points: "10 points for every 10.00"
        # rather than "1 points for every 1.00", with no singular to get wrong in any language.
        unit = Decimal(1)
        while rate * unit < 2:
            unit *= 10
        rules.append(
            {
                "kind": "per_unit",
                "text": fill(
                    texts["earn_per_unit"],
                    points=format_number(rate * unit, language),
                    amount=format_money(unit, currency, language),
                ),
            }
        )
    optional = (
        ("per_order", points.points_per_order, "earn_per_order"),
        ("signup", points.signup_bonus, "earn_signup"),
        ("birthday", points.birthday_bonus, "earn_birthday"),
        ("feedback", points.feedback_bonus, "earn_feedback"),
        ("referral", referrals.referrer_points if referrals.enabled else 0, "earn_referral"),
    )
    for kind, amount, key in optional:
        if amount > 0:
            rules.append({"kind": kind, "text": fill(texts[key], points=amount)})
    return rules


def program_terms(points: PointsConfig, texts: dict[str, str]) -> list[str]:
    terms = [
        fill(texts["terms_pending"], days=points.pending_days),
        texts["terms_returns"],
        fill(texts["terms_expiry"], months=points.expiry_months)
        if points.expiry_months
        else texts["terms_no_expiry"],
        texts["terms_codes"],
    ]
    return terms


def merchant_terms(session: Session, shop: Shop, language: str) -> dict[str, Any]:
    """The terms the merchant published, beside the generated summary: the current version
    in the shopper's language (or English), its number and date; all None without any."""
    version = current_terms(session, shop, language)
    return {
        "terms_text": version.text if version else None,
        "terms_version": version.version if version else None,
        "terms_published_at": version.created_at.isoformat() if version else None,
    }


def threshold_text(
    texts: dict[str, str], basis: str, amount: Decimal, currency: str, language: str
) -> str:
    """A tier threshold or a distance to one: spend as money, orders or points as counts."""
    if basis == "spend":
        return format_money(amount, currency, language)
    key = "unit_orders" if basis == "orders" else "unit_points"
    return fill(texts[key], count=format_number(amount.to_integral_value(), language))


def reward_json(
    reward: Reward, texts: dict[str, str], currency: str, language: str
) -> dict[str, Any]:
    """A catalogue reward; a title the app wrote (in English) is said in the shopper's
    language, a title of the merchant's is kept as they wrote it."""
    title = reward.title
    if title == reward_headline(reward.kind, reward.value, currency):
        title = (
            texts["reward_free_shipping"]
            if reward.kind == "free_shipping"
            else discount_headline(texts, reward.kind, reward.value, currency, language)
        )
    return {
        "id": reward.id,
        "title": title,
        "kind": reward.kind,
        "points_cost": reward.points_cost,
    }
