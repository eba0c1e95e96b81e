"""Where a customer stands in their life with the shop: prospect to fan."""
