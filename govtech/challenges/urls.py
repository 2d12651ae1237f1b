from django.urls import path

from govtech.challenges import views

app_name = "challenges"

# The fixed words (services.RESERVED_SLUGS) come before <slug:slug>/, so no challenge can hide them.
urlpatterns = [
    path("", views.challenge_list, name="challenge-list"),
    path("new/", views.challenge_create, name="challenge-create"),
    path("mine/", views.my_challenges, name="my-challenges"),
    path("review/", views.review_queue, name="review-queue"),
    path("evaluations/", views.my_evaluations, name="my-evaluations"),
    path("submissions/", views.my_submissions, name="my-submissions"),
    path("submissions/<int:pk>/", views.submission_detail, name="submission-detail"),
    path("submissions/<int:pk>/withdraw/", views.submission_withdraw, name="submission-withdraw"),
    path("submissions/<int:pk>/decide/", views.submission_decide, name="submission-decide"),
    path("submissions/<int:pk>/experts/", views.assignment_create, name="assignment-create"),
    path(
        "submissions/<int:pk>/attachments/<int:attachment_id>/",
        views.attachment_download,
        name="attachment-download",
    ),
    path("assignments/<int:pk>/", views.assignment_detail, name="assignment-detail"),
    path("assignments/<int:pk>/declare/", views.assignment_declare, name="assignment-declare"),
    path("assignments/<int:pk>/scores/", views.assignment_score, name="assignment-score"),
    path("<slug:slug>/", views.challenge_detail, name="challenge-detail"),
    path("<slug:slug>/results.csv", views.results_csv, name="results-csv"),
    path("<slug:slug>/edit/", views.challenge_edit, name="challenge-edit"),
    path("<slug:slug>/edit/phases/", views.challenge_phases, name="challenge-phases"),
    path("<slug:slug>/edit/criteria/", views.challenge_criteria, name="challenge-criteria"),
    path("<slug:slug>/edit/indicators/", views.challenge_indicators, name="challenge-indicators"),
    path("<slug:slug>/edit/documents/", views.challenge_documents, name="challenge-documents"),
    path("<slug:slug>/edit/documents/<int:pk>/remove/", views.document_remove, name="document-remove"),
    path("<slug:slug>/documents/<int:pk>/", views.document_download, name="document-download"),
    path("<slug:slug>/actions/<slug:action>/", views.challenge_action, name="challenge-action"),
    path("<slug:slug>/questions/", views.question_ask, name="question-ask"),
    path("<slug:slug>/questions/<int:pk>/answer/", views.question_answer, name="question-answer"),
    path("<slug:slug>/slots/", views.slot_create, name="slot-create"),
    path("<slug:slug>/slots/<int:pk>/delete/", views.slot_delete, name="slot-delete"),
    path("<slug:slug>/slots/<int:pk>/book/", views.slot_book, name="slot-book"),
    path("<slug:slug>/slots/<int:pk>/cancel/", views.slot_cancel, name="slot-cancel"),
    path("<slug:slug>/phases/<int:number>/submit/", views.submission_form, name="submission-form"),
    path("<slug:slug>/phases/<int:number>/evaluation/", views.evaluation, name="evaluation"),
    path(
        "<slug:slug>/phases/<int:number>/cycles/<int:cycle>/assign/",
        views.panel_assign,
        name="panel-assign",
    ),
    path("<slug:slug>/phases/<int:number>/cycles/<int:cycle>/close/", views.panel_close, name="panel-close"),
    path(
        "<slug:slug>/phases/<int:number>/publish-results/",
        views.phase_publish_results,
        name="phase-publish-results",
    ),
]
