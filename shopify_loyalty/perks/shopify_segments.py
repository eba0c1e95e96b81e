"""One Shopify customer segment per audience, created once and reused by every offer.

The stored id is tried first; a segment the merchant deleted is made again. A tier's
segment has the same name and query as the one the tier discounts use, so when that one
exists Shopify answers "name taken" and it is adopted rather than duplicated.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from shopify_loyalty.perks.audiences import segment_name, segment_query
from shopify_loyalty.perks.models import PerkSegment
from shopify_loyalty.services import Services
from shopify_loyalty.shopify.admin_client import AdminClient, raise_for_user_errors
from shopify_loyalty.tiers.job_shop import shop_for_job
from shopify_loyalty.tiers.tier_discounts import (
    CREATE_SEGMENT,
    FIND_SEGMENT,
    READ_SEGMENT,
    UPDATE_SEGMENT,
)


def audience_segment_gid(
    services: Services, client: AdminClient, shop_domain: str, audience: str
) -> str:
    """The id of the audience's segment at Shopify, made or mended as needed."""
    with services.db.transaction() as session:
        shop = shop_for_job(session, shop_domain)
        shop_id = shop.id
        name, query = segment_name(session, shop, audience), segment_query(audience)
        known = session.scalar(
            select(PerkSegment.segment_gid).where(
                PerkSegment.shop_id == shop_id, PerkSegment.audience == audience
            )
        )
    segment = _read(client, known) if known else None
    if segment is None:
        segment = _create_or_adopt(client, name, query)
    elif segment.get("query") != query:
        raise_for_user_errors(
            client.execute(UPDATE_SEGMENT, {"id": segment["id"], "name": None, "query": query}),
            "segmentUpdate",
        )
    gid = str(segment["id"])
    if gid != known:
        _remember(services, shop_id, audience, gid)
    return gid


def _read(client: AdminClient, gid: str) -> dict[str, Any] | None:
    found = client.execute(READ_SEGMENT, {"id": gid}).get("segment")
    return dict(found) if found else None


def _create_or_adopt(client: AdminClient, name: str, query: str) -> dict[str, Any]:
    data = client.execute(CREATE_SEGMENT, {"name": name, "query": query})
    payload = data.get("segmentCreate") or {}
    errors = payload.get("userErrors") or []
    if errors and all("taken" in str(error.get("message", "")).lower() for error in errors):
        found = _find(client, name)
        if found is not None:
            if found.get("query") != query:
                raise_for_user_errors(
                    client.execute(
                        UPDATE_SEGMENT, {"id": found["id"], "name": None, "query": query}
                    ),
                    "segmentUpdate",
                )
            return found
    payload = raise_for_user_errors(data, "segmentCreate")
    return dict(payload["segment"])


def _find(client: AdminClient, name: str) -> dict[str, Any] | None:
    quoted = name.replace("'", "\\'")
    data = client.execute(FIND_SEGMENT, {"q": f"name:'{quoted}'"})
    for node in (data.get("segments") or {}).get("nodes") or []:
        if str(node.get("name", "")).casefold() == name.casefold():
            return dict(node)
    return None


def _remember(services: Services, shop_id: int, audience: str, gid: str) -> None:
    with services.db.transaction() as session:
        row = session.scalar(
            select(PerkSegment).where(
                PerkSegment.shop_id == shop_id, PerkSegment.audience == audience
            )
        )
        if row is not None:
            row.segment_gid = gid
            return
        try:
            with session.begin_nested():
                session.add(PerkSegment(shop_id=shop_id, audience=audience, segment_gid=gid))
        except IntegrityError:
            pass
