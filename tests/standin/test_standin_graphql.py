"""The stand-in's Admin GraphQL endpoint: auth, errors, throttling and the app's mutations."""

from __future__ import annotations

from typing import Any

import requests

from shopify_loyalty.standin.app import StandinServer

CREATE_BASIC = """
mutation Create($d: DiscountCodeBasicInput!) {
  discountCodeBasicCreate(basicCodeDiscount: $d) {
    codeDiscountNode {
      id
      codeDiscount {
        __typename
        ... on DiscountCodeBasic { title status codes(first: 1) { nodes { code } } }
      }
    }
    userErrors { field code message }
  }
}
"""


def reward_input(code: str = "LOY-ABC123", customer: str = "gid://shopify/Customer/123") -> dict:
    return {
        "title": "Loyalty 10%",
        "code": code,
        "startsAt": "2020-01-01T00:00:00Z",
        "context": {"customers": {"add": [customer]}},
        "customerGets": {"value": {"percentage": 0.1}, "items": {"all": True}},
        "appliesOncePerCustomer": True,
        "usageLimit": 1,
        "combinesWith": {"orderDiscounts": False, "productDiscounts": True},
    }


def data(response: requests.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"]
    return result


def test_an_unknown_token_gets_shopifys_401(graphql) -> None:
    response = graphql("{ shop { name } }", token="shpat_not-a-token")

    assert response.status_code == 401
    assert response.json() == {
        "errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"
    }


def test_a_token_of_another_shop_is_refused(standin: StandinServer, graphql) -> None:
    other = standin.control.issue_token("other-shop.myshopify.com")["access_token"]

    assert graphql("{ shop { name } }", token=other).status_code == 401


def test_the_shop_query_answers_with_aliases_fragments_and_cost(graphql, shop_domain) -> None:
    response = graphql(
        """
        query Shop { main: shop { ...Basics plan { displayName } } }
        fragment Basics on Shop { name myshopifyDomain currencyCode }
        """
    )

    body = response.json()
    assert body["data"] == {
        "main": {
            "name": "Demo Shop",
            "myshopifyDomain": shop_domain,
            "currencyCode": "USD",
            "plan": {"displayName": "Basic"},
        }
    }
    cost = body["extensions"]["cost"]
    assert cost["requestedQueryCost"] == cost["actualQueryCost"] == 2
    assert cost["throttleStatus"]["maximumAvailable"] == 2000.0
    assert cost["throttleStatus"]["restoreRate"] == 100.0
    assert 1990 <= cost["throttleStatus"]["currentlyAvailable"] <= 1998


def test_an_unknown_root_field_is_a_graphql_error_with_status_200(graphql) -> None:
    response = graphql("{ shop { name } loyaltyPoints { total } }")

    assert response.status_code == 200
    body = response.json()
    assert "data" not in body
    assert body["errors"][0]["message"] == "Field 'loyaltyPoints' doesn't exist on type 'QueryRoot'"
    assert "cost" in body["extensions"]


def test_a_drained_bucket_answers_throttled_and_changes_nothing(
    standin: StandinServer, graphql, shop_domain
) -> None:
    standin.control.set_throttle(shop_domain, currently_available=5, restore_rate=1)

    response = graphql(CREATE_BASIC, {"d": reward_input()})

    assert response.status_code == 200
    body = response.json()
    assert body["errors"] == [
        {
            "message": "Throttled",
            "extensions": {
                "code": "THROTTLED",
                "documentation": "https://shopify.dev/api/usage/rate-limits",
            },
        }
    ]
    assert body["extensions"]["cost"]["requestedQueryCost"] == 10
    assert body["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"] == 5
    assert standin.control.shop(shop_domain)["discounts"] == []


def test_queued_429_carries_retry_after(standin: StandinServer, graphql, shop_domain) -> None:
    standin.control.queue_fault(shop_domain, status=429)

    throttled = graphql("{ shop { name } }")
    after = graphql("{ shop { name } }")

    assert throttled.status_code == 429
    assert throttled.headers["Retry-After"] == "1.0"
    assert after.status_code == 200


def test_a_duplicate_discount_code_is_taken(standin: StandinServer, graphql, shop_domain) -> None:
    first = data(graphql(CREATE_BASIC, {"d": reward_input()}))["discountCodeBasicCreate"]
    again = data(graphql(CREATE_BASIC, {"d": reward_input(code="loy-abc123")}))

    assert first["userErrors"] == []
    assert first["codeDiscountNode"]["codeDiscount"] == {
        "__typename": "DiscountCodeBasic",
        "title": "Loyalty 10%",
        "status": "ACTIVE",
        "codes": {"nodes": [{"code": "LOY-ABC123"}]},
    }
    assert again["discountCodeBasicCreate"] == {
        "codeDiscountNode": None,
        "userErrors": [
            {
                "field": ["basicCodeDiscount", "code"],
                "code": "TAKEN",
                "message": "Code must be unique. Please try a different code.",
            }
        ],
    }
    assert len(standin.control.shop(shop_domain)["discounts"]) == 1


def test_a_discount_without_context_is_refused(graphql) -> None:
    incomplete = reward_input()
    del incomplete["context"]

    result = data(graphql(CREATE_BASIC, {"d": incomplete}))["discountCodeBasicCreate"]

    assert result["codeDiscountNode"] is None
    assert result["userErrors"][0]["field"] == ["basicCodeDiscount", "context"]


def test_deactivating_expires_a_code_and_activating_revives_it(
    standin: StandinServer, graphql, shop_domain
) -> None:
    created = data(graphql(CREATE_BASIC, {"d": reward_input()}))
    node_id = created["discountCodeBasicCreate"]["codeDiscountNode"]["id"]
    status = "codeDiscountNode { codeDiscount { ... on DiscountCodeBasic { status } } }"

    off = data(
        graphql(
            f"mutation($id: ID!) {{ discountCodeDeactivate(id: $id) {{ {status} }} }}",
            {"id": node_id},
        )
    )
    on = data(
        graphql(
            f"mutation($id: ID!) {{ discountCodeActivate(id: $id) {{ {status} }} }}",
            {"id": node_id},
        )
    )
    gone = data(
        graphql(
            "mutation($id: ID!) { discountCodeDelete(id: $id) "
            "{ deletedCodeDiscountId userErrors { message } } }",
            {"id": node_id},
        )
    )

    assert off["discountCodeDeactivate"]["codeDiscountNode"]["codeDiscount"]["status"] == "EXPIRED"
    assert on["discountCodeActivate"]["codeDiscountNode"]["codeDiscount"]["status"] == "ACTIVE"
    assert gone["discountCodeDelete"] == {"deletedCodeDiscountId": node_id, "userErrors": []}
    assert standin.control.shop(shop_domain)["discounts"] == []


def test_free_shipping_codes_and_basic_updates(
    standin: StandinServer, graphql, shop_domain
) -> None:
    shipping = data(
        graphql(
            """mutation($d: DiscountCodeFreeShippingInput!) {
                 discountCodeFreeShippingCreate(freeShippingCodeDiscount: $d) {
                   codeDiscountNode { codeDiscount { __typename } } userErrors { message } } }""",
            {"d": {"title": "Free shipping", "code": "SHIP-1", "context": {"all": "ALL"}}},
        )
    )
    created = data(graphql(CREATE_BASIC, {"d": reward_input(code="LOY-2")}))
    node_id = created["discountCodeBasicCreate"]["codeDiscountNode"]["id"]
    update = """mutation($id: ID!, $d: DiscountCodeBasicInput!) {
      discountCodeBasicUpdate(id: $id, basicCodeDiscount: $d) { userErrors { code } } }"""

    taken = data(graphql(update, {"id": node_id, "d": {"code": "SHIP-1"}}))
    renamed = data(graphql(update, {"id": node_id, "d": {"title": "Loyalty 15%"}}))

    assert shipping["discountCodeFreeShippingCreate"]["codeDiscountNode"]["codeDiscount"] == {
        "__typename": "DiscountCodeFreeShipping"
    }
    assert taken["discountCodeBasicUpdate"]["userErrors"] == [{"code": "TAKEN"}]
    assert renamed["discountCodeBasicUpdate"]["userErrors"] == []
    titles = sorted(d["title"] for d in standin.control.shop(shop_domain)["discounts"])
    assert titles == ["Free shipping", "Loyalty 15%"]


def test_a_second_subscription_for_the_same_topic_and_address_is_taken(
    standin: StandinServer, graphql, shop_domain
) -> None:
    create = """mutation($topic: WebhookSubscriptionTopic!, $s: WebhookSubscriptionInput!) {
      webhookSubscriptionCreate(topic: $topic, webhookSubscription: $s) {
        webhookSubscription { id topic uri endpoint { ... on WebhookHttpEndpoint { callbackUrl } } }
        userErrors { field message } } }"""
    variables = {"topic": "ORDERS_PAID", "s": {"callbackUrl": "https://app.example/webhooks"}}

    first = data(graphql(create, variables))["webhookSubscriptionCreate"]
    second = data(graphql(create, variables))["webhookSubscriptionCreate"]
    listed = data(graphql("{ webhookSubscriptions(first: 10) { edges { node { id topic } } } }"))

    assert first["webhookSubscription"]["topic"] == "ORDERS_PAID"
    assert first["webhookSubscription"]["endpoint"] == {
        "callbackUrl": "https://app.example/webhooks"
    }
    assert second == {
        "webhookSubscription": None,
        "userErrors": [
            {
                "field": ["webhookSubscription", "callbackUrl"],
                "message": "Address for this topic has already been taken",
            }
        ],
    }
    assert listed["webhookSubscriptions"]["edges"] == [
        {"node": {"id": first["webhookSubscription"]["id"], "topic": "ORDERS_PAID"}}
    ]
    deleted = data(
        graphql(
            "mutation($id: ID!) { webhookSubscriptionDelete(id: $id) "
            "{ deletedWebhookSubscriptionId } }",
            {"id": first["webhookSubscription"]["id"]},
        )
    )
    assert deleted["webhookSubscriptionDelete"]["deletedWebhookSubscriptionId"]
    assert standin.control.shop(shop_domain)["webhook_subscriptions"] == []


def test_an_unknown_topic_is_a_graphql_error(graphql) -> None:
    response = graphql(
        "mutation { webhookSubscriptionCreate(topic: LOYALTY_EARNED, webhookSubscription: "
        '{uri: "https://app.example/webhooks"}) { userErrors { message } } }'
    )

    body = response.json()
    assert body["data"] == {"webhookSubscriptionCreate": None}
    assert "LOYALTY_EARNED" in body["errors"][0]["message"]


def test_customers_page_with_cursors_and_search(
    standin: StandinServer, graphql, shop_domain
) -> None:
    standin.control.add_customers(
        shop_domain,
        [
            {"id": 101 + n, "email": f"c{n}@example.com", "tags": "vip" if n % 2 else ""}
            for n in range(5)
        ],
    )
    query = """query($after: String) { customers(first: 2, after: $after, query: "tag:vip") {
      nodes { id email } pageInfo { hasNextPage endCursor } } }"""

    page_one = data(graphql(query))["customers"]
    page_two = data(graphql(query, {"after": page_one["pageInfo"]["endCursor"]}))["customers"]

    assert [c["email"] for c in page_one["nodes"]] == ["c1@example.com", "c3@example.com"]
    assert page_one["pageInfo"]["hasNextPage"] is False
    assert page_two["nodes"] == []
    everyone = data(graphql("{ customers(first: 3) { nodes { id } pageInfo { hasNextPage } } }"))
    assert len(everyone["customers"]["nodes"]) == 3
    assert everyone["customers"]["pageInfo"]["hasNextPage"] is True


def test_orders_are_filtered_by_creation_time(standin: StandinServer, graphql, shop_domain) -> None:
    standin.control.add_orders(
        shop_domain,
        [
            {
                "id": 1,
                "name": "#1001",
                "created_at": "2026-01-05T10:00:00Z",
                "total_price": "10.00",
            },
            {
                "id": 2,
                "name": "#1002",
                "created_at": "2026-02-05T10:00:00Z",
                "total_price": "20.00",
                "customer": {"id": 7, "email": "buyer@example.com"},
            },
        ],
    )

    orders = data(
        graphql(
            '{ orders(first: 10, query: "created_at:>=2026-02-01") { nodes { name '
            "totalPriceSet { shopMoney { amount } } customer { email } } } }"
        )
    )["orders"]["nodes"]

    assert orders == [
        {
            "name": "#1002",
            "totalPriceSet": {"shopMoney": {"amount": "20.00"}},
            "customer": {"email": "buyer@example.com"},
        }
    ]


def test_tags_are_added_and_removed_on_customers(
    standin: StandinServer, graphql, shop_domain
) -> None:
    [customer] = standin.control.add_customers(shop_domain, [{"id": 55, "tags": "old"}])
    add = (
        "mutation($id: ID!, $t: [String!]!) "
        "{ tagsAdd(id: $id, tags: $t) { node { id } userErrors { message } } }"
    )
    remove = add.replace("tagsAdd", "tagsRemove")

    added = data(graphql(add, {"id": customer, "t": ["gold", "vip"]}))
    removed = data(graphql(remove, {"id": customer, "t": ["old"]}))
    missing = data(graphql(add, {"id": "gid://shopify/Customer/999", "t": ["gold"]}))

    assert added["tagsAdd"] == {"node": {"id": customer}, "userErrors": []}
    assert removed["tagsRemove"]["userErrors"] == []
    assert standin.control.shop(shop_domain)["customers"][0]["tags"] == ["gold", "vip"]
    assert missing["tagsAdd"]["node"] is None
    assert missing["tagsAdd"]["userErrors"]


def test_segments_are_created_updated_and_deleted(graphql) -> None:
    create = """mutation($n: String!, $q: String!) { segmentCreate(name: $n, query: $q) {
      segment { id name query } userErrors { field message } } }"""

    made = data(graphql(create, {"n": "Gold members", "q": "customer_tags CONTAINS 'gold'"}))
    twice = data(graphql(create, {"n": "Gold members", "q": "customer_tags CONTAINS 'gold'"}))
    segment_id = made["segmentCreate"]["segment"]["id"]
    updated = data(
        graphql(
            'mutation($id: ID!) { segmentUpdate(id: $id, name: "VIP") { segment { name } } }',
            {"id": segment_id},
        )
    )
    deleted = data(
        graphql(
            "mutation($id: ID!) { segmentDelete(id: $id) { deletedSegmentId } }", {"id": segment_id}
        )
    )

    assert made["segmentCreate"]["userErrors"] == []
    assert twice["segmentCreate"]["userErrors"] == [
        {"field": ["name"], "message": "Name has already been taken"}
    ]
    assert updated["segmentUpdate"]["segment"] == {"name": "VIP"}
    assert deleted["segmentDelete"]["deletedSegmentId"] == segment_id


def test_metafields_set_stores_atomically_and_caps_at_25(
    standin: StandinServer, graphql, shop_domain
) -> None:
    [customer] = standin.control.add_customers(shop_domain, [{"id": 77}])
    mutation = """mutation($m: [MetafieldsSetInput!]!) { metafieldsSet(metafields: $m) {
      metafields { key value } userErrors { field code elementIndex } } }"""
    points = {
        "ownerId": customer,
        "namespace": "loyalty",
        "key": "points",
        "type": "number_integer",
    }

    stored = data(graphql(mutation, {"m": [{**points, "value": "120"}]}))
    refused = data(graphql(mutation, {"m": [{**points, "value": "130"}, {**points, "value": "x"}]}))
    too_many = graphql(mutation, {"m": [{**points, "value": str(n)} for n in range(26)]}).json()

    assert stored["metafieldsSet"] == {
        "metafields": [{"key": "points", "value": "120"}],
        "userErrors": [],
    }
    assert refused["metafieldsSet"]["userErrors"] == [
        {"field": ["metafields", "1", "value"], "code": "INVALID_VALUE", "elementIndex": 1}
    ]
    assert too_many["data"] == {"metafieldsSet": None}
    assert too_many["errors"][0]["extensions"]["code"] == "MAX_INPUT_SIZE_EXCEEDED"
    fetched = data(
        graphql(
            'query($id: ID!) { customer(id: $id) { metafield(namespace: "loyalty", key: "points")'
            " { value } } }",
            {"id": customer},
        )
    )
    assert fetched["customer"]["metafield"] == {"value": "120"}
    assert standin.control.shop(shop_domain)["customers"][0]["metafields"] == {
        "loyalty.points": {"type": "number_integer", "value": "120"}
    }
