"""Alembic migrations of the shopify_loyalty schema (run with `shopify-loyalty migrate`)."""
