from govtech.funnel import analytics_views, views

app_name = "funnel"

urlpatterns = [*views.urlpatterns, *analytics_views.urlpatterns]
