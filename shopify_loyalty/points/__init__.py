"""The points ledger: append-only, balances derived."""
