"""flask-smorest's Blueprint for every API module, parsing with one schema instance per schema class.

Given a schema class, webargs builds an instance for every request it parses (marshmallow deep-copies every
declared field on construction): for the goal list, its filters and its paging, two instances per request, a
tenth of the request's CPU. Schemas here keep no state between loads (everything a load needs is passed to
`load`), so one instance per class serves every request.
"""

from __future__ import annotations

from typing import Any

import flask_smorest
import marshmallow as ma
from webargs.flaskparser import FlaskParser


class ReusingParser(FlaskParser):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._instances: dict[type[ma.Schema], ma.Schema] = {}

    def _get_schema(self, argmap: Any, req: Any) -> ma.Schema:
        if isinstance(argmap, type) and issubclass(argmap, ma.Schema):
            schema = self._instances.get(argmap)
            if schema is None:
                schema = self._instances[argmap] = argmap()
            return schema
        return super()._get_schema(argmap, req)


class Blueprint(flask_smorest.Blueprint):
    ARGUMENTS_PARSER = ReusingParser()
    PAGINATION_ARGUMENTS_PARSER = ReusingParser()
