"""Drug-name normalisation, re-exported from the shared vocabulary in the ingest layer.

The table and its matcher live in ``curbside.ingest.vocabulary`` so index-time tagging and
query-time framing share them; this module keeps the older import path working.
"""

from __future__ import annotations

from curbside.ingest.vocabulary import AliasTable, alias_key, expand_query, learn_aliases

__all__ = ["AliasTable", "alias_key", "expand_query", "learn_aliases"]
