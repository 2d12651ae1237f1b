from django.urls import path

from govtech.challenges import views

app_name = "challenges"

urlpatterns = [
    path("", views.challenge_list, name="challenge-list"),
    path("<slug:slug>/", views.challenge_detail, name="challenge-detail"),
    path("submissions/<int:pk>/", views.submission_detail, name="submission-detail"),
    path("assignments/<int:pk>/", views.assignment_detail, name="assignment-detail"),
]
