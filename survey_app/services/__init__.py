"""Queries and commands over the models: keyword-only ``session``, ``flush`` not commit."""
