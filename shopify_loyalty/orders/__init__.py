"""Orders as the loyalty program sees them: paid, refunded, cancelled."""
