"""Insights: the retention and program figures that tell a merchant whether loyalty pays."""
