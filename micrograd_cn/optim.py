"""Placeholder: filled by the nn issue."""
