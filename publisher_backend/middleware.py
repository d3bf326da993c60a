from publisher_backend.errors import envelope_response, is_api_path


class ApiErrorEnvelopeMiddleware:
    """Every error under /api/ and /healthz leaves in the envelope, whatever the settings.

    DRF's exception handler and the root URLconf's handlers cover production; this catches the rest:
    Django's debug pages under DEBUG (a 404 listing every URL, a traceback), and refusals written by
    middleware. It sits outermost, so it sees the final answer. Answers that are already JSON pass as they
    are; the traceback of a replaced 500 is still logged by Django.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (response.status_code >= 400 and is_api_path(request.path)
                and not response.get("Content-Type", "").startswith("application/json")):
            replacement = envelope_response(request, response.status_code)
            for header in ("Retry-After", "Allow", "WWW-Authenticate"):
                if header in response:
                    replacement[header] = response[header]
            return replacement
        return response


class MethodOverrideMiddleware:
    """wx.request cannot send PATCH, so the Mini Program sends `POST` with `X-HTTP-Method-Override: PATCH`.

    Only that one override is honoured, and only under /api/: a POST may become a PATCH, nothing else, so an
    override can never turn a request into a safe method (GET) or a destructive one (DELETE).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (request.method == "POST" and request.path.startswith("/api/")
                and request.META.get("HTTP_X_HTTP_METHOD_OVERRIDE", "").upper() == "PATCH"):
            request.method = "PATCH"
        return self.get_response(request)
