"""Care tickets: issues raised about residents, and the care-ticket REST API of seed 001."""
