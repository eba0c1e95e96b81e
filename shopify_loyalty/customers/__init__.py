"""Customers of a shop, as the loyalty program knows them."""
