"""The program's terms and conditions in the merchant's own words, kept as numbered versions."""
