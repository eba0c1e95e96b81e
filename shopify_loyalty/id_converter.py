"""The app's ``<int:...>`` in URL paths: Flask's, limited to what a 64-bit id column holds,
so a larger number in a path is a 404, not a database overflow."""

from __future__ import annotations

from werkzeug.routing import IntegerConverter

from shopify_loyalty.plain_numbers import LARGEST_ID


class IdConverter(IntegerConverter):
    """``<int:...>`` up to ``LARGEST_ID``."""

    def __init__(self, map: object, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("max", LARGEST_ID)
        super().__init__(map, *args, **kwargs)  # type: ignore[arg-type]
