"""``shopify-loyalty standin``: serve the Shopify stand-in in the foreground."""

from __future__ import annotations

import click
from werkzeug.serving import make_server

from shopify_loyalty.settings import load_settings
from shopify_loyalty.standin.app import create_standin_app


def run_standin(
    host: str, port: int, api_key: str, api_secret: str, *, app_url: str | None = None
) -> None:
    """Serve the stand-in on ``host:port`` until interrupted."""
    app = create_standin_app(api_key, api_secret, app_url=app_url)
    server = make_server(host, port, app, threaded=True)
    url = f"http://{host}:{server.server_port}"
    click.echo(f"Shopify stand-in listening on {url}")
    click.echo(f"Point the app at it with SHOPIFY_ADMIN_URL={url}/{{shop}}")
    click.echo(f"Inspect a shop at {url}/_standin/shops/<shop>.myshopify.com")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        click.echo("Stopping the stand-in")
    finally:
        server.server_close()


@click.command("standin")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to bind.")
@click.option("--port", default=8081, show_default=True, type=int, help="Port to listen on.")
def standin_command(host: str, port: int) -> None:
    """Run the local Shopify stand-in (OAuth, Admin GraphQL, webhooks) for the demo."""
    settings = load_settings(demo=True)
    run_standin(host, port, settings.api_key, settings.api_secret, app_url=settings.app_url)
