import re

from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination

_DIGITS = re.compile(r"[0-9]+")


class Pagination(PageNumberPagination):
    """The contract's list shape: {"count", "next", "previous", "results"}.

    `page` and `page_size` are checked as the schema states them (whole numbers, a page from 1, a page size
    from 1 to 100): anything else is a 400 naming the parameter, never a silent default. A page after the last
    one is a 404 (documented on every list).
    """

    page_size_query_param = "page_size"
    max_page_size = 100
    last_page_strings = ()  # the schema says a page is a number: no "?page=last"

    def paginate_queryset(self, queryset, request, view=None):
        errors = {}
        page = request.query_params.get(self.page_query_param)
        if page is not None and (not _DIGITS.fullmatch(page) or int(page) < 1):
            errors[self.page_query_param] = [_("Give a page number from 1.")]
        size = request.query_params.get(self.page_size_query_param)
        if size is not None and (not _DIGITS.fullmatch(size) or not 1 <= int(size) <= self.max_page_size):
            errors[self.page_size_query_param] = [
                _("Give a page size from 1 to %(largest)d.") % {"largest": self.max_page_size}]
        if errors:
            raise ValidationError(errors)
        return super().paginate_queryset(queryset, request, view)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        bounds = {self.page_query_param: {"minimum": 1},
                  self.page_size_query_param: {"minimum": 1, "maximum": self.max_page_size}}
        for parameter in parameters:
            parameter["schema"].update(bounds.get(parameter["name"], {}))
        return parameters
