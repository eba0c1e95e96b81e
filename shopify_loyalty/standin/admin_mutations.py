"""Mutation root fields of the fake Admin API, with Shopify's validation and userErrors.

Rules worth knowing (all as Shopify does them):

- a webhook subscription is unique per topic and address: a second one gets the userError
  "Address for this topic has already been taken";
- a discount code is unique per shop, case-insensitively (userError code ``TAKEN``); a
  code discount needs ``title``, ``code`` and ``context`` (or the older
  ``customerSelection``); deactivating sets ``endsAt`` to now, so the status is EXPIRED;
- ``metafieldsSet`` takes at most 25 metafields and is atomic: one bad entry stores none;
- a mutation that answers with userErrors changes nothing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlsplit

from shopify_loyalty.standin.admin_objects import (
    ResolveContext,
    customer_view,
    discount_node_view,
    metafield_view,
    order_view,
    parse_gid,
    require,
    segment_view,
    subscription_view,
    user_error,
)
from shopify_loyalty.standin.graphql_exec import FieldError
from shopify_loyalty.standin.state import (
    WEBHOOK_TOPIC_ENUMS,
    Customer,
    DiscountNode,
    Metafield,
    Order,
    Segment,
    WebhookSubscription,
    gid,
    isoformat,
)

Resolver = Callable[[ResolveContext, dict[str, Any]], Any]
MUTATION_FIELDS: dict[str, Resolver] = {}
METAFIELDS_SET_LIMIT = 25
MAX_TAG_LENGTH = 255
METAFIELD_TYPES = frozenset(
    {
        "boolean",
        "color",
        "date",
        "date_time",
        "json",
        "money",
        "multi_line_text_field",
        "number_decimal",
        "number_integer",
        "rating",
        "rich_text_field",
        "single_line_text_field",
        "url",
        "list.single_line_text_field",
        "list.number_integer",
    }
)
_SEGMENT_QUERY = re.compile(r"^\s*[a-z_][a-z0-9_.]*(\s|$)")


def mutation_field(name: str) -> Callable[[Resolver], Resolver]:
    def register(resolver: Resolver) -> Resolver:
        MUTATION_FIELDS[name] = resolver
        return resolver

    return register


def _parse_moment(value: Any, name: str) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise FieldError(f"Argument '{name}' has an invalid DateTime value ({value})") from None
    if moment.tzinfo is None:
        raise FieldError(f"Argument '{name}' has an invalid DateTime value ({value})")
    return moment


# ---- webhook subscriptions ----------------------------------------------------------------


def _valid_address(address: str) -> bool:
    parts = urlsplit(address)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _subscription_input(args: dict[str, Any], field: str) -> tuple[str | None, str]:
    data = require(args, "webhookSubscription", field)
    address = data.get("uri") or data.get("callbackUrl")
    fmt = data.get("format") or "JSON"
    if fmt not in ("JSON", "XML"):
        raise FieldError(f"Argument 'format' on InputObject has an invalid value ({fmt})")
    return address, fmt


@mutation_field("webhookSubscriptionCreate")
def webhook_subscription_create(ctx: ResolveContext, args: dict[str, Any]) -> dict[str, Any]:
    topic = require(args, "topic", "webhookSubscriptionCreate")
    if topic not in WEBHOOK_TOPIC_ENUMS:
        raise FieldError(
            f"Argument 'topic' on Field 'webhookSubscriptionCreate' has an invalid value "
            f"({topic}). Expected type 'WebhookSubscriptionTopic!'."
        )
    address, fmt = _subscription_input(args, "webhookSubscriptionCreate")
    path = ["webhookSubscription", "callbackUrl"]
    if not address:
        errors = [user_error(path, "Address can't be blank")]
    elif not _valid_address(address):
        errors = [user_error(path, "Address is invalid")]
    elif any(
        s.topic == topic and s.uri == address for s in ctx.shop.webhook_subscriptions.values()
    ):
        errors = [user_error(path, "Address for this topic has already been taken")]
    else:
        errors = []
    if errors:
        return {"webhookSubscription": None, "userErrors": errors}
    data = args["webhookSubscription"]
    subscription = WebhookSubscription(
        id=ctx.shop.next_id(),
        topic=topic,
        uri=str(address),
        format=fmt,
        created_at=ctx.now,
        updated_at=ctx.now,
        include_fields=list(data.get("includeFields") or []),
        filter=data.get("filter"),
    )
    ctx.shop.webhook_subscriptions[subscription.id] = subscription
    return {"webhookSubscription": subscription_view(subscription), "userErrors": []}


@mutation_field("webhookSubscriptionUpdate")
def webhook_subscription_update(ctx: ResolveContext, args: dict[str, Any]) -> dict[str, Any]:
    number = parse_gid(require(args, "id", "webhookSubscriptionUpdate"), "WebhookSubscription")
    found = ctx.shop.webhook_subscriptions.get(number) if number is not None else None
    if found is None:
        return {
            "webhookSubscription": None,
            "userErrors": [user_error(["id"], "Webhook subscription does not exist")],
        }
    address, fmt = _subscription_input(args, "webhookSubscriptionUpdate")
    if address is not None and not _valid_address(address):
        return {
            "webhookSubscription": None,
            "userErrors": [
                user_error(["webhookSubscription", "callbackUrl"], "Address is invalid")
            ],
        }
    if address is not None:
        found.uri = address
    found.format = fmt
    found.updated_at = ctx.now
    return {"webhookSubscription": subscription_view(found), "userErrors": []}


@mutation_field("webhookSubscriptionDelete")
def webhook_subscription_delete(ctx: ResolveContext, args: dict[str, Any]) -> dict[str, Any]:
    ref = require(args, "id", "webhookSubscriptionDelete")
    number = parse_gid(ref, "WebhookSubscription")
    if number is None or number not in ctx.shop.webhook_subscriptions:
        return {
            "deletedWebhookSubscriptionId": None,
            "userErrors": [user_error(["id"], "Webhook subscription does not exist")],
        }
    del ctx.shop.webhook_subscriptions[number]
    return {"deletedWebhookSubscriptionId": ref, "userErrors": []}


# ---- code discounts -----------------------------------------------------------------------


def _discount_error(path: list[str], message: str, code: str) -> dict[str, Any]:
    entry = user_error(path, message, code)
    entry["extraInfo"] = None
    return entry


def _context_from_input(
    data: Mapping[str, Any], current: Mapping[str, Any] | None
) -> dict[str, Any]:
    """Normalise ``context`` or the older ``customerSelection`` to the stored shape."""
    raw: Mapping[str, Any] = data.get("context") or data.get("customerSelection") or {}
    if raw.get("all") in ("ALL", True):
        return {"all": True}
    for key, kind in (("customers", "Customer"), ("customerSegments", "Segment")):
        if raw.get(key) is not None:
            change = raw[key]
            existing = list((current or {}).get(key, []))
            for ref in change.get("add") or []:
                parse_gid(ref, kind)
                if ref not in existing:
                    existing.append(ref)
            removed = set(change.get("remove") or [])
            return {key: [ref for ref in existing if ref not in removed]}
    return {"all": True}


def _unknown_segments(
    ctx: ResolveContext, context: Mapping[str, Any], name: str
) -> list[dict[str, Any]]:
    """Shopify refuses a discount limited to a customer segment that does not exist."""
    return [
        _discount_error(
            [name, "context", "customerSegments", "add"],
            f"Customer segment {ref} does not exist.",
            "INVALID",
        )
        for ref in context.get("customerSegments", [])
        if parse_gid(ref, "Segment") not in ctx.shop.segments
    ]


def _value_from_input(
    gets: Mapping[str, Any], name: str, errors: list[dict[str, Any]]
) -> dict[str, Any] | None:
    value = gets.get("value") or {}
    path = [name, "customerGets", "value"]
    if value.get("percentage") is not None:
        percentage = float(value["percentage"])
        if not 0.0 < percentage <= 1.0:
            errors.append(
                _discount_error(
                    [*path, "percentage"],
                    "Value must be between 0.0 and 1.0",
                    "VALUE_OUTSIDE_RANGE",
                )
            )
            return None
        return {"percentage": percentage}
    if value.get("discountAmount") is not None:
        amount = value["discountAmount"]
        try:
            parsed = Decimal(str(amount.get("amount")))
        except InvalidOperation:
            parsed = Decimal(0)
        if parsed <= 0:
            errors.append(
                _discount_error(
                    [*path, "discountAmount", "amount"],
                    "Value must be greater than 0",
                    "GREATER_THAN",
                )
            )
            return None
        return {
            "discountAmount": {
                "amount": str(parsed),
                "appliesOnEachItem": bool(amount.get("appliesOnEachItem")),
            }
        }
    errors.append(_discount_error([name, "customerGets"], "Customer gets can't be blank", "BLANK"))
    return None


def _discount_changes(
    ctx: ResolveContext,
    data: Mapping[str, Any],
    *,
    kind: str,
    name: str,
    existing: DiscountNode | None,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Validated attribute changes for a create (``existing`` None) or update."""
    creating = existing is None
    errors: list[dict[str, Any]] = []
    changes: dict[str, Any] = {}

    if creating or "title" in data:
        title = str(data.get("title") or "").strip()
        if not title:
            errors.append(_discount_error([name, "title"], "Title can't be blank", "BLANK"))
        changes["title"] = title
    if creating or "code" in data:
        code = str(data.get("code") or "").strip()
        taken = ctx.shop.discount_by_code(code) if code else None
        if not code:
            errors.append(_discount_error([name, "code"], "Code can't be blank", "BLANK"))
        elif len(code) > 255:
            errors.append(
                _discount_error(
                    [name, "code"], "Code is too long (maximum is 255 characters)", "TOO_LONG"
                )
            )
        elif "\n" in code or "\r" in code:
            errors.append(
                _discount_error(
                    [name, "code"], "Code cannot contain newline characters.", "INVALID"
                )
            )
        elif taken is not None and (existing is None or taken.id != existing.id):
            errors.append(
                _discount_error(
                    [name, "code"], "Code must be unique. Please try a different code.", "TAKEN"
                )
            )
        changes["code"] = code

    has_context = data.get("context") is not None
    has_selection = data.get("customerSelection") is not None
    if has_context and has_selection:
        errors.append(
            _discount_error(
                [name, "context"],
                "Only one of context or customerSelection can be provided.",
                "CONFLICT",
            )
        )
    elif has_context or has_selection:
        changes["context"] = _context_from_input(data, existing.context if existing else None)
        errors.extend(_unknown_segments(ctx, changes["context"], name))
    elif creating:
        errors.append(
            _discount_error([name, "context"], "Context can't be blank", "MISSING_ARGUMENT")
        )

    starts = _parse_moment(data.get("startsAt"), "startsAt")
    if starts is not None or creating:
        changes["starts_at"] = starts or ctx.now
    if "endsAt" in data:
        changes["ends_at"] = _parse_moment(data.get("endsAt"), "endsAt")
    final_start = changes.get("starts_at", existing.starts_at if existing else ctx.now)
    final_end = changes.get("ends_at", existing.ends_at if existing else None)
    if final_end is not None and final_end <= final_start:
        errors.append(
            _discount_error([name, "endsAt"], "Ends at needs to be after starts_at", "INVALID")
        )

    if "usageLimit" in data:
        limit = data.get("usageLimit")
        if limit is not None and (not isinstance(limit, int) or limit < 1):
            errors.append(
                _discount_error(
                    [name, "usageLimit"], "Usage limit must be greater than 0", "GREATER_THAN"
                )
            )
        changes["usage_limit"] = limit
    if "appliesOncePerCustomer" in data:
        changes["applies_once_per_customer"] = bool(data.get("appliesOncePerCustomer"))
    if "combinesWith" in data:
        combines = data.get("combinesWith") or {}
        changes["combines_with"] = {
            key: bool(combines.get(key))
            for key in ("orderDiscounts", "productDiscounts", "shippingDiscounts")
        }
    if "minimumRequirement" in data:
        changes["minimum_requirement"] = data.get("minimumRequirement")

    if kind == "basic" and (creating or "customerGets" in data):
        gets = data.get("customerGets") or {}
        changes["value"] = _value_from_input(gets, name, errors)
        changes["items"] = gets.get("items") or {"all": True}
    if kind == "free_shipping":
        if "destination" in data:
            changes["destination"] = data.get("destination")
        if "maximumShippingPrice" in data:
            price = data.get("maximumShippingPrice")
            changes["maximum_shipping_price"] = str(price) if price is not None else None
    return changes, errors


def _create_discount(
    ctx: ResolveContext, args: dict[str, Any], *, kind: str, name: str, field: str
) -> dict[str, Any]:
    data = require(args, name, field)
    changes, errors = _discount_changes(ctx, data, kind=kind, name=name, existing=None)
    if errors:
        return {"codeDiscountNode": None, "userErrors": errors}
    node = DiscountNode(
        id=ctx.shop.next_id(),
        code_id=ctx.shop.next_id(),
        kind=kind,
        created_at=ctx.now,
        updated_at=ctx.now,
        **changes,
    )
    ctx.shop.discounts[node.id] = node
    return {"codeDiscountNode": discount_node_view(ctx.shop, node, ctx.now), "userErrors": []}


def _find_discount(
    ctx: ResolveContext, args: dict[str, Any], field: str
) -> tuple[DiscountNode | None, list[dict[str, Any]]]:
    number = parse_gid(require(args, "id", field), "DiscountCodeNode")
    found = ctx.shop.discounts.get(number) if number is not None else None
    if found is None:
        return None, [_discount_error(["id"], "Discount does not exist", "INVALID")]
    return found, []


def _update_discount(
    ctx: ResolveContext, args: dict[str, Any], *, kind: str, name: str, field: str
) -> dict[str, Any]:
    node, errors = _find_discount(ctx, args, field)
    data = require(args, name, field)
    if node is not None and node.kind != kind:
        errors = [_discount_error(["id"], "Discount is of another type", "INVALID")]
    if node is None or errors:
        return {"codeDiscountNode": None, "userErrors": errors}
    changes, errors = _discount_changes(ctx, data, kind=kind, name=name, existing=node)
    if errors:
        return {"codeDiscountNode": None, "userErrors": errors}
    for attribute, value in changes.items():
        setattr(node, attribute, value)
    node.updated_at = ctx.now
    return {"codeDiscountNode": discount_node_view(ctx.shop, node, ctx.now), "userErrors": []}


@mutation_field("discountCodeBasicCreate")
def discount_code_basic_create(ctx: ResolveContext, args: dict[str, Any]) -> dict[str, Any]:
    return _create_discount(
        ctx, args, kind="basic", name="basicCodeDiscount", field="discountCodeBasicCreate"
    )


@mutation_field("discountCodeBasicUpdate")
def discount_code_basic_update(ctx: ResolveContext, args: dict[str, Any]) -> dict[str, Any]:
    return _update_discount(
        ctx, args, kind="basic", name="basicCodeDiscount", field="discountCodeBasicUpdate"
    )


@mutation_field("discountCodeFreeShippingCreate")
def discount_code_free_shipping_create(ctx: ResolveContext, args: dict[str, Any]) -> dict[str, Any]:
    return _create_discount(
        ctx,
        args,
        kind="free_shipping",
        name="freeShippingCodeDiscount",
        field="discountCodeFreeShippingCreate",
    )


@mutation_field("discountCodeFreeShippingUpdate")
def discount_code_free_shipping_update(ctx: ResolveContext, args: dict[str, Any]) -> dict[str, Any]:
    return _update_discount(
        ctx,
        args,
        kind="free_shipping",
        name="freeShippingCodeDiscount",
        field="discountCodeFreeShippingUpdate",
    )


@mutation_field("discountCodeActivate")
def discount_code_activate(ctx: ResolveContext, args: dict[str, Any]) -> dict[str, Any]:
    node, errors = _find_discount(ctx, args, "discountCodeActivate")
    if node is None:
        return {"codeDiscountNode": None, "userErrors": errors}
    if node.ends_at is not None and node.ends_at <= ctx.now:
        node.ends_at = None
    if node.starts_at > ctx.now:
        node.starts_at = ctx.now
    node.updated_at = ctx.now
    return {"codeDiscountNode": discount_node_view(ctx.shop, node, ctx.now), "userErrors": []}


@mutation_field("discountCodeDeactivate")
def discount_code_deactivate(ctx: ResolveContext, args: dict[str, Any]) -> dict[str, Any]:
    node, errors = _find_discount(ctx, args, "discountCodeDeactivate")
    if node is None:
        return {"codeDiscountNode": None, "userErrors": errors}
    if node.status(ctx.now) != "EXPIRED":
        node.ends_at = ctx.now
        node.starts_at = min(node.starts_at, ctx.now)
    node.updated_at = ctx.now
    return {"codeDiscountNode": discount_node_view(ctx.shop, node, ctx.now), "userErrors": []}


@mutation_field("discountCodeDelete")
def discount_code_delete(ctx: ResolveContext, args: dict[str, Any]) -> dict[str, Any]:
    node, errors = _find_discount(ctx, args, "discountCodeDelete")
    if node is None:
        return {"deletedCodeDiscountId": None, "userErrors": errors}
    del ctx.shop.discounts[node.id]
    return {"deletedCodeDiscountId": gid("DiscountCodeNode", node.id), "userErrors": []}


# ---- tags ---------------------------------------------------------------------------------


def _tag_list(raw: Any) -> list[str]:
    items = raw if isinstance(raw, list) else [raw]
    return [t.strip() for item in items for t in str(item).split(",") if t.strip()]


def _taggable(ctx: ResolveContext, ref: str) -> Customer | Order | None:
    number = parse_gid(ref, "Customer")
    if number is not None:
        return ctx.shop.customers.get(number)
    number = parse_gid(ref, "Order")
    if number is not None:
        return ctx.shop.orders.get(number)
    return None


def _change_tags(
    ctx: ResolveContext, args: dict[str, Any], field: str, add: bool
) -> dict[str, Any]:
    ref = str(require(args, "id", field))
    tags = _tag_list(require(args, "tags", field))
    target = _taggable(ctx, ref)
    if target is None:
        return {"node": None, "userErrors": [user_error(["id"], "Resource does not exist")]}
    too_long = [t for t in tags if len(t) > MAX_TAG_LENGTH]
    if too_long:
        return {
            "node": None,
            "userErrors": [user_error(["tags"], "Tags is too long (maximum is 255 characters)")],
        }
    current = {t.casefold(): t for t in target.tags}
    for tag in tags:
        if add:
            current.setdefault(tag.casefold(), tag)
        else:
            current.pop(tag.casefold(), None)
    target.tags = sorted(current.values(), key=str.casefold)
    target.updated_at = ctx.now
    if isinstance(target, Customer):
        return {"node": customer_view(ctx.shop, target), "userErrors": []}
    return {"node": order_view(ctx.shop, target), "userErrors": []}


@mutation_field("tagsAdd")
def tags_add(ctx: ResolveContext, args: dict[str, Any]) -> dict[str, Any]:
    return _change_tags(ctx, args, "tagsAdd", add=True)


@mutation_field("tagsRemove")
def tags_remove(ctx: ResolveContext, args: dict[str, Any]) -> dict[str, Any]:
    return _change_tags(ctx, args, "tagsRemove", add=False)


# ---- segments -----------------------------------------------------------------------------


def _segment_errors(
    ctx: ResolveContext, name: str | None, query: str | None, existing: Segment | None
) -> list[dict[str, Any]]:
    errors = []
    if name is not None:
        if not name.strip():
            errors.append(user_error(["name"], "Name can't be blank"))
        elif any(
            s.name.casefold() == name.strip().casefold() and s is not existing
            for s in ctx.shop.segments.values()
        ):
            errors.append(user_error(["name"], "Name has already been taken"))
    if query is not None:
        if not query.strip():
            errors.append(user_error(["query"], "Query can't be blank"))
        elif not _SEGMENT_QUERY.match(query):
            errors.append(user_error(["query"], "Query Line 1, Column 1: invalid filter"))
    return errors


@mutation_field("segmentCreate")
def segment_create(ctx: ResolveContext, args: dict[str, Any]) -> dict[str, Any]:
    name = str(require(args, "name", "segmentCreate"))
    query = str(require(args, "query", "segmentCreate"))
    errors = _segment_errors(ctx, name, query, None)
    if errors:
        return {"segment": None, "userErrors": errors}
    created = Segment(ctx.shop.next_id(), name.strip(), query, ctx.now, ctx.now)
    ctx.shop.segments[created.id] = created
    return {"segment": segment_view(created), "userErrors": []}


@mutation_field("segmentUpdate")
def segment_update(ctx: ResolveContext, args: dict[str, Any]) -> dict[str, Any]:
    number = parse_gid(require(args, "id", "segmentUpdate"), "Segment")
    found = ctx.shop.segments.get(number) if number is not None else None
    if found is None:
        return {"segment": None, "userErrors": [user_error(["id"], "Segment does not exist")]}
    name, query = args.get("name"), args.get("query")
    errors = _segment_errors(ctx, name, query, found)
    if errors:
        return {"segment": None, "userErrors": errors}
    if name is not None:
        found.name = name.strip()
    if query is not None:
        found.query = query
    found.updated_at = ctx.now
    return {"segment": segment_view(found), "userErrors": []}


@mutation_field("segmentDelete")
def segment_delete(ctx: ResolveContext, args: dict[str, Any]) -> dict[str, Any]:
    ref = require(args, "id", "segmentDelete")
    number = parse_gid(ref, "Segment")
    if number is None or number not in ctx.shop.segments:
        return {
            "deletedSegmentId": None,
            "userErrors": [user_error(["id"], "Segment does not exist")],
        }
    del ctx.shop.segments[number]
    return {"deletedSegmentId": ref, "userErrors": []}


# ---- metafields ---------------------------------------------------------------------------


def _metafield_value_ok(kind: str, value: str) -> bool:
    try:
        if kind == "number_integer":
            int(value)
        elif kind == "number_decimal":
            Decimal(value)
        elif kind == "boolean":
            return value in ("true", "false")
        elif kind == "json" or kind.startswith("list."):
            json.loads(value)
        elif kind == "date_time":
            datetime.fromisoformat(value.replace("Z", "+00:00"))
    except (ValueError, InvalidOperation):
        return False
    return True


@mutation_field("metafieldsSet")
def metafields_set(ctx: ResolveContext, args: dict[str, Any]) -> dict[str, Any]:
    entries = require(args, "metafields", "metafieldsSet")
    if len(entries) > METAFIELDS_SET_LIMIT:
        raise FieldError(
            f"The input array size of {len(entries)} is greater than the maximum allowed "
            f"of {METAFIELDS_SET_LIMIT}.",
            code="MAX_INPUT_SIZE_EXCEEDED",
        )
    errors = []
    for index, entry in enumerate(entries):
        owner = str(entry.get("ownerId") or "")
        kind, value, key = entry.get("type"), entry.get("value"), entry.get("key")

        def fail(field: str, message: str, code: str, index: int = index) -> None:
            failure = user_error(["metafields", str(index), field], message, code)
            failure["elementIndex"] = index
            errors.append(failure)

        if not owner or not ctx.shop.owner_exists(owner):
            fail("ownerId", "Owner does not exist", "INVALID")
        if not key or not 2 <= len(str(key)) <= 64:
            fail("key", "Key must be between 2 and 64 characters", "INVALID")
        if not kind:
            fail("type", "Type can't be blank", "BLANK")
        elif kind not in METAFIELD_TYPES:
            fail("type", f"Type '{kind}' is not a valid type", "INVALID_TYPE")
        elif value is None:
            fail("value", "Value can't be blank", "BLANK")
        elif not _metafield_value_ok(kind, str(value)):
            fail("value", f"Value is invalid for type {kind}", "INVALID_VALUE")
    if errors:
        return {"metafields": None, "userErrors": errors}
    ctx.shop.metafield_writes.append(
        {
            "at": isoformat(ctx.now),
            "metafields": [
                {
                    "ownerId": str(entry["ownerId"]),
                    "namespace": str(entry.get("namespace") or "$app"),
                    "key": str(entry["key"]),
                    "type": str(entry["type"]),
                    "value": str(entry["value"]),
                }
                for entry in entries
            ],
        }
    )
    stored = []
    for entry in entries:
        owner = str(entry["ownerId"])
        slot = (str(entry.get("namespace") or "$app"), str(entry["key"]))
        fields = ctx.shop.metafields.setdefault(owner, {})
        metafield = fields.get(slot)
        if metafield is None:
            metafield = Metafield(
                ctx.shop.next_id(),
                owner,
                *slot,
                str(entry["type"]),
                str(entry["value"]),
                ctx.now,
                ctx.now,
            )
            fields[slot] = metafield
        else:
            metafield.type, metafield.value = str(entry["type"]), str(entry["value"])
            metafield.updated_at = ctx.now
        stored.append(metafield_view(metafield))
    return {"metafields": stored, "userErrors": []}


@mutation_field("metafieldsDelete")
def metafields_delete(ctx: ResolveContext, args: dict[str, Any]) -> dict[str, Any]:
    deleted: list[dict[str, Any] | None] = []
    for entry in require(args, "metafields", "metafieldsDelete"):
        owner = str(entry.get("ownerId") or "")
        slot = (str(entry.get("namespace") or "$app"), str(entry.get("key") or ""))
        removed = ctx.shop.metafields.get(owner, {}).pop(slot, None)
        deleted.append(
            {"ownerId": owner, "namespace": slot[0], "key": slot[1]} if removed else None
        )
    return {"deletedMetafields": deleted, "userErrors": []}
