from django.urls import path

from .urls import whoami

urlpatterns = [path("whoami/", whoami)]
