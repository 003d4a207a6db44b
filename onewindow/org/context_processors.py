"""Template context: the current user's roles, for the navigation."""

from onewindow.org import roles as r


def roles(request):
    user = getattr(request, "user", None)
    mine = r.roles_of(user)
    return {"my_roles": mine, "role_labels": [r.ROLE_LABELS[x] for x in r.ROLES if x in mine]}
