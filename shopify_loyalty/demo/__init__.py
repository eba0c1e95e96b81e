"""The local demo: the app, the stand-in shop and a stream of signed webhooks."""
