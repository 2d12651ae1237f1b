"""Pages for agencies, moderators and analysts, and the people's points (included by urls.py)."""

from django.urls import path

from govtech.participation import more_views

urlpatterns = [
    path("inbox/", more_views.agency_inbox, name="agency-inbox"),
    path("moderation/", more_views.moderation_queue, name="moderation-queue"),
    path("accountability/", more_views.accountability, name="accountability"),
    path("accountability.csv", more_views.accountability_csv, name="accountability-csv"),
    path("stories/", more_views.story_list, name="story-list"),
    path("stories/analysis/", more_views.story_analysis, name="story-analysis"),
    path("stories/<slug:key>/new/", more_views.story_new, name="story-new"),
    path("stories.csv", more_views.story_csv, name="story-csv"),
    path("leaderboard/", more_views.leaderboard, name="leaderboard"),
    path("points/", more_views.my_points, name="my-points"),
]
