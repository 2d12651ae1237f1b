"""Pages of the catalog, mounted at /catalog/. views: the public catalog and suppliers' pages;
accreditation_views: applications, cycles and expert reviews; buying_views: agencies' buying
projects, orders and reviews."""

from django.urls import path

from govtech.catalog import accreditation_views, buying_views, views

app_name = "catalog"

PRODUCT = "products/<slug:slug>/"
PROJECT = "projects/<int:pk>/"

urlpatterns = [
    # the public catalog
    path("", views.product_list, name="product-list"),
    path("compare/", views.compare, name="compare"),
    path("registry/", views.registry, name="registry"),
    path("registry.csv", views.registry_csv, name="registry-csv"),
    path("products/new/", views.product_create, name="product-create"),
    path(PRODUCT, views.product_detail, name="product-detail"),
    # suppliers
    path("mine/", views.supplier_dashboard, name="supplier-dashboard"),
    path(PRODUCT + "edit/", views.product_edit, name="product-edit"),
    path(PRODUCT + "publish/", views.product_publish, name="product-publish"),
    path(PRODUCT + "archive/", views.product_archive, name="product-archive"),
    path(PRODUCT + "files/", views.product_file_add, name="product-file-add"),
    path(PRODUCT + "files/<int:pk>/", views.product_file, name="product-file"),
    path(PRODUCT + "files/<int:pk>/delete/", views.product_file_delete, name="product-file-delete"),
    path(PRODUCT + "references/", views.reference_add, name="reference-add"),
    path(PRODUCT + "references/<int:pk>/delete/", views.reference_delete, name="reference-delete"),
    path(PRODUCT + "apply/", views.application_create, name="application-create"),
    # accreditation: operators and experts
    path("applications/", accreditation_views.application_list, name="application-list"),
    path("applications/<int:pk>/", accreditation_views.application_detail, name="application-detail"),
    path("applications/<int:pk>/withdraw/", accreditation_views.application_withdraw, name="application-withdraw"),
    path("applications/<int:pk>/assign/", accreditation_views.application_assign, name="application-assign"),
    path("applications/<int:pk>/decide/", accreditation_views.application_decide, name="application-decide"),
    path("cycles/", accreditation_views.cycle_list, name="cycle-list"),
    path("cycles/new/", accreditation_views.cycle_create, name="cycle-create"),
    path("cycles/<slug:slug>/edit/", accreditation_views.cycle_edit, name="cycle-edit"),
    path("criteria/", accreditation_views.criteria_edit, name="criteria-edit"),
    path("reviews/", accreditation_views.review_list, name="review-list"),
    path("reviews/<int:pk>/", accreditation_views.review_detail, name="review-detail"),
    path("reviews/<int:pk>/declare/", accreditation_views.review_declare, name="review-declare"),
    path("reviews/<int:pk>/scores/", accreditation_views.review_scores, name="review-scores"),
    # agencies: buying projects, orders, reviews
    path("projects/", buying_views.project_list, name="project-list"),
    path("projects/new/", buying_views.project_create, name="project-create"),
    path(PROJECT, buying_views.project_detail, name="project-detail"),
    path(PROJECT + "search/", buying_views.project_search, name="project-search"),
    path(PROJECT + "shortlist/", buying_views.shortlist_add, name="shortlist-add"),
    path(PROJECT + "shortlist/<int:item>/remove/", buying_views.shortlist_remove, name="shortlist-remove"),
    path(PROJECT + "shortlist/<int:item>/assess/", buying_views.shortlist_assess, name="shortlist-assess"),
    path(PROJECT + "end/", buying_views.project_end, name="project-end"),
    path(PROJECT + "outcome/", buying_views.project_outcome, name="project-outcome"),
    path(PROJECT + "order/", buying_views.order_create, name="order-create"),
    path("orders/", buying_views.order_list, name="order-list"),
    path("orders/<int:pk>/", buying_views.order_detail, name="order-detail"),
    path("orders/<int:pk>/move/", buying_views.order_move, name="order-move"),
    path(PRODUCT + "review/", buying_views.agency_review_create, name="agency-review-create"),
    path(PRODUCT + "pilot/", buying_views.pilot_record, name="pilot-record"),
]
