"""REST API of open tenders imported from OCDS: thin read-only views over the selectors.

The tenders' list (with the same filters as the page), one tender with its compiled release and
timeline, and the process's releases as an OCDS release package are public; a signed-in person
keeps their saved searches here. The import runs and
their problems are for operators (401 without a sign-in, 403 for everyone else). A filter value
the API does not know is a 400 naming the parameter; an unknown OCID is a 404."""

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from drf_spectacular.utils import extend_schema
from rest_framework import generics, permissions
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from govtech.api.inputs import valid_input
from govtech.procurement import selectors, services
from govtech.procurement.models import ImportProblem, ImportRun, SavedSearch, Tender
from govtech.procurement.serializers import (
    ImportProblemSerializer,
    ImportRunSerializer,
    ReleasePackageSerializer,
    SavedSearchAlertsSerializer,
    SavedSearchCreateSerializer,
    SavedSearchSerializer,
    TenderDetailSerializer,
    TenderListSerializer,
    TenderSearchParamsSerializer,
)

OCDS_VERSION = "1.1"
PUBLISHER = "GovTech Platform"  # who republishes the releases here; data, not an interface text


def _tender(ocid: str) -> Tender:
    tender = selectors.tender_by_ocid(ocid)
    if tender is None:
        raise Http404
    return tender


class _Page(generics.ListAPIView):
    """A paginated list read through a selector; ``filter_backends`` off, the selectors filter."""

    filter_backends: list = []


class _OperatorPage(_Page):
    """Import runs are the operators' (``procurement.import_ocds``): 401 signed out, 403 otherwise."""

    permission_classes = [permissions.IsAuthenticated]

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if not request.user.has_perm("procurement.import_ocds"):
            raise PermissionDenied()


# --- tenders -------------------------------------------------------------------------


class TenderListView(_Page):
    """Open tenders matching the words and every filter: values within a filter are alternatives
    (repeat the parameter or separate with commas), filters combine. A value the API does not
    know is a 400 naming the parameter."""

    serializer_class = TenderListSerializer
    queryset = Tender.objects.none()

    def get_queryset(self):
        query = selectors.TenderQuery.from_params(valid_input(TenderSearchParamsSerializer, self.request.query_params))
        return selectors.list_columns(selectors.search_tenders(query))

    @extend_schema(operation_id="v1_procurement_tenders_list", parameters=[TenderSearchParamsSerializer])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class TenderDetailView(APIView):
    """A tender with its description, the compiled OCDS release and the timeline of its releases."""

    @extend_schema(operation_id="v1_procurement_tenders_retrieve", responses=TenderDetailSerializer)
    def get(self, request, ocid):
        tender = _tender(ocid)
        context = {"request": request, "releases": list(selectors.tender_releases(tender))}
        return Response(TenderDetailSerializer(tender, context=context).data)


class TenderReleasesView(APIView):
    """Every release of the process, as published, in one OCDS 1.1 release package (oldest first)."""

    @extend_schema(operation_id="v1_procurement_tenders_releases_retrieve", responses=ReleasePackageSerializer)
    def get(self, request, ocid):
        tender = _tender(ocid)
        releases = selectors.tender_releases(tender).defer(None)  # the timeline, with the data this time
        package = {
            "uri": request.build_absolute_uri(reverse("api:procurement-tender-releases", args=[tender.ocid])),
            "publishedDate": tender.compiled_at,
            "publisher": {"name": PUBLISHER},
            "version": OCDS_VERSION,
            "releases": [release.data for release in releases],
        }
        return Response(ReleasePackageSerializer(package).data)


# --- imports -------------------------------------------------------------------------


class ImportRunListView(_OperatorPage):
    """The OCDS imports, newest first, with what each read, stored and compiled (operators)."""

    serializer_class = ImportRunSerializer
    queryset = ImportRun.objects.none()

    def get_queryset(self):
        return selectors.import_runs()

    @extend_schema(operation_id="v1_procurement_imports_list")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class ImportProblemListView(_OperatorPage):
    """The records an import skipped, with where they were (operators)."""

    serializer_class = ImportProblemSerializer
    queryset = ImportProblem.objects.none()

    def get_queryset(self):
        run = get_object_or_404(ImportRun, pk=self.kwargs["pk"])
        return selectors.import_problems(run)

    @extend_schema(operation_id="v1_procurement_imports_problems_list")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


# --- saved searches ----------------------------------------------------------------------------


class SavedSearchListView(_Page):
    """Your saved tender searches (signed in). POST saves one: a name, the search in the tender
    list's parameters, and whether to e-mail the tenders that newly match it (each once)."""

    serializer_class = SavedSearchSerializer
    permission_classes = [permissions.IsAuthenticated]
    queryset = SavedSearch.objects.none()

    def get_queryset(self):
        return selectors.saved_searches(self.request.user)

    @extend_schema(operation_id="v1_procurement_searches_list")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(request=SavedSearchCreateSerializer, responses={201: SavedSearchSerializer})
    def post(self, request):
        data = valid_input(SavedSearchCreateSerializer, request.data)
        search = services.search_save(
            actor=request.user,
            name=data["name"],
            params=selectors.TenderQuery.from_params(data["params"]).as_stored(),
            alerts=data["alerts"],
        )
        return Response(SavedSearchSerializer(search, context={"request": request}).data, status=201)


class SavedSearchDetailView(APIView):
    """One of your saved searches: switch its alerts (PATCH) or delete it. Another person's search
    is a 404, as a missing one."""

    permission_classes = [permissions.IsAuthenticated]

    def _search(self, request, pk) -> SavedSearch:
        search = SavedSearch.objects.filter(pk=pk).first()
        if search is None or not request.user.has_perm("procurement.manage_search", search):
            raise Http404
        return search

    @extend_schema(request=SavedSearchAlertsSerializer, responses=SavedSearchSerializer)
    def patch(self, request, pk):
        data = valid_input(SavedSearchAlertsSerializer, request.data)
        search = services.search_set_alerts(actor=request.user, search=self._search(request, pk), alerts=data["alerts"])
        return Response(SavedSearchSerializer(search, context={"request": request}).data)

    @extend_schema(request=None, responses={204: None})
    def delete(self, request, pk):
        services.search_delete(actor=request.user, search=self._search(request, pk))
        return Response(status=204)


PROCUREMENT = "procurement/"
# An OCID may hold slashes, as on the pages. The releases route goes first, so an OCID ending in
# "/releases" is read as that process's package; no publisher's OCIDs do.
TENDER = PROCUREMENT + "tenders/<path:ocid>/"

urlpatterns = [
    path(PROCUREMENT + "tenders/", TenderListView.as_view(), name="procurement-tender-list"),
    path(TENDER + "releases/", TenderReleasesView.as_view(), name="procurement-tender-releases"),
    path(TENDER, TenderDetailView.as_view(), name="procurement-tender-detail"),
    path(PROCUREMENT + "imports/", ImportRunListView.as_view(), name="procurement-import-list"),
    path(PROCUREMENT + "searches/", SavedSearchListView.as_view(), name="procurement-search-list"),
    path(PROCUREMENT + "searches/<int:pk>/", SavedSearchDetailView.as_view(), name="procurement-search-detail"),
    path(
        PROCUREMENT + "imports/<int:pk>/problems/", ImportProblemListView.as_view(), name="procurement-import-problems"
    ),
]
