from rest_framework.pagination import PageNumberPagination


class Pagination(PageNumberPagination):
    """The contract's list shape: {"count", "next", "previous", "results"}."""

    page_size_query_param = "page_size"
    max_page_size = 100
