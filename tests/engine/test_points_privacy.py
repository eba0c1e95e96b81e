"""A customer's birthday and survey answers go into data-request exports, and redaction
erases the birthday and the comment while the points stay."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import requests
from sqlalchemy import select
from sqlalchemy.orm import Session

from shopify_loyalty.customers.models import Customer
from shopify_loyalty.points.birthdays import set_birthday
from shopify_loyalty.points.ledger import Balance
from shopify_loyalty.points.models import CustomerBirthday
from shopify_loyalty.services import Services
from shopify_loyalty.shops.models import Shop
from shopify_loyalty.surveys.feedback import record_feedback
from shopify_loyalty.surveys.models import SurveyResponse
from tests.conftest import new_id, sample

Deliver = Callable[..., requests.Response]
RowsFor = Callable[[Session, int], tuple[Shop, Customer]]


def privacy_request(topic: str, customer: int, order: int) -> dict[str, Any]:
    payload = sample(topic)
    payload["customer"]["id"] = customer
    payload["orders_requested" if topic.endswith("data_request") else "orders_to_redact"] = [order]
    return payload


def test_birthday_and_survey_answers_are_exported_then_erased_by_redaction(
    deliver: Deliver,
    services: Services,
    rows_for: RowsFor,
    http: requests.Session,
    admin_headers: dict[str, str],
    points_of: Callable[..., Balance],
) -> None:
    customer, order = new_id(), new_id()
    deliver("customers/create", sample("customers/create", id=customer))
    paid = sample("orders/paid", id=order)
    paid["customer"]["id"] = customer
    deliver("orders/paid", paid)
    with services.db.transaction() as session:
        shop_row, customer_row = rows_for(session, customer)
        set_birthday(session, shop_row, customer_row, date(1990, 5, 17))
        record_feedback(session, shop_row, customer_row, order, "satisfied", 8, "Call me on Sunday")
    balance = points_of(customer)

    deliver("customers/data_request", privacy_request("customers/data_request", customer, order))
    listing = http.get("/admin/api/privacy/exports", headers=admin_headers).json()["exports"]
    export = http.get(f"/admin/api/privacy/exports/{listing[0]['id']}", headers=admin_headers)
    document = export.json()
    assert document["birthday"] == "1990-05-17"
    assert [
        (row["order_id"], row["satisfaction"], row["recommendation_score"], row["comment"])
        for row in document["survey_responses"]
    ] == [(order, "satisfied", 8, "Call me on Sunday")]
    assert document["points_expiry_reminders"] == []

    deliver("customers/redact", privacy_request("customers/redact", customer, order))

    with services.db.sessions() as session:
        _, customer_row = rows_for(session, customer)
        birthdays = session.scalars(
            select(CustomerBirthday).where(CustomerBirthday.customer_id == customer_row.id)
        ).all()
        answers = session.execute(
            select(SurveyResponse.satisfaction, SurveyResponse.comment).where(
                SurveyResponse.customer_id == customer_row.id
            )
        ).all()
    assert birthdays == []
    assert [tuple(answer) for answer in answers] == [("satisfied", None)]
    assert points_of(customer) == balance
