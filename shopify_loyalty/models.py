"""Every model, imported in one place so the metadata (and Alembic) sees them all."""

from shopify_loyalty.customers.models import Customer
from shopify_loyalty.db import Base
from shopify_loyalty.inbox.models import WebhookEvent
from shopify_loyalty.jobs.models import Job
from shopify_loyalty.orders.models import Order, Refund
from shopify_loyalty.points.models import LedgerEntry
from shopify_loyalty.privacy.models import DataRequestExport
from shopify_loyalty.programs.models import ProgramConfig
from shopify_loyalty.shops.models import Shop

__all__ = [
    "Base",
    "Customer",
    "DataRequestExport",
    "Job",
    "LedgerEntry",
    "Order",
    "ProgramConfig",
    "Refund",
    "Shop",
    "WebhookEvent",
]
