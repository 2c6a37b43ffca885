"""The landing page every site redirects to after a login: who is signed in."""

from django.http import HttpResponse


def home(request):
    user = request.user
    return HttpResponse(user.get_username() if user.is_authenticated else "anonymous",
                        content_type="text/plain")
