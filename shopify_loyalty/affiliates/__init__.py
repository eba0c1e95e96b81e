"""Affiliates: partners' exclusive codes and links, the orders they bring and their
commission, fraud guards, payouts, and each affiliate's own portal."""
