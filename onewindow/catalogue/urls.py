"""HTML pages of the catalogue context (each path carries its own prefix; included at the root)."""

app_name = "catalogue"
urlpatterns: list = []
