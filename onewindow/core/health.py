"""GET /healthz: a bare JSON answer for load balancers and operators; also the benchmark's ceiling."""

from django.http import JsonResponse


def healthz(request):
    """The process serves requests; touches neither the database nor the session."""
    return JsonResponse({"status": "ok"})
