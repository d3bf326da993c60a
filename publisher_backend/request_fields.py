"""Serializer fields for JSON request bodies that take only the JSON type the schema states.

DRF's own CharField turns 0 into "0" and its IntegerField takes "7" and 7.0: a client that sends the wrong type
gets a 400 naming the field instead of a silent conversion the schema does not promise. (Query parameters are
always text, so filter serializers keep DRF's fields, but for free text: QueryTextField.)
"""

from django.core.validators import RegexValidator
from rest_framework import serializers


class StrictCharField(serializers.CharField):
    """A JSON string. One that may not be blank says so in the schema too (`pattern: \\S`): trimmed, "\\t" is
    blank, a 400, and a client reading the schema must know that before sending it."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        if not self.allow_blank and self.trim_whitespace:
            self.validators.append(RegexValidator(r"\S", message=self.error_messages["blank"], code="blank"))

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictIntegerField(serializers.IntegerField):
    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class QueryTextField(serializers.CharField):
    """Free text from a query string (a search). NUL characters are dropped rather than refused: PostgreSQL text
    cannot hold them and no title contains one, and the schema's string admits them, so a 400 would refuse a
    request the schema calls valid."""

    def to_internal_value(self, data):
        if isinstance(data, str):
            data = data.replace("\x00", "")
        return super().to_internal_value(data)
