"""Keeping an affiliate code's discount at Shopify as the merchant set it.

The sync creates the discount on first run (adopting it when an earlier attempt already
made it and its answer was lost), then activates or deactivates it to match the code's
``active`` flag. Shopify's deactivation ends the discount now and reactivation clears the
end, so a code with an expiry gets its ``endsAt`` written back after reactivation.
"""

from __future__ import annotations

from sqlalchemy import select

from shopify_loyalty.affiliates.codes import discount_fields
from shopify_loyalty.affiliates.models import Affiliate, AffiliateCode
from shopify_loyalty.db import utcnow
from shopify_loyalty.jobs.queue import PermanentJobError
from shopify_loyalty.services import Services
from shopify_loyalty.shopify.admin_client import AdminUserError
from shopify_loyalty.shops.install import admin_client
from shopify_loyalty.tiers.code_discounts import (
    BASIC,
    create_code_discount,
    read_code_discount,
    set_code_discount_active,
    update_code_discount,
)
from shopify_loyalty.tiers.job_shop import shop_for_job


def sync_code_discount(services: Services, shop_domain: str, code_id: int) -> None:
    """Make the code's Shopify discount exist and be active exactly when the code is."""
    with services.db.transaction() as session:
        shop = shop_for_job(session, shop_domain)
        code = session.scalar(
            select(AffiliateCode).where(
                AffiliateCode.shop_id == shop.id, AffiliateCode.id == code_id
            )
        )
        if code is None:
            return
        if code.synced_version is not None and code.synced_version >= code.version:
            return
        affiliate = session.get_one(Affiliate, code.affiliate_id)
        title = f"Affiliate {affiliate.name}: {code.code}"
        fields = discount_fields(code, title, utcnow())
        gid, active, version, ends_at = code.discount_gid, code.active, code.version, code.ends_at
    client = admin_client(services, shop_domain)
    try:
        found = read_code_discount(client, gid) if gid else None
        if found is None:
            gid = create_code_discount(client, BASIC, fields)
            found = read_code_discount(client, gid)
        if found is not None and found.active != active:
            set_code_discount_active(client, found.gid, active)
            if active and ends_at is not None:
                update_code_discount(client, BASIC, found.gid, {"endsAt": ends_at.isoformat()})
    except AdminUserError as error:
        _record(services, code_id, gid, None, str(error))
        raise PermanentJobError(f"Shopify refused the code: {error}") from error
    _record(services, code_id, gid, version, None)


def _record(
    services: Services, code_id: int, gid: str | None, version: int | None, error: str | None
) -> None:
    with services.db.transaction() as session:
        code = session.get(AffiliateCode, code_id)
        if code is None:
            return
        if gid is not None:
            code.discount_gid = gid
        if version is not None and (code.synced_version or 0) < version:
            code.synced_version = version
        code.sync_error = error[:2000] if error else None
