"""Rewards: the catalogue shoppers spend points on, and the discount codes we issue."""
