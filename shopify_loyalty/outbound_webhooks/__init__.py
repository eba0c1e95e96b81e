"""Outbound webhooks: the merchant's HTTPS endpoints hear of program events, signed with
HMAC-SHA256, retried with exponential backoff, logged per attempt, paused after repeated
failure and redelivered from the log on request."""
