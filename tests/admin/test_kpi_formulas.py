"""The KPI formulas against values worked out by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from shopify_loyalty.errors import InvalidInput
from shopify_loyalty.insights import formulas as f
from shopify_loyalty.insights.periods import parse_period
from shopify_loyalty.insights.tables import csv_text


def test_retention_is_customers_kept_over_customers_at_the_start() -> None:
    # 20 at the start, 23 at the end of whom 5 are new: 18 of 20 kept.
    assert f.retention_rate(20, 23, 5) == 90
    assert f.churn_rate(f.retention_rate(20, 23, 5)) == 10
    assert f.retention_rate(0, 3, 3) is None
    assert f.churn_rate(None) is None


def test_order_figures_divide_revenue_and_orders_by_their_customers() -> None:
    assert f.repeat_purchase_rate(3, 12) == 25
    assert f.purchase_frequency(18, 12) == f.ratio(3, 2)
    assert f.average_order_value(Decimal("180.09"), 3) == f.ratio(6003, 100)
    assert f.revenue_per_customer(Decimal(100), 3) == f.ratio(100, 3)
    assert f.purchase_frequency(0, 0) is None
    assert f.average_order_value(Decimal(0), 0) is None


def test_lifetime_value_is_aov_times_frequency_times_lifespan_in_periods() -> None:
    lifespan = f.average_lifespan(f.churn_rate(f.retention_rate(4, 4, 1)))  # churn 25%
    assert lifespan == 4
    assert f.lifetime_value(f.ratio(8116, 100), f.ratio(5, 4), lifespan) == f.ratio(40580, 100)
    assert f.average_lifespan(f.churn_rate(f.retention_rate(4, 5, 1))) is None  # nobody left
    assert f.lifetime_value(None, f.ratio(1, 1), lifespan) is None


def test_net_promoter_score_is_promoters_less_detractors_in_percent() -> None:
    assert f.net_promoter_score([10, 9, 3]) == f.ratio(100, 3)
    assert f.net_promoter_score([7, 8]) == 0
    assert f.net_promoter_score([0, 6, 10, 10]) == 0
    assert f.net_promoter_score([5]) == -100
    assert f.net_promoter_score([]) is None


def test_figures_are_shown_rounded_half_even_to_cents() -> None:
    assert f.rounded(f.ratio(100, 3)) == "33.33"
    assert f.rounded(f.ratio(4125, 1000)) == "4.12"
    assert f.rounded(f.ratio(4135, 1000)) == "4.14"
    assert f.rounded(f.ratio(1, 1)) == "1.00"
    assert f.rounded(None) is None
    assert f.shares({"a": 1, "b": 3}) == {"a": 25, "b": 75}
    assert f.shares({"a": 0}) == {"a": None}


def test_a_period_is_whole_utc_days_with_both_ends_included() -> None:
    period = parse_period("2026-02-01", "2026-02-28")
    assert (period.start, period.end, period.days) == (
        datetime(2026, 2, 1, tzinfo=UTC),
        datetime(2026, 3, 1, tzinfo=UTC),
        28,
    )
    assert parse_period("2026-05-05", "2026-05-05").first == date(2026, 5, 5)


@pytest.mark.parametrize(
    ("first", "last", "field"),
    [
        (None, "2026-01-01", "from"),
        ("2026-13-01", "2026-12-31", "from"),
        ("2026-01-01", "01/02/2026", "to"),
        ("2026-01-01", "2026-1-2", "to"),
        ("2026-03-01", "2026-02-28", "from"),
        ("2000-01-01", "2026-01-01", "to"),
    ],
)
def test_a_bad_period_names_the_field(first: str | None, last: str, field: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        parse_period(first, last)
    assert raised.value.field == field


def test_csv_cells_that_a_spreadsheet_would_run_are_quoted() -> None:
    text = csv_text(("name", "value"), [("=HYPERLINK(1)", "-1.50"), (None, "@x")])
    assert text == "name,value\r\n'=HYPERLINK(1),-1.50\r\n,'@x\r\n"
