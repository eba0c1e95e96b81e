"""Importing points balances from another loyalty app, as admin pages: upload the CSV
(``email,balance``), read the dry run (who would be credited how much, and each line that
cannot be imported), then confirm to apply exactly that.

Between the two steps the page carries the file itself (compressed) and the dry run's seal
(imports/confirmation.py); nothing of the file is stored on our side before it is confirmed.
"""

from __future__ import annotations

import base64
import binascii
import zlib

from flask import Blueprint, g, render_template, request

from shopify_loyalty.admin.imports_api import uploaded_text
from shopify_loyalty.admin.page_auth import require_page_shop
from shopify_loyalty.admin.pages import page_context
from shopify_loyalty.errors import InvalidInput
from shopify_loyalty.imports.confirmation import (
    ImportChanged,
    confirm_points_import,
    import_plan_digest,
)
from shopify_loyalty.imports.points_import import ImportRow, import_points, summary
from shopify_loyalty.services import current_services, request_session

blueprint = Blueprint("admin_import_pages", __name__, url_prefix="/admin/data/points-import")
blueprint.context_processor(page_context)

# The confirm form carries the file: allow it as much room as an upload has.
MAX_FILE_BYTES = 4 * 1024 * 1024


@blueprint.before_request
def room_for_the_file() -> None:
    request.max_form_memory_size = MAX_FILE_BYTES


@blueprint.get("")
@require_page_shop
def points_import() -> str:
    return render_template("admin/points_import.html", stage="upload", error=None)


@blueprint.post("")
@require_page_shop
def points_dry_run() -> str | tuple[str, int]:
    session = request_session()
    try:
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            raise InvalidInput("choose the CSV file to import", field="file")
        text = uploaded_text()
        rows = import_points(session, g.shop, text, dry_run=True)
    except InvalidInput as refused:
        session.rollback()
        return render_template("admin/points_import.html", stage="upload", error=refused), 400
    session.rollback()  # a dry run writes nothing
    return _report("dry_run", text, rows)


@blueprint.post("/confirm")
@require_page_shop
def points_confirm() -> str | tuple[str, int]:
    session = request_session()
    secret = current_services().settings.api_secret
    text = _unpacked(request.form.get("payload", ""))
    if text is None:
        refused = ImportChanged(
            "This confirmation does not come from a dry run, so nothing was imported. "
            "Upload the file again.",
            field="file",
        )
        return render_template("admin/points_import.html", stage="upload", error=refused), 409
    try:
        rows = confirm_points_import(session, g.shop, text, request.form.get("digest", ""), secret)
    except InvalidInput as refused:
        session.rollback()
        return render_template("admin/points_import.html", stage="upload", error=refused), 400
    except ImportChanged as changed:
        session.rollback()
        fresh = import_points(session, g.shop, text, dry_run=True)
        session.rollback()
        return _report("dry_run", text, fresh, changed.message), 409
    session.commit()
    return _report("done", text, rows)


def _report(stage: str, text: str, rows: list[ImportRow], notice: str | None = None) -> str:
    secret = current_services().settings.api_secret
    return render_template(
        "admin/points_import.html",
        stage=stage,
        error=None,
        notice=notice,
        rows=rows,
        totals=summary(rows),
        payload=_packed(text),
        digest=import_plan_digest(secret, g.shop, text, rows),
    )


def _packed(text: str) -> str:
    return base64.urlsafe_b64encode(zlib.compress(text.encode(), 9)).decode()


def _unpacked(payload: str) -> str | None:
    """The file the confirm form carries, or None when it is not one we packed (and never
    more than an upload may hold, however well it was compressed)."""
    try:
        inflater = zlib.decompressobj()
        data = inflater.decompress(base64.urlsafe_b64decode(payload.encode()), MAX_FILE_BYTES)
        if inflater.unconsumed_tail or not inflater.eof:
            return None
        return data.decode()
    except (binascii.Error, zlib.error, UnicodeDecodeError, ValueError):
        return None
