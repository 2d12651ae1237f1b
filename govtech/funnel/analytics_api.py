"""Analytics API of the funnel (being built)."""

urlpatterns: list = []
