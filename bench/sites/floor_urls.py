"""URLs and views of the floor site; see floor_site.py for what it is (and is not)."""

import secrets

import requests
from django.conf import settings
from django.contrib.auth import get_user_model, login
from django.contrib.auth import views as auth_views
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_POST

from .views import home

_gateway = requests.Session()
_gateway.trust_env = False


class HoldingLoginView(auth_views.LoginView):
    def form_valid(self, form):
        user = form.get_user()
        code = f"{secrets.randbelow(10**6):06d}"
        self.request.session["floor"] = {"user": user.pk, "code": code}
        number = "63917" + str(user.pk - 1).zfill(7)
        _gateway.post(settings.BENCH_IPROG_BASE_URL + "/sms_messages", timeout=10, json={
            "api_token": settings.BENCH_IPROG_API_TOKEN, "phone_number": number,
            "message": f"Your code is {code}\n\n@127.0.0.1 #{code}",
        }).json()
        return render(self.request, "floor_code.html")


@require_POST
def verify(request):
    held = request.session.pop("floor", None)
    if not held or request.POST.get("code") != held["code"]:
        return render(request, "floor_code.html", status=400)
    user = get_user_model()._default_manager.get(pk=held["user"])
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    return HttpResponseRedirect("/home/")


urlpatterns = [
    path("accounts/login/", HoldingLoginView.as_view(), name="login"),
    path("2fa/verify/", verify, name="verify"),
    path("home/", home, name="home"),
]
