"""Each tier's discount at Shopify, usable only by that tier's customers.

For every tier the app keeps, at Shopify:
- a customer segment ``Loyalty tier: Gold`` with the query
  ``customer_tags CONTAINS 'loyalty-tier:gold'`` (the tag the app writes on members);
- a percentage code discount ``LOYALTY-GOLD`` of the tier's ``discount_percent``, whose
  ``context`` is that segment, so only the tier's customers can use it (none when the
  percentage is 0);
- with the ``free_shipping`` perk, a free-shipping code ``LOYALTY-GOLD-SHIPPING``, also
  limited to the segment.
A sync makes Shopify match the settings: it creates what is missing (again, if the merchant
deleted it), updates what differs, deactivates the discounts of removed tiers and of perks
turned off, and reactivates them when they come back. Every Shopify id is stored as soon as
it is known and looked up before anything is created, so a retried sync never makes a
second segment or discount.

The paid membership's discounts are kept the same way (see :class:`SegmentDiscounts`): its
row in ``tier_discounts`` has a key with a colon, which no tier key can have, so the tier
sync leaves it alone.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shopify_loyalty.db import utcnow
from shopify_loyalty.jobs.queue import enqueue
from shopify_loyalty.programs.config import load, section_version
from shopify_loyalty.services import Services
from shopify_loyalty.shopify.admin_client import AdminClient, raise_for_user_errors
from shopify_loyalty.shops.install import admin_client
from shopify_loyalty.shops.models import Shop
from shopify_loyalty.tiers.code_discounts import (
    BASIC,
    FREE_SHIPPING,
    CodeDiscount,
    create_code_discount,
    percentage_value,
    read_code_discount,
    set_code_discount_active,
    update_code_discount,
)
from shopify_loyalty.tiers.job_shop import shop_for_job
from shopify_loyalty.tiers.models import TierDiscount
from shopify_loyalty.tiers.rules import TierConfig, TierLevel

log = logging.getLogger(__name__)

CODE_PREFIX = "LOYALTY-"
SHIPPING_SUFFIX = "-SHIPPING"
PERCENT_TOLERANCE = Decimal("0.00001")

SEGMENT_FIELDS = "id name query"
READ_SEGMENT = f"query($id: ID!) {{ segment(id: $id) {{ {SEGMENT_FIELDS} }} }}"
FIND_SEGMENT = (
    f"query($q: String!) {{ segments(first: 10, query: $q) {{ nodes {{ {SEGMENT_FIELDS} }} }} }}"
)
CREATE_SEGMENT = f"""mutation($name: String!, $query: String!) {{
  segmentCreate(name: $name, query: $query) {{
    segment {{ {SEGMENT_FIELDS} }} userErrors {{ field message }} }} }}"""
UPDATE_SEGMENT = f"""mutation($id: ID!, $name: String, $query: String) {{
  segmentUpdate(id: $id, name: $name, query: $query) {{
    segment {{ {SEGMENT_FIELDS} }} userErrors {{ field message }} }} }}"""


@dataclass(frozen=True)
class SegmentDiscounts:
    """What one group of customers (a tier, the paid members) gets at Shopify: the segment
    of their tag, a percentage code discount and a free-shipping code, both limited to it.

    ``max_shipping_price`` limits free shipping to rates up to that amount (None: any rate).
    """

    name: str
    segment_name: str
    tag: str
    code: str
    discount_percent: Decimal
    free_shipping: bool
    max_shipping_price: Decimal | None = None

    @property
    def segment_query(self) -> str:
        return f"customer_tags CONTAINS '{self.tag}'"

    @property
    def shipping_code(self) -> str:
        return f"{self.code}{SHIPPING_SUFFIX}"


def tier_discounts_of(level: TierLevel) -> SegmentDiscounts:
    return SegmentDiscounts(
        name=level.name,
        segment_name=segment_name(level),
        tag=level.tag,
        code=discount_code(level),
        discount_percent=level.discount_percent,
        free_shipping=level.free_shipping,
    )


def segment_name(level: TierLevel) -> str:
    return f"Loyalty tier: {level.name}"


def segment_query(level: TierLevel) -> str:
    return f"customer_tags CONTAINS '{level.tag}'"


def discount_code(level: TierLevel) -> str:
    return f"{CODE_PREFIX}{level.key.upper()}"


def shipping_code(level: TierLevel) -> str:
    return f"{discount_code(level)}{SHIPPING_SUFFIX}"


def program_sync_key(session: Session, shop: Shop, suffix: str = "") -> str:
    """The job key of the tier program sync for the current version of the settings."""
    return f"tiers.sync_program:v{section_version(session, shop, TierConfig)}{suffix}"


def queue_program_sync(session: Session, shop: Shop) -> None:
    """Queue the sync for the tier settings as they are now (once per version of them)."""
    enqueue(session, shop, "tiers.sync_program", {}, key=program_sync_key(session, shop))


def sync_tier_program(services: Services, shop_domain: str) -> None:
    """Make the shop's tier segments and discounts at Shopify match the tier settings."""
    with services.db.transaction() as session:
        shop = shop_for_job(session, shop_domain)
        config = load(session, shop, TierConfig)
        shop_id = shop.id
        known = {
            row.tier_key: row.id
            for row in session.scalars(select(TierDiscount).where(TierDiscount.shop_id == shop_id))
            if ":" not in row.tier_key  # the paid membership's row, kept by its own sync
        }
    client = admin_client(services, shop_domain)
    for level in config.tiers:
        row_id = known.get(level.key) or add_discount_row(services, shop_id, level.key)
        sync_segment_discounts(services, client, row_id, tier_discounts_of(level))
    configured = {level.key for level in config.tiers}
    retired = [key for key in known if key not in configured]
    for key in retired:
        _retire_tier(services, client, known[key])
    log.info(
        "tier discounts of %s in step: %d tiers, %d retired",
        shop_domain,
        len(config.tiers),
        len(retired),
    )


def add_discount_row(services: Services, shop_id: int, key: str) -> int:
    """The id of the row that keeps the Shopify ids of ``key``'s discounts (made once)."""
    with services.db.transaction() as session:
        row = TierDiscount(shop_id=shop_id, tier_key=key)
        try:
            with session.begin_nested():
                session.add(row)
        except IntegrityError:
            found = session.scalars(
                select(TierDiscount).where(
                    TierDiscount.shop_id == shop_id, TierDiscount.tier_key == key
                )
            ).one()
            return found.id
        return row.id


def sync_segment_discounts(
    services: Services, client: AdminClient, row_id: int, spec: SegmentDiscounts
) -> None:
    """Make the segment and the two code discounts of ``spec`` at Shopify match it."""
    row = _row(services, row_id)
    segment_gid = _ensure_segment(client, row.segment_gid, spec)
    _store(services, row_id, segment_gid=segment_gid, retired=False)
    percent = spec.discount_percent
    gid, active = _ensure_discount(
        client,
        BASIC,
        row.discount_gid,
        wanted=percent > 0,
        fields=_percentage_fields(spec, segment_gid),
        matches=lambda found: _percentage_matches(found, spec, segment_gid),
    )
    _store(
        services,
        row_id,
        discount_gid=gid,
        discount_code=spec.code,
        discount_percent=percent,
        discount_active=active,
    )
    gid, active = _ensure_discount(
        client,
        FREE_SHIPPING,
        row.shipping_gid,
        wanted=spec.free_shipping,
        fields=_shipping_fields(spec, segment_gid),
        matches=lambda found: _shipping_matches(found, spec, segment_gid),
    )
    _store(
        services,
        row_id,
        shipping_gid=gid,
        shipping_code=spec.shipping_code,
        shipping_active=active,
        synced_at=utcnow(),
    )


def _retire_tier(services: Services, client: AdminClient, row_id: int) -> None:
    retire_segment_discounts(services, client, row_id)


def retire_segment_discounts(services: Services, client: AdminClient, row_id: int) -> None:
    """The merchant removed the tier (or the membership): its discounts stop working; the
    segment stays theirs."""
    row = _row(services, row_id)
    for gid in (row.discount_gid, row.shipping_gid):
        if gid is None:
            continue
        found = read_code_discount(client, gid)
        if found is not None and found.active:
            set_code_discount_active(client, gid, False)
    _store(
        services,
        row_id,
        retired=True,
        discount_active=False,
        shipping_active=False,
        synced_at=utcnow(),
    )


def _ensure_segment(client: AdminClient, gid: str | None, spec: SegmentDiscounts) -> str:
    name, query = spec.segment_name, spec.segment_query
    segment = _read_segment(client, gid) if gid else None
    if segment is None:
        data = client.execute(CREATE_SEGMENT, {"name": name, "query": query})
        payload = data.get("segmentCreate") or {}
        errors = payload.get("userErrors") or []
        if errors and all("taken" in str(error.get("message", "")).lower() for error in errors):
            # Our earlier create went through but its answer was lost: adopt that segment.
            segment = _find_segment(client, name)
        if segment is None:
            payload = raise_for_user_errors(data, "segmentCreate")
            return str(payload["segment"]["id"])
    if segment.get("name") != name or segment.get("query") != query:
        raise_for_user_errors(
            client.execute(UPDATE_SEGMENT, {"id": segment["id"], "name": name, "query": query}),
            "segmentUpdate",
        )
    return str(segment["id"])


def _read_segment(client: AdminClient, gid: str) -> dict[str, Any] | None:
    segment = client.execute(READ_SEGMENT, {"id": gid}).get("segment")
    return dict(segment) if segment else None


def _find_segment(client: AdminClient, name: str) -> dict[str, Any] | None:
    quoted = name.replace("'", "\\'")
    data = client.execute(FIND_SEGMENT, {"q": f"name:'{quoted}'"})
    for node in (data.get("segments") or {}).get("nodes") or []:
        if str(node.get("name", "")).casefold() == name.casefold():
            return dict(node)
    return None


def _ensure_discount(
    client: AdminClient,
    kind: str,
    gid: str | None,
    *,
    wanted: bool,
    fields: dict[str, Any],
    matches: Callable[[CodeDiscount], bool],
) -> tuple[str | None, bool]:
    """Bring one discount to the wanted state; returns its id and whether it is active."""
    found = read_code_discount(client, gid) if gid else None
    if not wanted:
        if found is not None and found.active:
            set_code_discount_active(client, found.gid, False)
        return (found.gid if found else gid), False
    if found is None:
        gid = create_code_discount(client, kind, fields)
        found = read_code_discount(client, gid)
        if found is None:
            return gid, True
    if not matches(found):
        update = {key: value for key, value in fields.items() if key not in ("code", "startsAt")}
        stale = [segment for segment in found.segment_gids if segment not in _segments(fields)]
        if stale:
            update["context"] = {"customerSegments": {"add": _segments(fields), "remove": stale}}
        update_code_discount(client, kind, found.gid, update)
    if not found.active:
        set_code_discount_active(client, found.gid, True)
    return found.gid, True


def _segments(fields: dict[str, Any]) -> list[str]:
    return list(fields["context"]["customerSegments"]["add"])


def _percentage_fields(spec: SegmentDiscounts, segment_gid: str) -> dict[str, Any]:
    return {
        "title": f"{spec.name} members: {spec.discount_percent.normalize():f}% off",
        "code": spec.code,
        "startsAt": utcnow().isoformat(),
        "context": {"customerSegments": {"add": [segment_gid]}},
        "customerGets": {
            "value": {"percentage": percentage_value(spec.discount_percent)},
            "items": {"all": True},
        },
        "appliesOncePerCustomer": False,
        "combinesWith": {
            "orderDiscounts": False,
            "productDiscounts": True,
            "shippingDiscounts": True,
        },
    }


def _shipping_fields(spec: SegmentDiscounts, segment_gid: str) -> dict[str, Any]:
    return {
        "title": f"{spec.name} members: free shipping",
        "code": spec.shipping_code,
        "startsAt": utcnow().isoformat(),
        "context": {"customerSegments": {"add": [segment_gid]}},
        "destination": {"all": True},
        "appliesOncePerCustomer": False,
        "combinesWith": {
            "orderDiscounts": True,
            "productDiscounts": True,
            "shippingDiscounts": False,
        },
        # Null lifts a limit set before: free shipping then covers every rate again.
        "maximumShippingPrice": str(spec.max_shipping_price)
        if spec.max_shipping_price is not None
        else None,
    }


def _percentage_matches(found: CodeDiscount, spec: SegmentDiscounts, segment_gid: str) -> bool:
    wanted = spec.discount_percent / Decimal(100)
    return (
        found.percentage is not None
        and abs(found.percentage - wanted) < PERCENT_TOLERANCE
        and found.title == _percentage_fields(spec, segment_gid)["title"]
        and found.segment_gids == (segment_gid,)
    )


def _shipping_matches(found: CodeDiscount, spec: SegmentDiscounts, segment_gid: str) -> bool:
    return (
        found.title == _shipping_fields(spec, segment_gid)["title"]
        and found.segment_gids == (segment_gid,)
        and found.max_shipping_price == spec.max_shipping_price
    )


def _row(services: Services, row_id: int) -> TierDiscount:
    with services.db.transaction() as session:
        row = session.get_one(TierDiscount, row_id)
        session.expunge(row)
        return row


def _store(services: Services, row_id: int, **values: Any) -> None:
    with services.db.transaction() as session:
        row = session.get_one(TierDiscount, row_id)
        for name, value in values.items():
            setattr(row, name, value)
