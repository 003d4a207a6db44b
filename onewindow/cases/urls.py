"""HTML pages of the cases context (each path carries its own prefix; included at the root)."""

app_name = "cases"
urlpatterns: list = []
