"""Home-page links this context offers each role: {role: [(url name, label)]}."""

LINKS: dict = {}
