"""Customer data exports (customers/data_request) for the merchant to download."""

from __future__ import annotations

import json

from flask import Blueprint, Response, g, jsonify
from sqlalchemy import select

from shopify_loyalty.admin.auth import require_shop
from shopify_loyalty.db import utcnow
from shopify_loyalty.errors import NotFound
from shopify_loyalty.privacy.models import DataRequestExport
from shopify_loyalty.services import request_session

blueprint = Blueprint("privacy_api", __name__, url_prefix="/admin/api/privacy")


@blueprint.get("/exports")
@require_shop
def list_exports() -> Response:
    exports = request_session().scalars(
        select(DataRequestExport)
        .where(DataRequestExport.shop_id == g.shop.id)
        .order_by(DataRequestExport.id.desc())
    )
    return jsonify(
        {
            "exports": [
                {
                    "id": export.id,
                    "shopify_customer_id": export.shopify_customer_id,
                    "data_request_id": export.data_request_id,
                    "created_at": export.created_at.isoformat(),
                    "downloaded_at": export.downloaded_at.isoformat()
                    if export.downloaded_at
                    else None,
                }
                for export in exports
            ]
        }
    )


@blueprint.get("/exports/<int:export_id>")
@require_shop
def download_export(export_id: int) -> Response:
    session = request_session()
    export = session.scalar(
        select(DataRequestExport).where(
            DataRequestExport.id == export_id, DataRequestExport.shop_id == g.shop.id
        )
    )
    if export is None:
        raise NotFound("No such export for this shop.")
    export.downloaded_at = utcnow()
    session.commit()
    response = jsonify(json.loads(export.document))
    response.headers["Content-Disposition"] = (
        f'attachment; filename="customer-data-{export.shopify_customer_id}.json"'
    )
    return response
