"""Privacy requests: customer data exports, customer and shop redaction."""
