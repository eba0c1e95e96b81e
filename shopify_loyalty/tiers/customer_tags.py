"""The customer's tier as a Shopify customer tag (``loyalty-tier:gold``).

The sync reads the customer's tier from our database and their tags from Shopify when it
runs (never from the job's payload), removes every other ``loyalty-tier:`` tag and adds the
current one. So it can run any number of times, in any order, and the last run leaves the
right tag; after writing it reads our tier again and repeats if a move committed meanwhile.
Tags the merchant set themselves are never touched.
"""

from __future__ import annotations

from sqlalchemy import select

from shopify_loyalty.customers.models import Customer
from shopify_loyalty.programs.config import load
from shopify_loyalty.services import Services
from shopify_loyalty.shopify.admin_client import AdminClient, raise_for_user_errors
from shopify_loyalty.shops.install import admin_client
from shopify_loyalty.tiers.job_shop import shop_for_job
from shopify_loyalty.tiers.models import TierMembership
from shopify_loyalty.tiers.rules import TAG_PREFIX, TierConfig

READ_TAGS = "query($id: ID!) { customer(id: $id) { id tags } }"
ADD_TAGS = """mutation($id: ID!, $tags: [String!]!) { tagsAdd(id: $id, tags: $tags) {
  node { id } userErrors { field message } } }"""
REMOVE_TAGS = """mutation($id: ID!, $tags: [String!]!) { tagsRemove(id: $id, tags: $tags) {
  node { id } userErrors { field message } } }"""
MAX_ROUNDS = 3


def customer_gid(shopify_customer_id: int) -> str:
    return f"gid://shopify/Customer/{shopify_customer_id}"


def sync_customer_tag(services: Services, shop_domain: str, customer_id: int) -> None:
    """Make the customer's ``loyalty-tier:`` tag at Shopify match their tier here."""
    client: AdminClient | None = None
    applied: tuple[str, str | None] | None = None
    for _ in range(MAX_ROUNDS):
        wanted = _wanted_tag(services, shop_domain, customer_id)
        if wanted is None or (client is not None and wanted == applied):
            return
        gid, tag = wanted
        client = client or admin_client(services, shop_domain)
        if not _apply(client, gid, tag):
            return
        applied = wanted


def _wanted_tag(
    services: Services, shop_domain: str, customer_id: int
) -> tuple[str, str | None] | None:
    """The customer's Shopify id and the tag they should carry; None: leave them alone."""
    with services.db.transaction() as session:
        shop = shop_for_job(session, shop_domain)
        customer = session.scalar(
            select(Customer).where(Customer.shop_id == shop.id, Customer.id == customer_id)
        )
        if customer is None or customer.deleted_at is not None or customer.redacted_at is not None:
            return None
        key = session.scalar(
            select(TierMembership.tier_key).where(
                TierMembership.shop_id == shop.id, TierMembership.customer_id == customer.id
            )
        )
        level = load(session, shop, TierConfig).level(key)
        return customer_gid(customer.shopify_customer_id), level.tag if level else None


def _apply(client: AdminClient, gid: str, tag: str | None) -> bool:
    """Write the tag; False when the customer no longer exists at Shopify."""
    found = client.execute(READ_TAGS, {"id": gid}).get("customer")
    if not found:
        return False
    tags = [str(t) for t in found.get("tags") or []]
    stale = [t for t in tags if t.lower().startswith(TAG_PREFIX) and t.lower() != tag]
    if stale:
        raise_for_user_errors(client.execute(REMOVE_TAGS, {"id": gid, "tags": stale}), "tagsRemove")
    if tag is not None and tag not in (t.lower() for t in tags):
        raise_for_user_errors(client.execute(ADD_TAGS, {"id": gid, "tags": [tag]}), "tagsAdd")
    return True
