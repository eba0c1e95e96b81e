"""Shopify Flow: the app's triggers (sent with ``flowTriggerReceive`` from the worker) and
its action (``POST /flow/actions/adjust-points``). Both are declared as Flow extensions
under ``extensions/``."""
