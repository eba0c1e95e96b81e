"""The modules that define jobs; importing them registers their handlers."""

from __future__ import annotations

import importlib

JOB_MODULES: tuple[str, ...] = (
    "shopify_loyalty.rewards.jobs",
    "shopify_loyalty.tiers.jobs",
    "shopify_loyalty.paid_membership.jobs",
    "shopify_loyalty.referrals.jobs",
    "shopify_loyalty.affiliates.jobs",
    "shopify_loyalty.segments.tags",
    "shopify_loyalty.perks.jobs",
    "shopify_loyalty.jobs.periodic",
    "shopify_loyalty.notifications.sending",
    "shopify_loyalty.flow.triggers",
    "shopify_loyalty.outbound_webhooks.deliveries",
    "shopify_loyalty.metafields.sync",
)

_loaded = False


def load_job_modules() -> None:
    global _loaded
    if _loaded:
        return
    for module in JOB_MODULES:
        importlib.import_module(module)
    _loaded = True
