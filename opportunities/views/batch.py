"""The batch job "Delete opportunities": filters, preview, confirmation, then the job."""

from django.contrib import messages
from django.contrib.auth.models import User
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.crypto import get_random_string
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django_htmx.http import HttpResponseClientRedirect

from jobs import services as jobs
from jobs.models import Job
from opportunities import permissions
from opportunities.forms import BatchDeleteForm
from web.shortcuts import go

# The preview lists the first few opportunities it would delete, beside the count.
PREVIEW_ROWS = 10
# A confirmation is refused after this long: the preview it carries is out of date.
BATCH_CONFIRMATION_MAX_AGE = 24 * 60 * 60


@require_http_methods(["GET", "POST"])
def batch_delete(request: HttpRequest) -> HttpResponse:
    """The batch job "Delete opportunities": filters, preview count, confirmation, job.

    The preview hands the page a signed confirmation of what it showed: the filters (or the
    explicit choice of all closed opportunities) and the count. Only a POST carrying one, for
    the very filters it posts, starts the deletion: as a job for a worker (jobs app), whose
    page shows its progress and result; closing the page changes nothing. The same
    confirmation posted again (a double click) leads to the same job.
    """
    if not permissions.can_delete(request.user):
        raise PermissionDenied
    if request.method == "POST":
        form = BatchDeleteForm(request.POST)
        if not form.is_valid():
            if request.htmx:
                return HttpResponseClientRedirect(batch_preview_url(form))
            return batch_page(request, form)
        return batch_start(request, form)
    form = BatchDeleteForm(request.GET if "preview" in request.GET else None)
    return batch_page(request, form)


def batch_page(
    request: HttpRequest, form: BatchDeleteForm, error: ValidationError | None = None
) -> HttpResponse:
    """The page with the filters and, for valid ones, the preview and its confirmation."""
    context = {
        "form": form,
        "preview": None,
        "unfinished_jobs": Job.objects.unfinished()
        .filter(kind=Job.Kind.DELETE_OPPORTUNITIES)
        .order_by("-created_at")[:5],
    }
    if form.is_bound and form.is_valid():
        count = form.selected().count()
        selection = form.selection()
        first = form.selected().order_by("pk").only("number", "description", "date_closed")
        context.update(
            preview=count,
            first_to_delete=list(first[:PREVIEW_ROWS]) if count else [],
            chosen=form.chosen(),
            selection=selection,
            confirmation=batch_confirmation(request.user, selection, count=count),
        )
    if error is not None:
        form.add_error(None, error)
    return render(request, "opportunities/batch_delete.html", context)


def batch_start(request: HttpRequest, form: BatchDeleteForm) -> HttpResponse:
    """A confirmed deletion: check the confirmation, queue the job, go to its page."""
    try:
        confirmed_batch(request, form)
    except ValidationError as error:
        if request.htmx:  # an htmx request cannot show the page: go to it
            for message in error.messages:
                messages.error(request, message)
            return HttpResponseClientRedirect(batch_preview_url(form))
        return batch_page(request, form, error)
    job = jobs.enqueue_deletion(
        user=request.user,
        filters=form.filters(),
        all_closed=form.cleaned_data["all_closed"],
        confirmation=request.POST["confirmation"],
    )
    return go(request, job.get_absolute_url())


def batch_salt(user: User) -> str:
    """A confirmation is good for the user it was made for only."""
    return f"opportunities.batch_delete.{user.pk}"


def batch_confirmation(user: User, selection: dict, *, count: int) -> str:
    """What the page posts back to delete: the previewed selection and its count, signed so
    that the browser cannot change them, and unique (one job per confirmation)."""
    payload = {"filters": selection, "count": count, "nonce": get_random_string(12)}
    return signing.dumps(payload, salt=batch_salt(user), compress=True)


def confirmed_batch(request: HttpRequest, form: BatchDeleteForm) -> dict:
    """The confirmation the POST carries, checked against its filters; raises the refusal.

    The previewed count is what the user agreed to: when more match now, the preview is shown
    again; fewer (deleted or reopened since) is no harm.
    """
    try:
        confirmed = signing.loads(
            request.POST.get("confirmation", ""),
            salt=batch_salt(request.user),
            max_age=BATCH_CONFIRMATION_MAX_AGE,
        )
    except signing.SignatureExpired:
        raise batch_refusal("preview_expired") from None
    except signing.BadSignature:
        raise batch_refusal("not_previewed") from None
    if confirmed["filters"] != form.selection():
        raise batch_refusal("filters_changed")
    matching = form.selected().count()
    if matching > confirmed["count"]:
        raise batch_refusal("selection_grew")
    return confirmed


def batch_refusal(code: str) -> ValidationError:
    message = {
        "not_previewed": _(
            "This deletion was not previewed. Nothing was deleted: check the preview and confirm."
        ),
        "preview_expired": _(
            "This preview is more than a day old. Nothing was deleted: check it again and confirm."
        ),
        "filters_changed": _(
            "The filters are not the ones of the preview. Nothing was deleted: check the "
            "preview of these filters and confirm again."
        ),
        "selection_grew": _(
            "More closed opportunities match these filters than the preview counted. Nothing "
            "was deleted: check the new count and confirm again."
        ),
    }[code]
    return ValidationError(message, code=code)


def batch_preview_url(form: BatchDeleteForm) -> str:
    """The preview of the filters a refused step posted, to show it again."""
    query = {"preview": "1"}
    for name, field in form.fields.items():
        value = field.widget.value_from_datadict(form.data, form.files, form.add_prefix(name))
        if value:
            query[name] = value
    return f"{reverse('opportunities:batch_delete')}?{urlencode(query)}"
