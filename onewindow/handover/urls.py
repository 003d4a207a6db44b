"""HTML pages of the handover context (each path carries its own prefix; included at the root)."""

app_name = "handover"
urlpatterns: list = []
