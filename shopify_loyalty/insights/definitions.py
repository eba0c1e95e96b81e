"""Each KPI's definition, in the merchant's words, shown beside the figure and in the JSON."""

from __future__ import annotations

DEFINITIONS: dict[str, str] = {
    "paid_order": (
        "An order with a payment date that is neither a test nor cancelled, placed by a "
        "customer (guest checkouts cannot be followed over time and are left out)."
    ),
    "revenue": (
        "The subtotal of paid orders after discounts, less refunded goods, without shipping "
        "and taxes, in the shop's currency."
    ),
    "customers_at_start": (
        "Customers with a paid order in the 365 days before the first day of the period."
    ),
    "customers_at_end": "Customers with a paid order in the 365 days up to the period's end.",
    "new_customers": "Customers whose first paid order ever falls in the period.",
    "retention_rate": (
        "((customers at end - new customers in the period) / customers at start) x 100."
    ),
    "churn_rate": "100 - retention rate.",
    "active_customers": "Customers with at least one paid order in the period.",
    "orders": "Paid orders in the period.",
    "repeat_customers": "Customers with two or more paid orders in the period.",
    "repeat_purchase_rate": "(repeat customers / active customers) x 100.",
    "purchase_frequency": "Paid orders in the period / active customers.",
    "average_order_value": "Revenue / paid orders.",
    "average_revenue_per_customer": "Revenue / active customers.",
    "average_lifespan_periods": (
        "100 / churn rate: how many periods of this length a customer stays on average; "
        "unknown when nobody churned."
    ),
    "customer_lifetime_value": (
        "Average order value x purchase frequency x average lifespan (in periods of this "
        "length), from unrounded figures."
    ),
    "members": (
        "A member is a customer with at least one row in the points ledger; non-members "
        "are the other customers who bought. Spend is revenue, order frequency paid orders "
        "per customer who bought, average order value revenue per paid order."
    ),
    "satisfaction": (
        "Post-purchase survey answers given in the period, per satisfaction level, as counts "
        "and shares of all answers."
    ),
    "net_promoter_score": (
        "Share of answers scoring 9-10 (promoters) minus share scoring 0-6 (detractors), "
        "from -100 to 100."
    ),
    "points_issued": "Points credited in the period for orders, bonuses and manual additions.",
    "points_taken_back": (
        "Points removed in the period for refunds, cancellations and manual deductions."
    ),
    "points_redeemed": (
        "Points spent on rewards in the period, net of points given back when a code failed."
    ),
    "points_expired": "Points removed in the period for inactivity.",
    "points_outstanding": (
        "Every customer's points, available and pending, at the end of the period."
    ),
    "point_value": (
        "The value of one point: the cheapest active amount-off reward's value divided by "
        "its points cost."
    ),
    "outstanding_liability": "Outstanding points x point value, in the shop's currency.",
    "redemption_rate": "(points redeemed / points issued) x 100, in the period.",
    "stamp_cards_completed": "Stamp cards filled (and their reward issued) in the period.",
    "tier_distribution": "Customers holding each tier at the end of the period.",
    "tier_movement": (
        "Moves between tiers in the period; an upgrade is a move to a higher tier, a "
        "downgrade one to a lower tier or to none."
    ),
    "paid_members": (
        "Customers holding a paid membership period at the start and at the end of the "
        "period; refunded and cancelled periods never count."
    ),
    "new_paid_members": "Customers whose first paid membership period starts in the period.",
    "churned_paid_members": (
        "Paid members at the start of the period who are not members at its end (their "
        "membership ran out or was refunded, and was not renewed); the churn rate is that "
        "number / paid members at the start x 100."
    ),
    "membership_revenue": (
        "What membership lines paid in the period cost after their discounts, not counting "
        "cancelled orders, less membership refunds made in the period, in the shop's currency."
    ),
    "affiliate_revenue": (
        "Revenue of the orders an affiliate brought in the period, not rejected as fraud "
        "nor voided by a cancellation or a full refund."
    ),
    "affiliate_commission": "Commission earned on those orders, paid out or still owed.",
    "affiliate_return": "Affiliate revenue / affiliate commission: sales per 1.00 of commission.",
}
