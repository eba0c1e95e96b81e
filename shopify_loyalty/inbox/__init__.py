"""The webhook inbox: verified deliveries stored first, applied by the worker after."""
