"""Sample catalogue (126 items / 181 sub-items, illustrative), all implemented by the Approval Bureau."""


def load() -> dict:
    """Idempotent. To be filled by the catalogue work."""
    return {}
