from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.http import HttpResponse
from django.urls import include, path


def whoami(request):
    user = request.user
    return HttpResponse(user.get_username() if user.is_authenticated else "anonymous")


urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("2fa/", include("django_sms2fa.urls")),
    path("home/", whoami, name="home"),
    path("whoami/", whoami),
]
