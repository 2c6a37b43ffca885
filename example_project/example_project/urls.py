from django.contrib import admin
from django.urls import include, path

from demo import views

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("2fa/", include("django_sms2fa.urls")),
    path("admin/", admin.site.urls),
]
