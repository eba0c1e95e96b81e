"""Recording a shopper's post-purchase feedback, and the feedback bonus it earns.

One answer per order, from the customer who placed it, once the order is paid. The answer
earns the feedback bonus once; test orders and cancelled orders earn none (otherwise placing
and cancelling orders would farm the bonus).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shopify_loyalty.customers.models import Customer
from shopify_loyalty.errors import Conflict, InvalidInput, NotFound
from shopify_loyalty.orders.records import find_order
from shopify_loyalty.points.bonuses import award_bonus
from shopify_loyalty.points.rules import PointsConfig
from shopify_loyalty.points.sources import FEEDBACK_BONUS
from shopify_loyalty.programs.config import load
from shopify_loyalty.shops.models import Shop
from shopify_loyalty.surveys.models import SATISFACTION_LEVELS, SurveyResponse

MAX_COMMENT = 2000
SCORE_RANGE = range(0, 11)


def feedback_key(shopify_order_id: int) -> str:
    return f"bonus:feedback:{shopify_order_id}"


def record_feedback(
    session: Session,
    shop: Shop,
    customer: Customer,
    order_id: int,
    satisfaction: str,
    recommendation_score: int,
    comment: str | None = None,
) -> SurveyResponse:
    """Store the customer's answer for the order and award the feedback bonus.

    Raises InvalidInput naming the field for an unusable answer, NotFound (``order_id``)
    unless the order is a paid order of this customer, and Conflict when the order was
    answered before.
    """
    if customer.shop_id != shop.id:
        raise ValueError("the customer belongs to another shop")
    if satisfaction not in SATISFACTION_LEVELS:
        raise InvalidInput(
            f"satisfaction must be one of {', '.join(SATISFACTION_LEVELS)}", field="satisfaction"
        )
    if (
        isinstance(recommendation_score, bool)
        or not isinstance(recommendation_score, int)
        or recommendation_score not in SCORE_RANGE
    ):
        raise InvalidInput(
            "recommendation_score must be a whole number from 0 to 10",
            field="recommendation_score",
        )
    if comment is not None:
        if not isinstance(comment, str):
            raise InvalidInput("comment must be text", field="comment")
        comment = comment.strip() or None
        if comment is not None and len(comment) > MAX_COMMENT:
            raise InvalidInput(f"comment must be at most {MAX_COMMENT} characters", field="comment")
    order = find_order(session, shop, order_id)
    if order is None or order.customer_id != customer.id or order.paid_at is None:
        raise NotFound("No paid order of this customer has that id.", field="order_id")
    if _answer(session, shop, order_id) is not None:
        raise _already_answered()
    response = SurveyResponse(
        shop_id=shop.id,
        customer_id=customer.id,
        shopify_order_id=order_id,
        satisfaction=satisfaction,
        recommendation_score=recommendation_score,
        comment=comment,
    )
    try:
        with session.begin_nested():
            session.add(response)
    except IntegrityError as error:
        raise _already_answered() from error
    if not order.test and order.cancelled_at is None:
        config = load(session, shop, PointsConfig)
        award_bonus(
            session,
            shop,
            customer,
            FEEDBACK_BONUS,
            config.feedback_bonus,
            feedback_key(order_id),
            note=f"Feedback on order {order.name or order_id}",
        )
    return response


def _answer(session: Session, shop: Shop, order_id: int) -> SurveyResponse | None:
    return session.scalar(
        select(SurveyResponse).where(
            SurveyResponse.shop_id == shop.id, SurveyResponse.shopify_order_id == order_id
        )
    )


def _already_answered() -> Conflict:
    return Conflict(
        "This order's survey was answered already.", field="order_id", code="already_answered"
    )
