from demo import views
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from django_sms2fa.decorators import step_up_required

urlpatterns = [
    path("", views.home, name="home"),
    path("payout/", views.payout, name="payout"),
    path("api-demo/", views.api_demo, name="api_demo"),
    # Before the include, so that this protected view wins the name and path.
    path(
        "accounts/password_change/",
        step_up_required("password_change")(auth_views.PasswordChangeView.as_view()),
        name="password_change",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    path("2fa/", include("django_sms2fa.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
