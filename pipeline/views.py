"""The board of a sales cycle (its columns, "load more", a drop) and the dashboard.

A drop posts the card and its target column; the server derives the action from them as the
Update dialog would (`pipeline.board.move`) and answers with the board's columns drawn again:
a refused move shows the rule's message and the card back in its column. Every move is also a
button of the card's menu, which works without JavaScript (Post/Redirect/Get).
"""

import datetime

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from opportunities import permissions
from opportunities.models import Opportunity
from pipeline import board, dashboard, figures
from pipeline.forms import DashboardFilterForm, PipelineFilterForm, default_cycle
from salescycles.models import SalesCycle
from web.shortcuts import mine_and_all

VIEW = "opportunities.view_opportunity"


def today() -> datetime.date:
    return timezone.localdate()


def with_query(url: str, query: dict) -> str:
    return f"{url}?{urlencode(query)}" if query else url


def cycle_or_404(code: str) -> SalesCycle:
    return get_object_or_404(SalesCycle, code=code)


class MoveForm(forms.Form):
    number = forms.CharField(max_length=20)
    version = forms.IntegerField(min_value=1, max_value=2**31 - 1)
    target = forms.CharField(max_length=20)


@require_GET
@permission_required(VIEW, raise_exception=True)
def board_index(request: HttpRequest) -> HttpResponse:
    """The board of the first sales cycle."""
    cycle = default_cycle()
    if cycle is None:
        return render(request, "pipeline/no_cycle.html")
    return board_view(request, cycle.code)


def board_context(request, cycle: SalesCycle, filters: PipelineFilterForm, **extra) -> dict:
    day = today()
    figures.prepare()
    stages = list(cycle.stages.order_by("stage"))
    scope = filters.scope(cycle, today=day)
    columns = board.board_columns(cycle, stages, scope)
    for column in columns:
        board.prepare_cards(request.user, column.cards, stages, day)
    query = filters.query()
    board_url = reverse("pipeline:board", args=[cycle.code])
    list_query = {**filters.list_query(), "sales_cycle": cycle.code}
    views = mine_and_all(request.user, board_url, filters.value("salesperson"))
    return {
        "views": views,
        "mine": bool(views) and views[0]["active"],  # "Mine" is the switch's first view
        "cycle": cycle,
        "cycles": SalesCycle.objects.order_by("code"),
        "stages": stages,
        "columns": columns,
        "filter_form": filters,
        "query": query,
        "board_url": board_url,
        "here": with_query(board_url, query),
        "query_string": urlencode(query),
        "list_url": reverse("opportunities:list"),
        "list_query": list_query,
        "today": day,
        **extra,
    }


@require_GET
@permission_required(VIEW, raise_exception=True)
def board_view(request: HttpRequest, code: str) -> HttpResponse:
    cycle = cycle_or_404(code)
    filters = PipelineFilterForm(request.GET, user=request.user)
    context = board_context(request, cycle, filters)
    template = "pipeline/board.html"
    if request.htmx and request.htmx.target == "board-columns":
        template += "#columns"
    return render(request, template, context)


@require_GET
@permission_required(VIEW, raise_exception=True)
def column_view(request: HttpRequest, code: str, stage: int) -> HttpResponse:
    """More cards of a column, after the cursor `after` (htmx: the cards and the next
    button; otherwise a page of its own)."""
    cycle = cycle_or_404(code)
    stages = list(cycle.stages.order_by("stage"))
    if stage != 0 and stage not in {s.pk for s in stages}:
        raise Http404(_("There is no such column on this board."))
    filters = PipelineFilterForm(request.GET, user=request.user)
    day = today()
    scope = filters.scope(cycle, today=day)
    try:
        cards, more = board.more_cards(scope, stage, request.GET.get("after", ""))
    except board.BadCursor as error:
        raise Http404(_("There is no such page.")) from error
    board.prepare_cards(request.user, cards, stages, day)
    column = board.Column(
        key=str(stage),
        stage=next((s for s in stages if s.pk == stage), None),
        title="",
        sums=figures.Sums(),
        cards=cards,
        more=more,
    )
    column.title = column.stage.description if column.stage else _("Not started")
    query = filters.query()
    board_url = reverse("pipeline:board", args=[cycle.code])
    context = {
        "cycle": cycle,
        "column": column,
        "query": query,
        "board_url": board_url,
        "here": with_query(board_url, query),
        "today": day,
    }
    template = "pipeline/column.html"
    if request.htmx:
        template += "#more"
    return render(request, template, context)


@require_POST
@permission_required(VIEW, raise_exception=True)
def move_view(request: HttpRequest, code: str) -> HttpResponse:
    """A drop, or a move chosen from a card's menu."""
    cycle = cycle_or_404(code)
    form = MoveForm(request.POST)
    filters = PipelineFilterForm(_board_query(request), user=request.user)
    back = with_query(reverse("pipeline:board", args=[cycle.code]), filters.query())
    if not form.is_valid():
        error = ValidationError(
            _("The form was incomplete. Reload the page and try again."), code="incomplete"
        )
        return _answer(request, cycle, filters, back, error=error)
    data = form.cleaned_data
    opportunity = get_object_or_404(
        Opportunity.objects.select_related("sales_cycle", "current_stage", "contact", "quote"),
        number=data["number"],
        sales_cycle=cycle,
    )
    if not permissions.can_act_on(request.user, opportunity):
        raise PermissionDenied
    if data["target"] in (board.WON, board.LOST):
        close = reverse("opportunities:close", args=[opportunity.number])
        return HttpResponseRedirect(with_query(close, {"outcome": data["target"], "next": back}))
    try:
        message = board.move(
            opportunity, data["target"], version=data["version"], user=request.user
        )
    except ValidationError as error:
        return _answer(request, cycle, filters, back, error=error, focus=opportunity.number)
    return _answer(request, cycle, filters, back, message=message, focus=opportunity.number)


def _board_query(request: HttpRequest):
    """The board's filters travel with a move in `query` (the board's own query string)."""
    from django.http import QueryDict

    return QueryDict(request.POST.get("query", ""))


def _answer(request, cycle, filters, back, *, message=None, error=None, focus=None):
    from web.shortcuts import shown

    texts = shown(error).messages if error is not None else []
    if not request.htmx:
        if message:
            messages.success(request, message)
        for text in texts:
            messages.error(request, text)
        return HttpResponseRedirect(back)
    context = board_context(
        request,
        cycle,
        filters,
        notice=message,
        refusals=texts,
        focus=focus,
    )
    return render(request, "pipeline/board.html#columns", context)


# --- the dashboard ------------------------------------------------------------------------------


@require_GET
@permission_required(VIEW, raise_exception=True)
def dashboard_view(request: HttpRequest) -> HttpResponse:
    day = today()
    filters = DashboardFilterForm(request.GET, user=request.user, today=day)
    cycle = filters.chosen_cycle
    if cycle is None:
        return render(request, "pipeline/no_cycle.html")
    figures.prepare()
    scope = filters.dashboard_scope()
    found = figures.read(scope)
    stages = list(cycle.stages.order_by("stage"))
    start, end = filters.period
    query = filters.query()
    context = {
        "filter_form": filters,
        "cycle": cycle,
        "period": (start, end),
        "charts": dashboard.charts(
            found,
            cycle=cycle,
            stages=stages,
            filters=filters.list_query(),
            period=(start, end),
            today=day,
        ),
        "figures": found,
        "board_url": with_query(
            reverse("pipeline:board", args=[cycle.code]),
            {k: v for k, v in query.items() if k in PipelineFilterForm.LIST_FILTERS},
        ),
        "today": day,
    }
    return render(request, "pipeline/dashboard.html", context)
