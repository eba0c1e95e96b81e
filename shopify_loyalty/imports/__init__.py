"""Bringing history in and data out: backfill of past customers and orders, points balances
from other loyalty apps, and the customers export."""
