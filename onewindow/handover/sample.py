"""Sample seals of the bureau and the receiving departments."""


def load() -> dict:
    """Idempotent. To be filled by the handover/seal work."""
    return {}
