"""Per-shop program settings: validated, versioned sections with sensible defaults."""
