"""Stamp cards with a head start: one stamp per qualifying order, a reward per full card."""
