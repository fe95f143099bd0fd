"""``demo``: a realistic synthetic district (written in the next step)."""

COMMANDS: list = []
