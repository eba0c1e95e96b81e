"""Outbound work (Admin API calls) queued inside a transaction and run after it commits."""
