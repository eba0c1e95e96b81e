"""What the affiliate area holds about a customer, for privacy requests.

A conversion ties a customer to the order an affiliate brought. The export lists them; a
redaction unlinks them from the customer, so the affiliate's commission and the merchant's
accounts stay whole while nothing in this area points at the person any more.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from shopify_loyalty.affiliates.models import AffiliateCode, AffiliateConversion
from shopify_loyalty.customers.models import Customer
from shopify_loyalty.privacy.requests import register_customer_data
from shopify_loyalty.shops.models import Shop


def export_affiliate_orders(session: Session, shop: Shop, customer: Customer) -> dict[str, Any]:
    rows = session.execute(
        select(AffiliateConversion, AffiliateCode.code)
        .join(AffiliateCode, AffiliateCode.id == AffiliateConversion.code_id)
        .where(
            AffiliateConversion.shop_id == shop.id,
            AffiliateConversion.customer_id == customer.id,
        )
        .order_by(AffiliateConversion.id)
    ).all()
    return {
        "affiliate_orders": [
            {
                "order_id": conversion.shopify_order_id,
                "affiliate_code": code,
                "matched_by": conversion.matched_by,
                "new_customer": conversion.new_customer,
                "status": conversion.status,
                "ordered_at": conversion.ordered_at.isoformat(),
            }
            for conversion, code in rows
        ]
    }


def unlink_affiliate_orders(session: Session, shop: Shop, customer: Customer) -> None:
    session.execute(
        update(AffiliateConversion)
        .where(
            AffiliateConversion.shop_id == shop.id,
            AffiliateConversion.customer_id == customer.id,
        )
        .values(customer_id=None)
        .execution_options(synchronize_session=False)
    )


register_customer_data(exporter=export_affiliate_orders, redactor=unlink_affiliate_orders)
