"""All git goes through this package."""
