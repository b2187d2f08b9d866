"""The batch job "Delete opportunities": filters, preview, confirmation, progress."""

from django.contrib import messages
from django.contrib.auth.models import User
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods
from django_htmx.http import HttpResponseClientRedirect

from opportunities import permissions, services
from opportunities.forms import BatchDeleteForm
from opportunities.services.deletion import delete_closed_opportunities_for_a_while
from web.shortcuts import done

# A web request deletes for about this long, then the page shows the progress and goes on in
# the next request: a large deletion never runs into the server's request timeout.
BATCH_SECONDS = 2.0
BATCH_CHUNK_SIZE = 2000
# A confirmation is refused after this long: the preview it carries is out of date. Each step
# of a running deletion hands on a fresh one.
BATCH_CONFIRMATION_MAX_AGE = 24 * 60 * 60


@require_http_methods(["GET", "POST"])
def batch_delete(request: HttpRequest) -> HttpResponse:
    """The batch job "Delete opportunities": filters, preview count, confirmation, result.

    The preview hands the page a signed confirmation of what it showed: the filters (or the
    explicit choice of all closed opportunities) and the count. Only a POST carrying one, for
    the very filters it posts, deletes. The deletion runs a few chunks per request
    (`BATCH_SECONDS`); until it is finished the page shows how many were deleted and how many
    remain, and goes on by itself (htmx) or with a "Continue" button, each step handing on a
    new confirmation with the running total. Each step runs the filters again, so it resumes
    wherever it stopped.
    """
    if not permissions.can_delete(request.user):
        raise PermissionDenied
    if request.method == "POST":
        form = BatchDeleteForm(request.POST)
        if not form.is_valid():
            if request.htmx:
                return HttpResponseClientRedirect(batch_preview_url(form))
            return batch_page(request, form)
        return batch_step(request, form)
    form = BatchDeleteForm(request.GET if "preview" in request.GET else None)
    return batch_page(request, form)


def batch_page(
    request: HttpRequest, form: BatchDeleteForm, error: ValidationError | None = None
) -> HttpResponse:
    """The page with the filters and, for valid ones, the preview and its confirmation."""
    context = {"form": form, "preview": None}
    if form.is_bound and form.is_valid():
        count = services.delete_closed_opportunities(**form.filters(), dry_run=True)
        selection = form.selection()
        context.update(
            preview=count,
            chosen=form.chosen(),
            selection=selection,
            confirmation=batch_confirmation(request.user, selection, count=count),
        )
    if error is not None:
        form.add_error(None, error)
    return render(request, "opportunities/batch_delete.html", context)


def batch_step(request: HttpRequest, form: BatchDeleteForm) -> HttpResponse:
    """One step of a confirmed deletion: check the confirmation, delete for a while, report."""
    try:
        confirmed = confirmed_batch(request, form)
    except ValidationError as error:
        if request.htmx:  # the progress partial cannot show the page: go to it
            for message in error.messages:
                messages.error(request, message)
            return HttpResponseClientRedirect(batch_preview_url(form))
        return batch_page(request, form, error)
    now, finished = delete_closed_opportunities_for_a_while(
        **form.filters(),
        seconds=BATCH_SECONDS,
        chunk_size=BATCH_CHUNK_SIZE,
        user=request.user,
    )
    remaining = (
        0 if finished else services.delete_closed_opportunities(**form.filters(), dry_run=True)
    )
    # A step whose answer never reached the browser deleted rows that the confirmation it was
    # given does not count; what matched at the start less what is left counts them. Rows that
    # joined the selection since the start are counted by the steps.
    deleted = max(confirmed["deleted"] + now, confirmed["count"] - remaining)
    if finished:
        message = ngettext(
            "%(count)s closed opportunity was deleted.",
            "%(count)s closed opportunities were deleted.",
            deleted,
        ) % {"count": number_format(deleted, force_grouping=True)}
        return done(request, message, reverse("opportunities:batch_delete"))
    context = {
        "form": form,
        "preview": None,
        "deleted": deleted,
        "remaining": remaining,
        "selection": confirmed["filters"],
        "confirmation": batch_confirmation(
            request.user, confirmed["filters"], count=confirmed["count"], deleted=deleted
        ),
    }
    if request.htmx:
        return render(request, "opportunities/batch_delete.html#progress", context)
    return render(request, "opportunities/batch_delete.html", context)


def batch_salt(user: User) -> str:
    """A confirmation is good for the user it was made for only."""
    return f"opportunities.batch_delete.{user.pk}"


def batch_confirmation(user: User, selection: dict, *, count: int, deleted: int = 0) -> str:
    """What the page posts back to delete: the previewed selection, the count the deletion
    started from and the running total, signed so that the browser cannot change them."""
    payload = {"filters": selection, "count": count, "deleted": deleted}
    return signing.dumps(payload, salt=batch_salt(user), compress=True)


def confirmed_batch(request: HttpRequest, form: BatchDeleteForm) -> dict:
    """The confirmation the POST carries, checked against its filters; raises the refusal.

    Until something is deleted the previewed count is what the user agreed to: when more match
    now, the preview is shown again; fewer (deleted or reopened since) is no harm, and the
    count the deletion starts from becomes what matches now.
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
    if confirmed["deleted"] == 0:
        matching = services.delete_closed_opportunities(**form.filters(), dry_run=True)
        if matching > confirmed["count"]:
            raise batch_refusal("selection_grew")
        confirmed["count"] = matching
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
