"""The ``loyalty-member:paid`` tag at Shopify, following the customer's paid membership.

The job reads the membership from our database when it runs (never from its payload) and
the customer's tags from Shopify, then adds or removes the one tag; so it can run any
number of times, in any order, and the last run leaves the right tag. Other tags, the
merchant's and the tier's, are never touched.
"""

from __future__ import annotations

from sqlalchemy import select

from shopify_loyalty.customers.models import Customer
from shopify_loyalty.db import utcnow
from shopify_loyalty.paid_membership import PAID_MEMBER_TAG
from shopify_loyalty.paid_membership.status import is_paid_member
from shopify_loyalty.services import Services
from shopify_loyalty.shopify.admin_client import raise_for_user_errors
from shopify_loyalty.shops.install import admin_client
from shopify_loyalty.tiers.customer_tags import ADD_TAGS, READ_TAGS, REMOVE_TAGS, customer_gid
from shopify_loyalty.tiers.job_shop import shop_for_job


def sync_member_tag(services: Services, shop_domain: str, customer_id: int) -> None:
    """Tag the customer at Shopify when they are a paid member now, untag them when not."""
    with services.db.transaction() as session:
        shop = shop_for_job(session, shop_domain)
        customer = session.scalar(
            select(Customer).where(Customer.shop_id == shop.id, Customer.id == customer_id)
        )
        if customer is None or customer.deleted_at is not None or customer.redacted_at is not None:
            return
        gid = customer_gid(customer.shopify_customer_id)
        member = is_paid_member(session, shop.id, customer.id, utcnow())
    client = admin_client(services, shop_domain)
    found = client.execute(READ_TAGS, {"id": gid}).get("customer")
    if not found:
        return  # gone at Shopify
    tagged = PAID_MEMBER_TAG in (str(tag).lower() for tag in found.get("tags") or [])
    if member and not tagged:
        data = client.execute(ADD_TAGS, {"id": gid, "tags": [PAID_MEMBER_TAG]})
        raise_for_user_errors(data, "tagsAdd")
    elif tagged and not member:
        data = client.execute(REMOVE_TAGS, {"id": gid, "tags": [PAID_MEMBER_TAG]})
        raise_for_user_errors(data, "tagsRemove")
