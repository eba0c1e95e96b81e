"""Admin JSON API for the rewards catalogue, and redeeming a reward for a shopper.

``GET/POST /admin/api/rewards``, ``PUT/DELETE /admin/api/rewards/<id>`` and
``POST /admin/api/customers/<shopify_customer_id>/redemptions`` ``{"reward_id": ...}`` (the
merchant redeeming on a shopper's behalf; the storefront calls the same domain function).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, g, jsonify, request

from shopify_loyalty.admin.auth import require_shop
from shopify_loyalty.errors import InvalidInput
from shopify_loyalty.rewards.catalogue import (
    archive_reward,
    create_reward,
    rewards_catalogue,
    update_reward,
)
from shopify_loyalty.rewards.models import IssuedCode, Reward
from shopify_loyalty.rewards.redemption import redeem_reward
from shopify_loyalty.services import current_services, request_session

blueprint = Blueprint("rewards_api", __name__, url_prefix="/admin/api")


@blueprint.get("/rewards")
@require_shop
def list_rewards() -> Response:
    session = request_session()
    rewards = rewards_catalogue(session, g.shop)
    body = jsonify({"rewards": [reward_json(reward) for reward in rewards]})
    session.commit()  # a first read stores the default catalogue
    return body


@blueprint.post("/rewards")
@require_shop
def add_reward() -> tuple[Response, int]:
    session = request_session()
    reward = create_reward(session, g.shop, json_object())
    session.commit()
    return jsonify(reward_json(reward)), 201


@blueprint.put("/rewards/<int:reward_id>")
@require_shop
def change_reward(reward_id: int) -> Response:
    session = request_session()
    reward = update_reward(session, g.shop, reward_id, json_object())
    session.commit()
    return jsonify(reward_json(reward))


@blueprint.delete("/rewards/<int:reward_id>")
@require_shop
def delete_reward(reward_id: int) -> tuple[str, int]:
    session = request_session()
    archive_reward(session, g.shop, reward_id)
    session.commit()
    return "", 204


@blueprint.post("/customers/<int:shopify_customer_id>/redemptions")
@require_shop
def redeem_for_customer(shopify_customer_id: int) -> tuple[Response, int]:
    reward_id = json_object().get("reward_id")
    if isinstance(reward_id, bool) or not isinstance(reward_id, int):
        raise InvalidInput("reward_id must be the id of a reward", field="reward_id")
    shop_domain = g.shop.domain
    # The redemption runs its own transactions; end the request's so that on SQLite (one
    # writer at a time) it is not waiting on a lock this request holds.
    request_session().rollback()
    issued = redeem_reward(current_services(), shop_domain, shopify_customer_id, reward_id)
    return jsonify(issued_code_json(issued)), 201


def json_object() -> dict[str, Any]:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise InvalidInput("The request body must be a JSON object.")
    return data


def reward_json(reward: Reward) -> dict[str, Any]:
    return {
        "id": reward.id,
        "title": reward.title,
        "kind": reward.kind,
        "value": str(reward.value),
        "points_cost": reward.points_cost,
        "minimum_order": str(reward.minimum_order) if reward.minimum_order is not None else None,
        "expiry_days": reward.expiry_days,
        "active": reward.active,
        "created_at": reward.created_at.isoformat(),
        "updated_at": reward.updated_at.isoformat(),
    }


def issued_code_json(issued: IssuedCode) -> dict[str, Any]:
    return {
        "id": issued.id,
        "code": issued.code,
        "title": issued.title,
        "kind": issued.kind,
        "value": str(issued.value),
        "minimum_order": str(issued.minimum_order) if issued.minimum_order is not None else None,
        "points_spent": issued.points_spent,
        "status": issued.status,
        "source": issued.source,
        "reward_id": issued.reward_id,
        "starts_at": issued.starts_at.isoformat(),
        "ends_at": issued.ends_at.isoformat() if issued.ends_at else None,
        "used_at": issued.used_at.isoformat() if issued.used_at else None,
    }
