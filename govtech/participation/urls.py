from django.urls import path

from govtech.participation import views
from govtech.participation.urls_more import urlpatterns as more_urlpatterns

app_name = "participation"

# Ideas, calls, votes, comments and moderation actions (views.py); then the agency inbox, the
# moderation queue, accountability, stories and points (urls_more.py). An idea's address is its
# number, so no word below can be taken by an idea; "new" is a reserved call slug.
urlpatterns = [
    path("", views.idea_list, name="idea-list"),
    path("new/", views.idea_new, name="idea-new"),
    path("mine/", views.my_ideas, name="my-ideas"),
    path("similar/", views.similar, name="similar"),
    path("calls/", views.call_list, name="call-list"),
    path("calls/new/", views.call_new, name="call-new"),
    path("calls/<slug:slug>/", views.call_detail, name="call-detail"),
    path("<int:pk>/", views.idea_detail, name="idea-detail"),
    path("<int:pk>/files/<int:file_pk>/", views.idea_file, name="idea-file"),
    path("<int:pk>/vote/", views.idea_vote, name="idea-vote"),
    path("<int:pk>/unvote/", views.idea_unvote, name="idea-unvote"),
    path("<int:pk>/report/", views.idea_report, name="idea-report"),
    path("<int:pk>/answer/", views.idea_answer, name="idea-answer"),
    path("<int:pk>/progress/", views.idea_progress, name="idea-progress"),
    path("<int:pk>/milestones/", views.milestone_add, name="milestone-add"),
    path("<int:pk>/milestones/<int:milestone_pk>/done/", views.milestone_done, name="milestone-done"),
    path("<int:pk>/assign/", views.idea_assign, name="idea-assign"),
    path("<int:pk>/approve/", views.idea_approve, name="idea-approve"),
    path("<int:pk>/hide/", views.idea_hide, name="idea-hide"),
    path("<int:pk>/restore/", views.idea_restore, name="idea-restore"),
    path("<int:pk>/comments/", views.comment_add, name="comment-add"),
    path("<int:pk>/comments/<int:comment_pk>/edit/", views.comment_edit, name="comment-edit"),
    path("<int:pk>/comments/<int:comment_pk>/report/", views.comment_report, name="comment-report"),
    path("<int:pk>/comments/<int:comment_pk>/hide/", views.comment_hide, name="comment-hide"),
    path("<int:pk>/comments/<int:comment_pk>/restore/", views.comment_restore, name="comment-restore"),
    *more_urlpatterns,
]
