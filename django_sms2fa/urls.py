from django.urls import path

from . import views

app_name = "sms2fa"

urlpatterns = [
    path("verify/", views.VerifyView.as_view(), name="verify"),
    path("resend/", views.ResendView.as_view(), name="resend"),
    path("cancel/", views.CancelView.as_view(), name="cancel"),
]
