"""Shops: installation, encrypted access tokens, uninstall."""
