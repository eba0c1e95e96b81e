"""Post-purchase feedback: how satisfied the shopper was, and whether they would recommend us."""
