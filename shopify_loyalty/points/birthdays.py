"""Birthdays: the date a shopper gives us, and the yearly bonus on it.

The bonus is paid once per year, by the periodic job, on the day or (if the job could not
run that day) within the following week. A birthday entered or changed fewer than
``birthday_notice_days`` before it falls is celebrated from the next year on, so typing in
today's date earns nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shopify_loyalty.customers.models import Customer
from shopify_loyalty.db import utcnow
from shopify_loyalty.errors import InvalidInput
from shopify_loyalty.points.models import CustomerBirthday
from shopify_loyalty.points.rules import PointsConfig, yearly_date
from shopify_loyalty.shops.models import Shop

EARLIEST_YEAR = 1900
# How late a yearly bonus may still be paid when the periodic job missed its day.
GRACE = timedelta(days=6)


@dataclass(frozen=True)
class YearlyOccasion:
    customer: Customer
    day: date
    # Which occurrence this is: the calendar year for birthdays, the nth year for
    # anniversaries. Together with the customer it keys the bonus.
    number: int


def set_birthday(
    session: Session, shop: Shop, customer: Customer, birthday: date
) -> CustomerBirthday:
    """Store (or change) the customer's birthday; raises InvalidInput naming ``birthday``."""
    if customer.shop_id != shop.id:
        raise ValueError("the customer belongs to another shop")
    if isinstance(birthday, datetime) or not isinstance(birthday, date):
        raise InvalidInput("birthday must be a date", field="birthday")
    today = utcnow().date()
    if birthday > today:
        raise InvalidInput("birthday cannot be in the future", field="birthday")
    if birthday.year < EARLIEST_YEAR:
        raise InvalidInput(f"birthday must be in {EARLIEST_YEAR} or later", field="birthday")
    row = find_birthday(session, customer)
    if row is None:
        row = CustomerBirthday(shop_id=shop.id, customer_id=customer.id)
        try:
            with session.begin_nested():
                _fill(row, birthday)
                session.add(row)
            return row
        except IntegrityError:
            # The shopper submitted twice at once; the other request stored it.
            row = find_birthday(session, customer)
            assert row is not None
    if row.birthday != birthday:
        _fill(row, birthday)
        session.flush()
    return row


def _fill(row: CustomerBirthday, birthday: date) -> None:
    row.birthday = birthday
    row.month = birthday.month
    row.day = birthday.day
    row.set_at = utcnow()


def find_birthday(session: Session, customer: Customer) -> CustomerBirthday | None:
    return session.scalar(
        select(CustomerBirthday).where(
            CustomerBirthday.shop_id == customer.shop_id,
            CustomerBirthday.customer_id == customer.id,
        )
    )


def birthdays_due(
    session: Session, shop: Shop, config: PointsConfig, now: datetime
) -> list[YearlyOccasion]:
    """Birthdays whose bonus is due at ``now`` (UTC dates), whether or not already paid."""
    today = now.date()
    first = today - GRACE
    months = {first.month, today.month}
    rows = session.execute(
        select(CustomerBirthday, Customer)
        .join(Customer, Customer.id == CustomerBirthday.customer_id)
        .where(
            CustomerBirthday.shop_id == shop.id,
            CustomerBirthday.month.in_(months),
            Customer.deleted_at.is_(None),
            Customer.redacted_at.is_(None),
        )
        .order_by(CustomerBirthday.id)
    ).all()
    due = []
    for row, customer in rows:
        for year in {first.year, today.year}:
            day = yearly_date(row.birthday, year)
            if not first <= day <= today or year <= row.birthday.year:
                continue
            if row.set_at.date() > day - timedelta(days=config.birthday_notice_days):
                continue
            due.append(YearlyOccasion(customer=customer, day=day, number=year))
    return due
