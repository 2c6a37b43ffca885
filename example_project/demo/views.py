from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from django_sms2fa.decorators import step_up_required


def api_demo(request):
    """A page that signs in with fetch() calls to the JSON API only."""
    return render(request, "demo/api_demo.html")


def home(request):
    return render(request, "demo/home.html")


@login_required
@step_up_required("payout", max_age=120)
def payout(request):
    """A stand-in for a high-risk action: needs a code sent for 'payout' in the last 2 min."""
    return render(request, "demo/payout.html", {"done": request.method == "POST"})
