"""The rewards catalogue as admin pages: the list with how often each reward was bought and
used, a form to add or change a reward, and archiving. The catalogue's own functions do the
validation; a refused value is shown beside its field."""

from __future__ import annotations

import dataclasses
from typing import Any

from flask import Blueprint, g, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from shopify_loyalty.admin.page_auth import require_page_shop
from shopify_loyalty.admin.pages import _token_query, page_context
from shopify_loyalty.admin.settings_form import changes_from_form, error_field, form_fields
from shopify_loyalty.errors import InvalidInput
from shopify_loyalty.rewards.catalogue import (
    DEFAULT_CATALOGUE,
    RewardFields,
    archive_reward,
    create_reward,
    fields_of,
    find_reward,
    rewards_catalogue,
    update_reward,
)
from shopify_loyalty.rewards.code_counts import codes_per_reward
from shopify_loyalty.rewards.models import Reward
from shopify_loyalty.rewards.spec import FREE_SHIPPING, reward_headline
from shopify_loyalty.services import request_session

blueprint = Blueprint("admin_rewards_pages", __name__, url_prefix="/admin/rewards")
blueprint.context_processor(page_context)

KIND_LABELS = {
    "fixed_amount": "Amount off",
    "percentage": "Percentage off",
    "free_shipping": "Free shipping",
}
LABELS = {
    "title": "Title",
    "kind": "Reward",
    "value": "Value",
    "points_cost": "Points cost",
    "minimum_order": "Minimum order",
    "expiry_days": "Code valid for (days)",
    "active": "Shoppers can redeem it",
}
# A new reward's form starts from the first reward of the starting catalogue.
STARTING_VALUES = DEFAULT_CATALOGUE[0]
DONE = {
    "created": "Reward added.",
    "saved": "Reward saved.",
    "archived": "Reward archived; codes already issued stay valid.",
}


def help_texts(currency: str) -> dict[str, str]:
    return {
        "title": "What shoppers see. Leave empty to have it written from the reward and "
        "value, in the shopper's language.",
        "value": f"An amount in {currency} for an amount off, a percentage from 1 to 100 for "
        "a percentage off; not used for free shipping.",
        "points_cost": "Points a shopper spends on it (1 to 1,000,000).",
        "minimum_order": f"Smallest order subtotal in {currency} the code applies to. Leave "
        "empty for any order.",
        "expiry_days": "Days from redeeming until the code expires (1 to 3650). Leave empty "
        "for codes that never expire.",
        "active": "Switched off, the reward stays in your catalogue but the widget does not "
        "offer it.",
    }


@blueprint.get("")
@require_page_shop
def rewards() -> str:
    session = request_session()
    catalogue = rewards_catalogue(session, g.shop)
    counts = codes_per_reward(session, g.shop)
    page = render_template(
        "admin/rewards.html",
        rewards=catalogue,
        counts=counts,
        kind_labels=KIND_LABELS,
        done=DONE.get(request.args.get("done", "")),
    )
    session.commit()  # a first read stores the default catalogue
    return page


@blueprint.route("/new", methods=["GET", "POST"])
@require_page_shop
def rewards_new() -> str | tuple[str, int] | Response:
    return _reward_form(None)


@blueprint.route("/<int:reward_id>", methods=["GET", "POST"])
@require_page_shop
def rewards_edit(reward_id: int) -> str | tuple[str, int] | Response:
    return _reward_form(reward_id)


@blueprint.post("/<int:reward_id>/archive")
@require_page_shop
def rewards_archive(reward_id: int) -> Response:
    session = request_session()
    archive_reward(session, g.shop, reward_id)
    session.commit()
    return _back_to_list("archived")


def _reward_form(reward_id: int | None) -> str | tuple[str, int] | Response:
    session = request_session()
    if request.method == "GET":
        values = _shown_values(find_reward(session, g.shop, reward_id)) if reward_id else None
        return _render(reward_id, form_fields(RewardFields, values or STARTING_VALUES))
    changes, errors = changes_from_form(RewardFields, request.form)
    if changes.get("kind") == FREE_SHIPPING and changes.get("value") == "":
        del changes["value"]  # free shipping has no value to give
    if not errors:
        try:
            if reward_id is None:
                create_reward(session, g.shop, changes)
            else:
                update_reward(session, g.shop, reward_id, changes)
        except InvalidInput as refused:
            errors = {error_field(refused.field) or "": refused.message}
        else:
            session.commit()
            return _back_to_list("created" if reward_id is None else "saved")
    session.rollback()
    stored = _shown_values(find_reward(session, g.shop, reward_id)) if reward_id else None
    fields = form_fields(
        RewardFields, stored or STARTING_VALUES, errors, submitted=request.form.to_dict()
    )
    return _render(reward_id, fields, general_error=errors.get("")), 400


def _shown_values(reward: Reward) -> RewardFields:
    """The reward as the form shows it: a title the app wrote is shown empty, so that it is
    written again when the merchant changes the kind or value."""
    values = fields_of(reward)
    if reward.title == reward_headline(reward.kind, reward.value, g.shop.currency):
        values = dataclasses.replace(values, title="")
    return values


def _render(reward_id: int | None, fields: list[Any], general_error: str | None = None) -> str:
    return render_template(
        "admin/reward_form.html",
        reward_id=reward_id,
        fields=fields,
        labels=LABELS,
        kind_labels=KIND_LABELS,
        help=help_texts(g.shop.currency),
        general_error=general_error,
    )


def _back_to_list(done: str) -> Response:
    target = url_for("admin_rewards_pages.rewards", done=done)
    return redirect(target + _token_query(), code=303)
