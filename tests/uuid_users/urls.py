"""The test site's login and second step, without the admin (tests.settings_uuid)."""

from django.contrib.auth import views as auth_views
from django.http import HttpResponse
from django.urls import include, path


def whoami(request):
    user = request.user
    return HttpResponse(user.get_username() if user.is_authenticated else "anonymous")


urlpatterns = [
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("2fa/", include("django_sms2fa.urls")),
    path("home/", whoami, name="home"),
    path("whoami/", whoami),
]
