"""The merchant's embedded admin and its JSON API."""
