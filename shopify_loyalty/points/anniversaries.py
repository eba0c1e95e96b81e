"""Account anniversaries: a yearly bonus on the day the customer's account was created.

The account's age is Shopify's creation date (our own first sight of the customer when
Shopify did not say). Like birthdays, the bonus is paid on the day or within the week after
if the periodic job missed it, once for each year the account completes.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from shopify_loyalty.customers.models import Customer
from shopify_loyalty.points.birthdays import GRACE, YearlyOccasion
from shopify_loyalty.points.rules import yearly_date
from shopify_loyalty.shops.models import Shop


def account_created(customer: Customer) -> datetime:
    return customer.shopify_created_at or customer.created_at


def anniversaries_due(session: Session, shop: Shop, now: datetime) -> list[YearlyOccasion]:
    """Anniversaries whose bonus is due at ``now`` (UTC dates), whether or not already paid."""
    today = now.date()
    first = today - GRACE
    joined = func.coalesce(Customer.shopify_created_at, Customer.created_at)
    eligible = (
        Customer.shop_id == shop.id,
        Customer.deleted_at.is_(None),
        Customer.redacted_at.is_(None),
    )
    oldest = session.scalar(select(func.min(joined)).where(*eligible))
    if oldest is None:
        return []
    # One date range per completed year keeps the look-up plain SQL on every database; the
    # exact day (29 February, the year boundary) is decided below.
    ranges = []
    for years in range(1, today.year - oldest.year + 1):
        start = _years_before(first, years) - timedelta(days=1)
        end = _years_before(today, years) + timedelta(days=2)
        ranges.append(and_(joined >= _midnight(start), joined < _midnight(end)))
    if not ranges:
        return []
    due = []
    for customer in session.scalars(
        select(Customer).where(*eligible, or_(*ranges)).order_by(Customer.id)
    ):
        created = account_created(customer).date()
        for year in {first.year, today.year}:
            day = yearly_date(created, year)
            if year > created.year and first <= day <= today:
                due.append(YearlyOccasion(customer=customer, day=day, number=year - created.year))
    return due


def _years_before(day: date, years: int) -> date:
    return yearly_date(day, day.year - years)


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)
