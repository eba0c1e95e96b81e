"""The referral jobs: the friend discounts at Shopify, kept in step with the settings."""

from __future__ import annotations

from typing import Any

from shopify_loyalty.jobs.queue import PermanentJobError, job
from shopify_loyalty.referrals.friend_discount import (
    queue_all_friend_discounts,
    sync_friend_discount,
)
from shopify_loyalty.services import Services
from shopify_loyalty.shopify.admin_client import AdminUserError
from shopify_loyalty.shops.install import admin_client
from shopify_loyalty.tiers.code_discounts import delete_code_discount


@job("referrals.sync_friend_discount")
def run_sync_friend_discount(services: Services, shop_domain: str, payload: dict[str, Any]) -> None:
    code_id = payload.get("referral_code_id")
    if not isinstance(code_id, int):
        raise PermanentJobError("referrals.sync_friend_discount needs a referral_code_id")
    sync_friend_discount(services, shop_domain, code_id)


@job("referrals.sync_program")
def run_sync_program(services: Services, shop_domain: str, payload: dict[str, Any]) -> None:
    queue_all_friend_discounts(services, shop_domain)


@job("referrals.withdraw_friend_discount")
def run_withdraw_friend_discount(
    services: Services, shop_domain: str, payload: dict[str, Any]
) -> None:
    """Delete a friend discount whose code named a customer who asked to be forgotten."""
    gid = payload.get("discount_gid")
    if not isinstance(gid, str):
        raise PermanentJobError("referrals.withdraw_friend_discount needs a discount_gid")
    try:
        delete_code_discount(admin_client(services, shop_domain), gid)
    except AdminUserError as error:
        # Already gone at Shopify (a merchant deleted it, or a retry after a lost answer).
        if "not exist" not in str(error).lower() and "not found" not in str(error).lower():
            raise
