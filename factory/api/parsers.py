"""The API's JSON parser: every body it cannot take is a 400 (SPEC §3, §12), never a 500."""

from rest_framework import parsers
from rest_framework.exceptions import ParseError


def _nested_deeper_than(data, limit: int) -> bool:
    """Whether lists or objects in `data` nest more than `limit` deep (walked without recursion)."""
    pending = [(data, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, dict):
            value = value.values()
        elif not isinstance(value, list):
            continue
        if depth > limit:
            return True
        pending.extend((item, depth + 1) for item in value)
    return False


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, with a body nested deeper than `max_depth` a 400 like a malformed one.

    Past Python's recursion limit `json.load` raises RecursionError, not the ValueError DRF
    catches: 100,000 `[` are 100 KB, well under the body limit. A body that parses but nests
    hundreds deep breaks further on, where code recurses over it (Django resolving a lookup
    value in `PrimaryKeyRelatedField`). No body of this API nests more than a few levels.
    """

    max_depth = 32

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
            if not _nested_deeper_than(data, self.max_depth):
                return data
        except RecursionError:
            pass
        raise ParseError(f"JSON parse error - nested more than {self.max_depth} levels deep.")
