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
