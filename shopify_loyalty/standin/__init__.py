"""A local stand-in for Shopify: one or many fake shops served over real HTTP.

It answers OAuth (authorize, code exchange, token exchange, refresh), the Admin GraphQL
subset the app uses, with Shopify's error shapes and cost-based throttling, and it delivers
signed webhooks. State lives in memory: it is a fake shop, never a store of record.
"""

from shopify_loyalty.standin.app import StandinServer, create_standin_app
from shopify_loyalty.standin.session_tokens import mint_session_token
from shopify_loyalty.standin.webhook_sender import WebhookSender, sign_webhook_body

__all__ = [
    "StandinServer",
    "WebhookSender",
    "create_standin_app",
    "mint_session_token",
    "sign_webhook_body",
]
