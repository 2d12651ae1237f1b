"""Pages of the funnel (being built)."""

urlpatterns: list = []
