"""查看完整信息: show a resident's full ID number and phone, with a reason, logged every time."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_POST

from sanzhi.people.selectors import require_reveal
from sanzhi.people.services import pii_reveal_log
from sanzhi.web.forms import RevealForm
from sanzhi.web.views.browse import resident_context
from sanzhi.web.views.common import client_ip, console_view, render_page_or_fragment


@require_POST
@console_view
def resident_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    context = resident_context(request, pk, revealed=False)
    resident = context["resident"]
    if not context["can_reveal"]:
        raise PermissionDenied
    form = RevealForm(request.POST)
    if not form.is_valid():
        context["reveal_form"] = form
        # 422 so htmx swaps the block back in with the form errors (see htmx-config in base.html).
        return render_page_or_fragment(
            request, "web/resident.html", "web/partials/resident_pii.html", context, status=422
        )
    require_reveal(request.user, [resident])
    pii_reveal_log(
        actor=request.user,
        residents=[resident],
        reason=form.reason_text(),
        channel="web",
        ip=client_ip(request),
    )
    context = resident_context(request, pk, revealed=True)
    response = render_page_or_fragment(
        request, "web/resident.html", "web/partials/resident_pii.html", context
    )
    # Revealed values must not linger in shared caches or the back-forward cache.
    response["Cache-Control"] = "no-store"
    return response
