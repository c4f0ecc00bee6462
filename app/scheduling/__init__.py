"""scheduling domain."""
