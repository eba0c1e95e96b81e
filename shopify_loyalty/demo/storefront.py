"""A small local storefront for the demo and the browser tests, with an app proxy that
behaves like Shopify's.

Pages look like a theme's (header, products, footer) and carry the app embed block's output:
the ``#loyalty-widget-root`` element with its data attributes and the deferred widget
script. ``/apps/loyalty/...`` is forwarded to the app's ``/proxy/...`` exactly as Shopify's
app proxy does: the shopper's query is kept, ``shop``, ``logged_in_customer_id``,
``path_prefix`` and ``timestamp`` are added and signed, cookies are stripped both ways.
``/cart/update.js`` records the cart attributes it is given.
"""

from __future__ import annotations

import html
import threading
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

import requests
from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.wrappers import Request, Response

from shopify_loyalty.demo.proxy_signing import PATH_PREFIX, signed_query

SIGN_IN_COOKIE = "demo_customer"
DROPPED_HEADERS = {"cookie", "host", "content-length", "connection", "accept-encoding"}
PRODUCTS = (
    ("Merino beanie", "29.00"),
    ("Wool socks, 3 pairs", "19.00"),
    ("Canvas tote", "24.00"),
    ("Enamel mug", "14.00"),
)


@dataclass
class Storefront:
    app_url: str
    shop: str
    secret: str
    customer_id: int | None = None
    locale: str = "en"
    block: dict[str, str] = field(default_factory=dict)
    cart_updates: list[dict[str, list[str]]] = field(default_factory=list)
    proxied: list[str] = field(default_factory=list)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        response = self.respond(request)
        return response(environ, start_response)

    def respond(self, request: Request) -> Response:
        path = request.path
        if path == "/account/login" and request.args.get("customer", "").isdigit():
            # The demo's stand-in for signing in to the shop: Shopify knows the shopper from
            # its own session and tells the app through logged_in_customer_id.
            signed_in = Response(status=302, headers={"Location": "/"})
            signed_in.set_cookie(SIGN_IN_COOKIE, request.args["customer"], httponly=True)
            return signed_in
        if path == "/account/logout":
            signed_out = Response(status=302, headers={"Location": "/"})
            signed_out.delete_cookie(SIGN_IN_COOKIE)
            return signed_out
        if path.startswith(PATH_PREFIX + "/"):
            return self.forward(request, path.removeprefix(PATH_PREFIX))
        if path == "/widget.js":
            upstream = requests.get(f"{self.app_url}/widget.js", timeout=10)
            return Response(upstream.content, upstream.status_code, mimetype="text/javascript")
        if path == "/cart/update.js" and request.method == "POST":
            self.cart_updates.append(parse_qs(request.get_data(as_text=True)))
            return Response('{"item_count":0,"attributes":{}}', mimetype="application/json")
        if path.startswith("/discount/"):
            return Response(self.page("Discount applied", request), mimetype="text/html")
        return Response(self.page("Home", request), mimetype="text/html")

    def shopper(self, request: Request) -> int | None:
        """Who is signed in: the browser's demo sign-in, else the storefront's default."""
        cookie = request.cookies.get(SIGN_IN_COOKIE, "")
        return int(cookie) if cookie.isdigit() else self.customer_id

    def forward(self, request: Request, rest: str) -> Response:
        query = signed_query(
            self.secret, self.shop, self.shopper(request), request.query_string.decode()
        )
        headers = {k: v for k, v in request.headers.items() if k.lower() not in DROPPED_HEADERS}
        self.proxied.append(f"{request.method} {rest}")
        upstream = requests.request(
            request.method,
            f"{self.app_url}/proxy{rest}?{query}",
            data=request.get_data(),
            headers=headers,
            allow_redirects=False,
            timeout=30,
        )
        kept = {
            k: v
            for k, v in upstream.headers.items()
            if k.lower() in {"content-type", "location", "cache-control", "retry-after"}
        }
        return Response(upstream.content, upstream.status_code, headers=kept)

    def page(self, title: str, request: Request) -> str:
        attributes = {
            "locale": request.args.get("locale", self.locale),
            "customer": "1" if self.shopper(request) is not None else "0",
            "proxy": PATH_PREFIX,
            "accent": "",
            "background": "",
            "text": "",
            "position": "",
            "label": "",
            "login": "/account/login",
            "register": "/account/register",
            **self.block,
        }
        data = " ".join(f'data-{k}="{html.escape(v)}"' for k, v in attributes.items())
        cards = "".join(
            f'<li class="card"><div class="img"></div><h3>{name}</h3><p>{price} EUR</p></li>'
            for name, price in PRODUCTS
        )
        return f"""<!doctype html>
<html lang="{self.locale}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} - Loyal Goods</title>
<style>
body{{margin:0;font-family:Georgia,serif;color:#222;background:#faf7f2}}
header{{display:flex;justify-content:space-between;align-items:center;padding:18px 24px;
border-bottom:1px solid #e4ddd2;background:#fff}}
header a{{color:#222;margin-left:16px;text-decoration:none}}
main{{max-width:1100px;margin:0 auto;padding:24px}}
.hero{{padding:40px 24px;background:#e9e1d4;border-radius:12px;margin-bottom:24px}}
ul.grid{{list-style:none;padding:0;display:grid;gap:16px;
grid-template-columns:repeat(auto-fill,minmax(150px,1fr))}}
.card{{background:#fff;border-radius:10px;padding:12px}}
.img{{aspect-ratio:1;background:#d9cfc0;border-radius:8px}}
footer{{padding:24px;text-align:center;color:#666}}
</style></head>
<body>
<header><strong>Loyal Goods</strong>
<nav><a href="/">Shop</a><a href="/account/login">Account</a><a href="/cart">Cart</a></nav>
</header>
<main><section class="hero"><h1>Warm things for cold days</h1>
<p>Free shipping from 50 EUR.</p></section>
<ul class="grid">{cards}</ul></main>
<footer>Loyal Goods</footer>
<div id="loyalty-widget-root" hidden {data}></div>
<script src="/widget.js" defer></script>
</body></html>"""


class StorefrontServer:
    def __init__(self, storefront: Storefront, host: str = "127.0.0.1", port: int = 0) -> None:
        self.storefront = storefront
        self._server: BaseWSGIServer = make_server(host, port, storefront, threaded=True)
        self.url = f"http://{host}:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> StorefrontServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
