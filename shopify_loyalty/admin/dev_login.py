"""A development login for running the admin outside Shopify (the demo).

Off unless the environment has ``LOYALTY_DEV_LOGIN=1``, and then only for shops installed
here; when off, its routes answer 404 as if they did not exist. Signing in keeps the shop
in Flask's signed session cookie (HttpOnly, SameSite=Lax, Secure when the app is served
over HTTPS).
"""

from __future__ import annotations

import os
import secrets

from flask import Blueprint, abort, redirect, render_template, request, session, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from shopify_loyalty.services import request_session
from shopify_loyalty.shops.models import INSTALLED, Shop

DEV_SHOP_KEY = "dev_shop"
ENV_FLAG = "LOYALTY_DEV_LOGIN"

blueprint = Blueprint("dev_login", __name__, url_prefix="/admin")


def dev_login_enabled() -> bool:
    """Read on every request, so the flag can never be left on by an earlier process state."""
    return os.environ.get(ENV_FLAG, "").strip() == "1"


@blueprint.get("/dev-login")
def show_login() -> str:
    if not dev_login_enabled():
        abort(404)
    return render_template("admin/dev_login.html", shops=_installed_shops(), error=None)


@blueprint.post("/dev-login")
def sign_in() -> Response | tuple[str, int]:
    if not dev_login_enabled():
        abort(404)
    domain = request.form.get("shop", "").strip().lower()
    shops = _installed_shops()
    if domain not in shops:
        error = "Choose a shop this app is installed in."
        return render_template("admin/dev_login.html", shops=shops, error=error), 400
    session.clear()
    session[DEV_SHOP_KEY] = domain
    session["csrf_nonce"] = secrets.token_urlsafe(16)
    return redirect(url_for("admin_pages.dashboard"), code=303)


@blueprint.post("/dev-logout")
def sign_out() -> Response:
    if not dev_login_enabled():
        abort(404)
    session.clear()
    return redirect(url_for("dev_login.show_login"), code=303)


def _installed_shops() -> list[str]:
    return list(
        request_session().scalars(
            select(Shop.domain).where(Shop.status == INSTALLED).order_by(Shop.domain)
        )
    )
