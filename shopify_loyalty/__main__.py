"""``python -m shopify_loyalty``: the same as the ``shopify-loyalty`` command."""

from shopify_loyalty.cli import main

main()
