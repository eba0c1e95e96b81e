"""Segments as Shopify customer tags (``loyalty-segment:champions``), for the merchant's
campaigns at Shopify.

A sync job per segment reads the segment's customers from our database and the customers
carrying its tag from Shopify when it runs, then adds the tag where it is missing and
removes it where it no longer belongs, in batches of aliased ``tagsAdd`` / ``tagsRemove``
mutations. So it can run any number of times and the last run leaves the tags right; tags
the merchant set themselves are never touched, and customers gone from Shopify are skipped.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy.orm import Session

from shopify_loyalty.db import utcnow
from shopify_loyalty.errors import InvalidInput
from shopify_loyalty.jobs.queue import PermanentJobError, enqueue, job
from shopify_loyalty.segments.membership import SEGMENT_KINDS, find_segment, segment_tag
from shopify_loyalty.services import Services
from shopify_loyalty.shopify.admin_client import AdminClient, AdminUserError
from shopify_loyalty.shops.install import admin_client
from shopify_loyalty.shops.models import Shop
from shopify_loyalty.tiers.customer_tags import customer_gid
from shopify_loyalty.tiers.job_shop import shop_for_job

SYNC_JOB = "segments.sync_tags"
BATCH_SIZE = 25
# Pages of 50 keep each read cheap under Shopify's cost-based throttling (a page costs
# about one point per customer), and most segments fit in a page or two.
TAGGED_CUSTOMERS = """query($query: String!, $after: String) {
  customers(first: 50, after: $after, query: $query) {
    nodes { id } pageInfo { hasNextPage endCursor } } }"""
GONE = "Resource does not exist"


def queue_segment_sync(
    session: Session, shop: Shop, names: Sequence[str] | None = None
) -> list[str]:
    """Queue a tag sync for each named segment (all of them by default); returns the names."""
    chosen = list(names) if names is not None else list(SEGMENT_KINDS)
    for name in chosen:
        if name not in SEGMENT_KINDS:
            raise InvalidInput(
                f"{name} is not a segment; segments are {', '.join(SEGMENT_KINDS)}",
                field="segments",
            )
    request = uuid.uuid4().hex
    for name in chosen:
        enqueue(session, shop, SYNC_JOB, {"segment": name}, key=f"segment-tags:{name}:{request}")
    return chosen


@job(SYNC_JOB)
def sync_segment_tags(services: Services, shop_domain: str, payload: dict[str, Any]) -> None:
    name = str(payload.get("segment"))
    if name not in SEGMENT_KINDS:
        raise PermanentJobError(f"no segment {name}")
    with services.db.transaction() as session:
        shop = shop_for_job(session, shop_domain)
        segment = find_segment(session, shop, name, utcnow())
        wanted = {customer_gid(m.profile.shopify_customer_id) for m in segment.members}
    tag = segment_tag(name)
    client = admin_client(services, shop_domain)
    tagged = tagged_customers(client, tag)
    change_tags(client, "tagsAdd", tag, sorted(wanted - tagged))
    change_tags(client, "tagsRemove", tag, sorted(tagged - wanted))


def tagged_customers(client: AdminClient, tag: str) -> set[str]:
    """The ids of the customers carrying ``tag`` at Shopify."""
    found: set[str] = set()
    after: str | None = None
    while True:
        page = client.execute(TAGGED_CUSTOMERS, {"query": f"tag:'{tag}'", "after": after})
        customers = page.get("customers") or {}
        found.update(str(node["id"]) for node in customers.get("nodes") or [])
        info = customers.get("pageInfo") or {}
        if not info.get("hasNextPage"):
            return found
        after = info.get("endCursor")


def change_tags(client: AdminClient, mutation: str, tag: str, gids: Iterable[str]) -> None:
    """Run ``mutation`` (tagsAdd or tagsRemove) with ``tag`` for each customer, batched."""
    pending = list(gids)
    for start in range(0, len(pending), BATCH_SIZE):
        batch = pending[start : start + BATCH_SIZE]
        data = client.execute(_batch_document(mutation, len(batch)), _batch_variables(tag, batch))
        for index in range(len(batch)):
            errors = (data.get(f"c{index}") or {}).get("userErrors") or []
            # A customer deleted at Shopify since we last heard of them has nothing to tag.
            real = [error for error in errors if error.get("message") != GONE]
            if real:
                raise AdminUserError(real, mutation)


def _batch_document(mutation: str, size: int) -> str:
    ids = ", ".join(f"$id{index}: ID!" for index in range(size))
    fields = " ".join(
        f"c{index}: {mutation}(id: $id{index}, tags: $tags) {{ userErrors {{ field message }} }}"
        for index in range(size)
    )
    return f"mutation({ids}, $tags: [String!]!) {{ {fields} }}"


def _batch_variables(tag: str, gids: Sequence[str]) -> dict[str, Any]:
    variables: dict[str, Any] = {f"id{index}": gid for index, gid in enumerate(gids)}
    variables["tags"] = [tag]
    return variables
