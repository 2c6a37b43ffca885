from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.http import HttpResponse
from django.urls import include, path
from django.views import View

from django_sms2fa.decorators import StepUpRequiredMixin, step_up_required

from . import user_admin  # noqa: F401  (the user admin with the 2FA section)


def whoami(request):
    user = request.user
    return HttpResponse(user.get_username() if user.is_authenticated else "anonymous")


@step_up_required("payout")
def payout(request):
    return HttpResponse("payout page")


@step_up_required("payout", without_phone="allow")
def payout_for_anyone(request):
    return HttpResponse("payout for anyone")


@step_up_required("payout", without_phone="refuse")
def payout_for_2fa_only(request):
    return HttpResponse("payout for 2fa users")


class TransferView(StepUpRequiredMixin, View):
    step_up_purpose = "transfer"
    step_up_max_age = 60

    def get(self, request):
        return HttpResponse("transfer page")


urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/reset/<uidb64>/<token>/", auth_views.PasswordResetConfirmView.as_view(
        post_reset_login=True, success_url="/home/",
    ), name="password_reset_confirm"),
    path("2fa/", include("django_sms2fa.urls")),
    path("home/", whoami, name="home"),
    path("whoami/", whoami),
    path("payout/", payout),
    path("payout/anyone/", payout_for_anyone),
    path("payout/2fa-only/", payout_for_2fa_only),
    path("transfer/", TransferView.as_view()),
]
