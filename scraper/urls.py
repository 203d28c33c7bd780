"""Canonical article URLs: one key per article, whatever tracking, mobile or AMP variant was linked."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

TRACKING_PARAMETERS = frozenset({  # lower case; names are compared lower-cased
    "fbclid", "gclid", "dclid", "msclkid", "zarsrc", "zaloid", "ref", "referer", "source", "src", "cmpid",
    "itm_source", "itm_medium", "itm_campaign", "itm_content", "vn_source", "vn_medium", "vn_campaign",
    "vn_content", "vn_term", "amp", "outputtype", "gidzl", "mc_cid", "mc_eid",
})
TRACKING_PREFIXES = ("utm_",)
MOBILE_HOST_PREFIXES = ("m.", "amp.", "mobile.")
_AMP_PATH = re.compile(r"(^/amp(?=/))|(/amp/?$)|(\.amp(?=\.[a-z]+$))|(-amp(?=\.[a-z]+$))")


def _is_tracking(name: str) -> bool:
    lowered = name.lower()
    return lowered in TRACKING_PARAMETERS or lowered.startswith(TRACKING_PREFIXES)


def _kept_query(query: str) -> str:
    return urlencode(sorted((k, v) for k, v in parse_qsl(query, keep_blank_values=True) if not _is_tracking(k)))


def strip_tracking(url: str) -> str:
    """The URL without tracking parameters and fragment: what the crawler fetches."""
    parts = urlsplit(url.strip())
    return urlunsplit((parts.scheme, parts.netloc, parts.path, _kept_query(parts.query), ""))


def canonicalize_url(url: str) -> str:
    """The article's key: https, no www/mobile/AMP host, no AMP path marker, no tracking parameters,
    no fragment, remaining parameters sorted."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower().rstrip(".")
    stripped = True
    while stripped:  # "m.www.x.vn" too
        stripped = False
        for prefix in ("www.", *MOBILE_HOST_PREFIXES):
            if host.startswith(prefix) and host.count(".") >= 2:
                host, stripped = host[len(prefix):], True
    if parts.port and parts.port not in (80, 443):
        host = f"{host}:{parts.port}"
    path = parts.path
    while (unmarked := _AMP_PATH.sub("", path)) != path:  # "/amp/amp/…" too
        path = unmarked
    path = path or "/"
    return urlunsplit(("https", host, path, _kept_query(parts.query), ""))
