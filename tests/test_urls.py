"""Canonical article URLs and tracking-parameter stripping."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scraper.urls import canonicalize_url, strip_tracking

ARTICLE = "https://vnexpress.net/slug-4954454.html"


@pytest.mark.parametrize("parameter", ["utm_source", "utm_medium", "UTM_Campaign", "fbclid", "gclid", "zarsrc",
                                       "gidzl", "ref", "amp"])
def test_tracking_parameters_are_stripped(parameter: str) -> None:
    assert canonicalize_url(f"{ARTICLE}?{parameter}=x") == ARTICLE
    assert strip_tracking(f"{ARTICLE}?{parameter}=x") == ARTICLE


def test_other_parameters_are_kept_and_sorted() -> None:
    url = f"{ARTICLE}?utm_source=fb&b=2&a=1&fbclid=IwAR0&a=0&empty="
    assert canonicalize_url(url) == f"{ARTICLE}?a=0&a=1&b=2&empty="
    assert strip_tracking(url) == f"{ARTICLE}?a=0&a=1&b=2&empty="


def test_output_type_parameter_is_stripped() -> None:
    assert canonicalize_url("https://tuoitre.vn/slug-20221224095943188.htm?outputType=amp") == (
        "https://tuoitre.vn/slug-20221224095943188.htm")


def test_fragment_is_dropped() -> None:
    assert canonicalize_url(f"{ARTICLE}#box-comment") == ARTICLE
    assert strip_tracking(f"{ARTICLE}?a=1#box-comment") == f"{ARTICLE}?a=1"


def test_http_becomes_https_and_host_is_lowercased() -> None:
    assert canonicalize_url("http://VnExpress.NET/slug-4954454.html") == ARTICLE


def test_default_ports_and_credentials_are_dropped_other_ports_kept() -> None:
    assert canonicalize_url("http://vnexpress.net:80/slug-4954454.html") == ARTICLE
    assert canonicalize_url("https://user:secret@vnexpress.net:443/slug-4954454.html") == ARTICLE
    assert canonicalize_url("https://vnexpress.net:8080/x") == "https://vnexpress.net:8080/x"


@pytest.mark.parametrize("prefix", ["www.", "m.", "amp.", "mobile.", "www.m."])
def test_host_prefixes_are_removed(prefix: str) -> None:
    assert canonicalize_url(f"https://{prefix}vnexpress.net/slug-4954454.html") == ARTICLE
    assert canonicalize_url(f"https://{prefix}dantri.com.vn/x") == "https://dantri.com.vn/x"


@pytest.mark.parametrize("host", ["m.vn", "www.vn", "amp.vn", "mobile.vn"])
def test_two_label_host_keeps_its_prefix(host: str) -> None:
    """A prefix is stripped only when at least two labels would be left ("m.vn" is a domain, not m. of "vn")."""
    assert canonicalize_url(f"http://{host}/x") == f"https://{host}/x"


def test_www_before_a_two_label_mobile_host() -> None:
    assert canonicalize_url("https://www.m.vn/x") == "https://m.vn/x"


def test_root_path_and_trailing_dot() -> None:
    assert canonicalize_url("https://dantri.com.vn") == "https://dantri.com.vn/"
    assert canonicalize_url("https://www.dantri.com.vn./x") == "https://dantri.com.vn/x"


@pytest.mark.parametrize("variant", [
    "https://vnexpress.net/amp/slug-4954454.html",
    "https://vnexpress.net/slug-4954454.amp.html",
    "https://vnexpress.net/slug-4954454-amp.html",
    "https://vnexpress.net/slug-4954454.html/amp",
    "https://vnexpress.net/slug-4954454.html/amp/",
    "https://amp.vnexpress.net/slug-4954454.html?amp=1",
])
def test_amp_variants_map_to_the_plain_url(variant: str) -> None:
    assert canonicalize_url(variant) == ARTICLE


@pytest.mark.parametrize("url", [
    "https://dantri.com.vn/camp.html",
    "https://dantri.com.vn/ramp/x",
    "https://dantri.com.vn/x-amp",
    "https://dantri.com.vn/amplifier/x",
])
def test_amp_inside_words_is_kept(url: str) -> None:
    assert canonicalize_url(url) == url


def test_query_encoding_is_stable() -> None:
    url = "https://dantri.com.vn/tim-kiem?q=H%C3%A0+N%E1%BB%99i&sep=%26"
    once = canonicalize_url(url)
    assert once == url
    assert canonicalize_url(once) == once


def test_strip_tracking_keeps_scheme_host_and_path() -> None:
    url = "http://m.vnexpress.net/amp/slug-4954454.html?utm_source=zalo&zarsrc=31&id=7#top"
    assert strip_tracking(url) == "http://m.vnexpress.net/amp/slug-4954454.html?id=7"


def test_surrounding_whitespace_is_ignored() -> None:
    assert canonicalize_url(f"  {ARTICLE}\n") == ARTICLE
    assert strip_tracking(f"  {ARTICLE}\n") == ARTICLE


# Generated URLs: at most one host prefix and one AMP marker (stacked ones: see the test below).
_segment = st.text(alphabet="abcdefghiklnoqrstuvxyz0123456789-_.~%", min_size=1, max_size=12)
_parameter = st.tuples(
    st.sampled_from(["id", "page", "q", "utm_source", "utm_campaign", "fbclid", "gclid", "zarsrc", "ref", "Tag"]),
    st.text(alphabet="abz09 +%&=/éị", max_size=6),
)
_urls = st.builds(
    lambda scheme, prefix, host, segments, amp, parameters, fragment: (
        f"{scheme}://{prefix}{host}/{'/'.join(segments)}{amp}"
        + ("?" + "&".join(f"{k}={v}" for k, v in parameters) if parameters else "")
        + (f"#{fragment}" if fragment else "")
    ),
    st.sampled_from(["http", "https", "HTTPS"]),
    st.sampled_from(["", "www.", "m.", "amp.", "mobile.", "WWW."]),
    st.sampled_from(["vnexpress.net", "dantri.com.vn", "news.zing.vn", "m.vn", "Tuoitre.VN"]),
    st.lists(_segment, max_size=4),
    st.sampled_from(["", "/amp", "/amp/", ".amp.html", "-amp.html", ".html"]),
    st.lists(_parameter, max_size=4),
    st.text(max_size=5),
)


@given(_urls)
def test_canonicalize_is_idempotent(url: str) -> None:
    once = canonicalize_url(url)
    assert canonicalize_url(once) == once
    assert once.startswith("https://")
    assert "#" not in once
    assert "utm_" not in once and "fbclid" not in once


@given(_urls)
def test_strip_tracking_is_idempotent_and_canonicalizes_the_same(url: str) -> None:
    stripped = strip_tracking(url)
    assert strip_tracking(stripped) == stripped
    assert canonicalize_url(stripped) == canonicalize_url(url)


@pytest.mark.parametrize("url", [
    "https://m.www.dantri.com.vn/x",
    "https://vnexpress.net/amp/amp/slug-4954454.html",
    "https://vnexpress.net/slug-4954454.html/amp/amp",
])
def test_canonicalize_is_idempotent_for_stacked_markers(url: str) -> None:
    once = canonicalize_url(url)
    assert canonicalize_url(once) == once
