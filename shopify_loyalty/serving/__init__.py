"""Serving the app in production: gunicorn web processes and the one inbox worker beside them."""
