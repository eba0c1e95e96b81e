"""Refusing input text that no database column can hold.

PostgreSQL refuses NUL characters in text, and a lone UTF-16 surrogate (which a JSON
``\\ud800`` escape can carry) cannot be encoded as UTF-8 at all. Rather than let either reach
the database and fail there as a server error, one check before every request refuses them
with 400 naming the field: in query strings everywhere, and in the form fields and JSON
bodies of the admin's and the app proxy's requests. (Webhooks and Flow actions verify a
signature over the raw body first and answer a bad payload their own way; Flask's JSON
provider still refuses such text in any body a handler reads.)
"""

from __future__ import annotations

import json
import re
from typing import Any

from flask import Flask, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.datastructures import MultiDict

from shopify_loyalty.errors import InvalidInput

UNSTORABLE = re.compile("[\\x00\\ud800-\\udfff]")
MESSAGE = "holds a NUL character or a lone surrogate, which cannot be stored"
# The paths whose form fields and JSON bodies are checked before the request is handled.
CHECKED_BODIES = ("/admin/", "/proxy/")


class UnstorableText(ValueError):
    pass


def first_unstorable(value: Any, path: str = "") -> str | None:
    """The path of the first string (key or value) in a JSON document that cannot be stored."""
    if isinstance(value, str):
        return path or "body" if UNSTORABLE.search(value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            name = f"{path}.{key}" if path else str(key)
            if isinstance(key, str) and UNSTORABLE.search(key):
                return name
            if found := first_unstorable(item, name):
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            if found := first_unstorable(item, f"{path}[{index}]"):
                return found
    return None


class StorableJSONProvider(DefaultJSONProvider):
    """Flask's JSON, refusing request bodies with text that cannot be stored (a request
    handler then sees no JSON object and answers 400)."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        value = super().loads(s, **kwargs)
        if (field := first_unstorable(value)) is not None:
            raise UnstorableText(f"{field} {MESSAGE}")
        return value


def refuse_unstorable_input() -> None:
    """Before every request: the query parameters, then the admin's and the app proxy's
    form fields or JSON body. The first text that cannot be stored is a 400 naming it."""
    refused = unstorable_parameter_error(request.args)
    if refused is None and request.path.startswith(CHECKED_BODIES):
        refused = unstorable_body_error()
    if refused is not None:
        raise refused


def unstorable_parameter_error(args: MultiDict[str, str]) -> InvalidInput | None:
    """The error for the first query parameter or form field that cannot be stored, if any."""
    for key, value in args.items(multi=True):
        if UNSTORABLE.search(key) or UNSTORABLE.search(value):
            return InvalidInput(f"{key} {MESSAGE}", field=key)
    return None


def unstorable_body_error() -> InvalidInput | None:
    """The error for the first form field or JSON string of the body that cannot be stored.
    A body that is not JSON at all is left to the handler, which answers it."""
    if not request.is_json:
        return unstorable_parameter_error(request.form)
    try:
        field = first_unstorable(json.loads(request.get_data(cache=True)))
    except (ValueError, RecursionError):
        return None
    return None if field is None else InvalidInput(f"{field} {MESSAGE}", field=field)


def register_storable_input(app: Flask) -> None:
    app.json = StorableJSONProvider(app)
    app.json.sort_keys = False
    app.before_request(refuse_unstorable_input)
