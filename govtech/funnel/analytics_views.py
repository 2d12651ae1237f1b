"""The public funnel analytics page and its CSV and JSON downloads. Thin: the filters form
checks the query string, govtech.funnel.analytics computes every number; the charts are
inline SVG drawn from those numbers (no JavaScript)."""

import csv
import json

from django import forms
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from govtech.accounts.selectors import agency_choices
from govtech.funnel.analytics import DATE_RANGE_MESSAGE, funnel_analytics
from govtech.funnel.models import Origin, Topic
from govtech.funnel.states import Stage

STAGE_METRICS = ["current", "reached", "converted", "conversion", "completed_stays", "median_days", "p90_days"]
BREAKDOWNS = [
    ("origin", _("By origin"), _("Origin")),
    ("topic", _("By topic"), _("Topic")),
    ("sponsor", _("By sponsoring agency"), _("Sponsoring agency")),
]


class AnalyticsFilterForm(forms.Form):
    origin = forms.ChoiceField(label=_("Origin"), required=False)
    agency = forms.ModelChoiceField(
        label=_("Sponsoring agency"),
        queryset=agency_choices(),
        to_field_name="slug",
        required=False,
        empty_label=_("All agencies"),
    )
    topic = forms.ChoiceField(label=_("Topic"), required=False)
    date_from = forms.DateField(
        label=_("Entered from"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    date_to = forms.DateField(
        label=_("Entered until"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["origin"].choices = [("", _("All origins")), *Origin.choices]
        self.fields["topic"].choices = [("", _("All topics")), *Topic.choices]
        for name in ("date_from", "date_to"):
            self.fields[name].help_text = _("YYYY-MM-DD, inclusive")

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_to"] < data["date_from"]:
            self.add_error("date_to", DATE_RANGE_MESSAGE)
        return data

    def analytics_filters(self) -> dict:
        """The keyword arguments of funnel_analytics() (call after is_valid())."""
        data = self.cleaned_data
        return {
            "origin": data.get("origin") or None,
            "sponsor_id": data["agency"].pk if data.get("agency") else None,
            "topic": data.get("topic") or None,
            "date_from": data.get("date_from"),
            "date_to": data.get("date_to"),
        }


def _filters_or_errors(request) -> tuple[AnalyticsFilterForm, dict | None]:
    form = AnalyticsFilterForm(request.GET)  # every field is optional: no query string means no filters
    if form.is_valid():
        return form, form.analytics_filters()
    return form, None


# --- charts -------------------------------------------------------------------------

REACHED_WIDTH = 640
REACHED_LABEL = 170  # room for the stage names left of the bars (the Russian ones are long)
REACHED_BAR_MAX = 420
REACHED_ROW = 34


def reached_chart(stages: list[dict]) -> dict:
    """Geometry of the horizontal bar chart of initiatives reaching each stage."""
    top = max((row["reached"] for row in stages), default=0) or 1
    bars = []
    for index, row in enumerate(stages):
        width = round(REACHED_BAR_MAX * row["reached"] / top, 1)
        y = index * REACHED_ROW + 6
        bars.append(
            {
                "label": row["label"],
                "value": row["reached"],
                "is_stopped": row["stage"] == Stage.STOPPED,
                "y": y,
                "height": REACHED_ROW - 12,
                "text_y": y + (REACHED_ROW - 12) / 2 + 5,
                "x": REACHED_LABEL,
                "width": width,
                "value_x": REACHED_LABEL + width + 6,
            }
        )
    return {"width": REACHED_WIDTH, "height": len(stages) * REACHED_ROW + 6, "label_x": REACHED_LABEL - 8, "bars": bars}


THROUGHPUT_HEIGHT = 160  # of the tallest bar
THROUGHPUT_LEFT = 8
THROUGHPUT_TOP = 22  # room for the number above the tallest bar
DIGIT_WIDTH = 8  # of a bold 12px digit, with some room


def throughput_chart(throughput: list[dict]) -> dict:
    """Geometry of the column chart of stays entered per month (total over all stages). Each
    column is wide enough for its number, so the numbers never overlap."""
    top = max((row["total"] for row in throughput), default=0) or 1
    slot = max(36, DIGIT_WIDTH * len(str(top)) + 10)
    bar = slot - 10
    baseline = THROUGHPUT_TOP + THROUGHPUT_HEIGHT
    columns = []
    for index, row in enumerate(throughput):
        height = round(THROUGHPUT_HEIGHT * row["total"] / top, 1)
        x = THROUGHPUT_LEFT + index * slot
        year, month = row["month"].split("-")
        columns.append(
            {
                "month": row["month"],
                "month_number": month,
                "year": year if index == 0 or month == "01" else "",
                "value": row["total"],
                "x": x,
                "width": bar,
                "y": round(baseline - height, 1),
                "height": height,
                "center": x + bar / 2,
                "value_y": round(baseline - height - 6, 1),
            }
        )
    return {
        "width": THROUGHPUT_LEFT * 2 + len(throughput) * slot,
        "height": baseline + 40,
        "baseline": baseline,
        "month_y": baseline + 16,
        "year_y": baseline + 32,
        "columns": columns,
    }


# --- views --------------------------------------------------------------------------


@require_GET
def analytics_page(request):
    """Public: the funnel's numbers with filters, charts, tables and downloads."""
    form, filters = _filters_or_errors(request)
    context = {"form": form, "query": request.GET.urlencode()}
    if filters is not None:
        data = funnel_analytics(**filters)
        context.update(
            data=data,
            stage_rows=[
                {**row, "conversion_percent": None if row["conversion"] is None else row["conversion"] * 100}
                for row in data["stages"]
            ],
            reached_chart=reached_chart(data["stages"]),
            throughput_chart=throughput_chart(data["throughput"]),
            breakdowns=[
                {"key": key, "title": title, "column": column, "rows": data["breakdowns"][key]}
                for key, title, column in BREAKDOWNS
            ],
            stage_columns=[(row["stage"], row["label"]) for row in data["stages"]],
            api_url=reverse("api:funnel-analytics"),
        )
    return render(request, "funnel/analytics.html", context)


def _bad_filters(form: AnalyticsFilterForm) -> JsonResponse:
    fields = {name: [str(error) for error in errors] for name, errors in form.errors.items()}
    return JsonResponse(
        {
            "error": {
                "status": 400,
                "code": "invalid",
                "message": str(_("The filters are not valid.")),
                "fields": fields,
            }
        },
        status=400,
        json_dumps_params={"ensure_ascii": False},
    )


def _cell(value):
    """A spreadsheet must not run an agency's name as a formula (CSV injection)."""
    if isinstance(value, str) and value[:1] in {"=", "+", "-", "@", "\t", "\r"}:
        return "'" + value
    return value


def analytics_rows(data: dict) -> list[list]:
    """The numbers of funnel_analytics() as long-format rows: section, key, label, stage, metric, value."""
    return [[_cell(value) for value in row] for row in _raw_rows(data)]


def _raw_rows(data: dict) -> list[list]:
    rows = []
    for row in data["stages"]:
        for metric in STAGE_METRICS:
            value = row[metric]
            rows.append(["stages", row["stage"], row["label"], row["stage"], metric, "" if value is None else value])
    for row in data["throughput"]:
        for stage, value in row["entered"].items():
            rows.append(["throughput", row["month"], row["month"], stage, "entered", value])
    for key, _title, _column in BREAKDOWNS:
        for group in data["breakdowns"][key]:
            for stage, value in group["stages"].items():
                rows.append([key, group["key"], group["label"], stage, "current", value])
    return rows


@require_GET
def analytics_csv(request):
    """The page's numbers as CSV, one number per row (same filters, in the query string)."""
    form, filters = _filters_or_errors(request)
    if filters is None:
        return _bad_filters(form)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="funnel-analytics.csv"'
    writer = csv.writer(response)
    writer.writerow(["section", "key", "label", "stage", "metric", "value"])
    writer.writerows(analytics_rows(funnel_analytics(**filters)))
    return response


@require_GET
def analytics_json(request):
    """The page's numbers as JSON: exactly what funnel_analytics() returns."""
    form, filters = _filters_or_errors(request)
    if filters is None:
        return _bad_filters(form)
    response = HttpResponse(
        json.dumps(funnel_analytics(**filters), ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = 'attachment; filename="funnel-analytics.json"'
    return response


urlpatterns = [
    path("analytics/", analytics_page, name="analytics"),
    path("analytics.csv", analytics_csv, name="analytics-csv"),
    path("analytics.json", analytics_json, name="analytics-json"),
]
