class MethodOverrideMiddleware:
    """wx.request cannot send PATCH, so the Mini Program sends `POST` with `X-HTTP-Method-Override: PATCH`.

    Only that one override is honoured, and only under /api/: a POST can become a PATCH, never the reverse,
    and never GET (which would bypass CSRF-free assumptions of safe methods).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (request.method == "POST" and request.path.startswith("/api/")
                and request.META.get("HTTP_X_HTTP_METHOD_OVERRIDE", "").upper() == "PATCH"):
            request.method = "PATCH"
        return self.get_response(request)
