"""The limit for the ingest benchmark: a Flask endpoint that only checks the HMAC and answers.

Served by the same gunicorn configuration as ``shopify-loyalty serve``.
``python -m benchmarks.bare_webhook_app --port P --workers N --threads T`` (secret from
``SHOPIFY_API_SECRET``).
"""

from __future__ import annotations

import argparse
import os

from flask import Flask, Response, request
from gunicorn.app.base import BaseApplication

from shopify_loyalty.serving.gunicorn_server import apply_options, gunicorn_options
from shopify_loyalty.shopify.signatures import verify_webhook


def bare_app(secret: str) -> Flask:
    app = Flask(__name__)

    @app.post("/webhooks")
    def receive() -> tuple[Response | str, int]:
        body = request.get_data()
        if not verify_webhook(body, request.headers.get("X-Shopify-Hmac-Sha256"), secret):
            return "", 401
        return "", 200

    @app.get("/healthz")
    def healthz() -> tuple[str, int]:
        return "ok", 200

    return app


class BareServer(BaseApplication):
    def __init__(self, options: dict[str, object], secret: str) -> None:
        self.options = options
        self.secret = secret
        super().__init__()

    def load_config(self) -> None:
        apply_options(self.cfg, self.options)

    def load(self) -> Flask:
        return bare_app(self.secret)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, required=True)
    parser.add_argument("--threads", type=int, required=True)
    args = parser.parse_args()
    options = gunicorn_options(
        host="127.0.0.1", port=args.port, workers=args.workers, threads=args.threads
    )
    BareServer(options, os.environ["SHOPIFY_API_SECRET"]).run()


if __name__ == "__main__":
    main()
