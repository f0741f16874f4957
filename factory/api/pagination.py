from rest_framework import pagination


class PageNumberPagination(pagination.PageNumberPagination):
    """`?page=N&page_size=N`: 10 a page by default; larger sizes are clamped to 100."""

    page_size_query_param = "page_size"
    max_page_size = 100
