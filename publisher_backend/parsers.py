"""The API's JSON parser: DRF's, except that a body nested deeper than Python's JSON decoder recurses (a few
thousand brackets fit in a small body) is a 400 parse error in the envelope, not a RecursionError and a 500."""

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


class ApiJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise ParseError() from exc
