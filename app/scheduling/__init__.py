"""Scheduling: visits (events) and the recurring series they come from (event groups)."""
