"""Issuing a discount code to a customer: the code row first, Shopify afterwards.

Rewards that are earned rather than bought (a full stamp card, a tier's entry reward, a
referral) are issued inside the transaction of the event that earned them; the code row is
written as pending and a job creates the discount at Shopify once that transaction commits,
so a webhook never waits on Shopify and a rolled-back event leaves no code behind.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shopify_loyalty.customers.models import Customer
from shopify_loyalty.db import utcnow
from shopify_loyalty.jobs.queue import enqueue
from shopify_loyalty.privacy.requests import register_customer_data
from shopify_loyalty.rewards.codes import new_code
from shopify_loyalty.rewards.models import PENDING, IssuedCode
from shopify_loyalty.rewards.spec import CENT, RewardSpec
from shopify_loyalty.rewards.usage import remember_issued_code
from shopify_loyalty.shops.models import Shop

CREATE_CODE_JOB = "rewards.create_code"
# A fresh code colliding with one already issued is a one-in-10^17 event; a few draws make
# a repeat practically impossible while a broken generator still fails loudly.
CODE_DRAWS = 5


def find_issued_code(session: Session, shop: Shop, key: str) -> IssuedCode | None:
    return session.scalar(
        select(IssuedCode).where(IssuedCode.shop_id == shop.id, IssuedCode.idempotency_key == key)
    )


def issue_reward_code(
    session: Session,
    shop: Shop,
    customer: Customer,
    spec: RewardSpec,
    *,
    source: str,
    key: str,
) -> IssuedCode:
    """Give the customer a single-use code for ``spec``, once per ``key``.

    The row is pending until the ``rewards.create_code`` job has created the discount at
    Shopify. Issuing again with the same key returns the code issued the first time.
    """
    existing = find_issued_code(session, shop, key)
    if existing is not None:
        return existing
    issued = new_issued_code(session, shop, customer, spec, source=source, key=key)
    enqueue(
        session,
        shop,
        CREATE_CODE_JOB,
        {"issued_code_id": issued.id},
        key=f"{CREATE_CODE_JOB}:{issued.id}",
    )
    return issued


def new_issued_code(
    session: Session,
    shop: Shop,
    customer: Customer,
    spec: RewardSpec,
    *,
    source: str,
    key: str,
    reward_id: int | None = None,
    points_spent: int = 0,
    now: datetime | None = None,
) -> IssuedCode:
    """Write a pending code row with a fresh unguessable code; the database keeps codes and
    keys unique per shop, and a key already used returns the row written under it."""
    moment = now or utcnow()
    for _ in range(CODE_DRAWS):
        issued = IssuedCode(
            shop_id=shop.id,
            customer_id=customer.id,
            reward_id=reward_id,
            source=source,
            idempotency_key=key,
            code=new_code(),
            title=spec.title,
            kind=spec.kind,
            value=spec.value.quantize(CENT),
            minimum_order=spec.minimum_order.quantize(CENT) if spec.minimum_order else None,
            points_spent=points_spent,
            status=PENDING,
            starts_at=moment,
            ends_at=moment + timedelta(days=spec.expiry_days) if spec.expiry_days else None,
            created_at=moment,
        )
        try:
            with session.begin_nested():
                session.add(issued)
        except IntegrityError:
            # Either another transaction issued under this key first, or the code is taken.
            existing = find_issued_code(session, shop, key)
            if existing is not None:
                remember_issued_code(session, existing)
                return existing
            continue
        # A later order of the same transaction may name it (see ``record_code_usage``).
        remember_issued_code(session, issued)
        return issued
    raise RuntimeError("could not draw an unused discount code")


def export_issued_codes(session: Session, shop: Shop, customer: Customer) -> dict[str, Any]:
    """The codes issued to the customer, for a customers/data_request export."""
    codes = session.scalars(
        select(IssuedCode)
        .where(IssuedCode.shop_id == shop.id, IssuedCode.customer_id == customer.id)
        .order_by(IssuedCode.id)
    )
    return {
        "issued_codes": [
            {
                "code": issued.code,
                "title": issued.title,
                "source": issued.source,
                "status": issued.status,
                "points_spent": issued.points_spent,
                "created_at": issued.created_at.isoformat(),
                "ends_at": issued.ends_at.isoformat() if issued.ends_at else None,
                "used_at": issued.used_at.isoformat() if issued.used_at else None,
                "used_shopify_order_id": issued.used_shopify_order_id,
            }
            for issued in codes
        ]
    }


register_customer_data(exporter=export_issued_codes)
