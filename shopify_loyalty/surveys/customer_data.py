"""Survey answers in data requests and erasure: the comment is the shopper's own words and
is erased; the satisfaction level and score stay, anonymous, for the shop's insights."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from shopify_loyalty.customers.models import Customer
from shopify_loyalty.privacy.requests import register_customer_data
from shopify_loyalty.shops.models import Shop
from shopify_loyalty.surveys.models import SurveyResponse


def export_survey_responses(session: Session, shop: Shop, customer: Customer) -> dict[str, Any]:
    responses = session.scalars(
        select(SurveyResponse)
        .where(SurveyResponse.shop_id == shop.id, SurveyResponse.customer_id == customer.id)
        .order_by(SurveyResponse.id)
    )
    return {
        "survey_responses": [
            {
                "order_id": response.shopify_order_id,
                "satisfaction": response.satisfaction,
                "recommendation_score": response.recommendation_score,
                "comment": response.comment,
                "created_at": response.created_at.isoformat(),
            }
            for response in responses
        ]
    }


def erase_comments(session: Session, shop: Shop, customer: Customer) -> None:
    session.execute(
        update(SurveyResponse)
        .where(SurveyResponse.shop_id == shop.id, SurveyResponse.customer_id == customer.id)
        .values(comment=None)
    )


register_customer_data(exporter=export_survey_responses, redactor=erase_comments)
