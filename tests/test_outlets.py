"""Outlet definitions: the built-in TOML files and the checks `outlet_from_dict` makes."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from scraper.fixtures import FIXTURES_DIR
from scraper.outlets import (
    DEFINITIONS_DIR,
    OutletError,
    builtin_outlets,
    get_outlet,
    load_outlet_file,
    outlet_for_url,
    outlet_from_dict,
)

REQUIRED = ("vnexpress", "tuoitre", "thanhnien", "dantri", "vietnamnet", "znews", "baotintuc", "vietbao",
            "baochinhphu", "vov", "nld", "vietnamplus", "genk", "soha", "ngoisao", "xinhxinh", "bongdaplus")
# the stored pages of the built-in outlets (fixtures/pages/written/ holds pages written for no outlet)
PAGE_RECORDS = sorted(p for p in (FIXTURES_DIR / "pages").glob("*/*.json") if p.parent.name != "written")
MINIMAL = {"name": "demo", "domains": ["demo.vn"], "feeds": ["https://demo.vn/rss"]}


def _page(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


ARTICLE_PAGES = [p for p in PAGE_RECORDS if "refused" not in _page(p)["expected"]]


# --------------------------------------------------------------------------------------------
# The built-in outlets
# --------------------------------------------------------------------------------------------


def test_every_definition_file_loads() -> None:
    files = sorted(DEFINITIONS_DIR.glob("*.toml"))
    assert files
    for path in files:
        outlet = load_outlet_file(path)
        assert outlet.name == path.stem
    assert set(builtin_outlets()) == {p.stem for p in files}


@pytest.mark.parametrize("name", REQUIRED)
def test_required_outlet_exists(name: str) -> None:
    outlet = get_outlet(name)
    assert outlet.name == name
    assert outlet.title
    assert outlet.domains


def test_get_outlet_names_the_known_ones_for_an_unknown_name() -> None:
    with pytest.raises(KeyError, match="vnexpress"):
        get_outlet("no_such_outlet")


@pytest.mark.parametrize("name", sorted(builtin_outlets()))
def test_sources_are_on_the_outlets_own_domains(name: str) -> None:
    outlet = builtin_outlets()[name]
    assert outlet.sources
    for kind, url in outlet.sources:
        assert kind in ("feed", "sitemap", "category")
        assert outlet.owns(url), f"{name}: {kind} {url} is not on {outlet.domains}"


def test_page_fixtures_are_there() -> None:
    assert len(ARTICLE_PAGES) >= 10
    assert len(PAGE_RECORDS) == len(ARTICLE_PAGES) + 1


@pytest.mark.parametrize("path", ARTICLE_PAGES, ids=lambda p: p.stem)
def test_article_page_urls_are_recognised(path: Path) -> None:
    url = _page(path)["url"]
    outlet = outlet_for_url(url)
    assert outlet is not None, url
    assert outlet.is_article_url(url)


# Article URLs as the outlets publish them (seen in public crawlers' data and code), and pages of theirs
# that are no article: section, tag, event, video and print-edition pages.
ARTICLE_URLS = [
    "https://tienphong.vn/vng-nhan-bang-khen-cua-ubnd-tphcm-post618222.tpo",
    "https://laodong.vn/giai-tri/baby-monster-tiet-lo-duoc-blackpink-truyen-cam-hung-1341596.ldo",
    "https://nhandan.vn/xung-dang-la-thanh-bao-kiem-sac-ben-trong-dau-tranh-phong-chong-toi-pham-post980623.html",
    "https://vtv.vn/chinh-tri/be-mac-hoi-nghi-lan-thu-9-ban-chap-hanh-trung-uong-dang-khoa-xiii-20240518110017121.htm",
    "https://vneconomy.vn/loi-nhuan-giam-75-vi-sao-vng-van-duoc-dinh-gia-1-ty-usd.htm",
    "https://cafef.vn/vng-quy-i-2025-doanh-thu-2232-ty-dong-loi-nhuan-tang-vot-188250506191738327.chn",
    "https://cafebiz.vn/thu-tuong-hun-sen-tuyen-bo-nhiem-ky-cua-ong-khong-co-gioi-han-20210802225605964.chn",
    "http://kenh14.vn/phai-dep-doc-la-nhu-xperia-xz-moi-xung-tam-smartphone-cao-cap-20161018132033876.chn",
    "https://www.24h.com.vn/tin-tuc-trong-ngay/khong-khi-lanh-tran-ve-mien-bac-co-tai-dien-mua-phun-nom-am-c46a1443361.html",
    "https://www.baodautu.vn/vng-len-san-chung-khoan-my-d201282.html",
    "https://plo.vn/96-gia-dinh-tai-tphcm-nhan-nuoi-162-sinh-vien-lao-campuchia-post791230.html",
    "https://cand.vn/canh-sat-kinh-te-phai-chu-dong-phong-ngua-rui-ro-tu-som-tu-xa-post818972.html",
    "http://cand.com.vn/ANTT/Van-chuyen-trai-phep-tren-3-3-kg-nghi-la-nga-voi-da-sung-te-giac-418933/",
    "https://www.qdnd.vn/xa-hoi/tin-tuc/zalo-nhan-giay-khen-tu-giam-doc-cong-an-tp-ho-chi-minh-725289",
    "https://www.sggp.org.vn/chuyen-nha-tai-dinh-cu-thanh-nha-o-xa-hoi-post740417.html",
    "https://thethaovanhoa.vn/hinh-anh-bac-ho-gian-di-trong-tranh-cua-hoa-si-dao-trong-ly-20240517201219288.htm",
    "https://thethaovanhoa.vn/olympic-2021/bang-tong-sap-huy-chuong-olympic-tokyo-2021-moi-nhat-n20210729163743025.htm",
    "https://vietnamnet.vn/vng-don-nhan-bang-khen-doanh-nghiep-tieu-bieu-2017-i354317.html",
    "https://tuoitre.vn/hlv-tung-gay-han-voi-messi-bi-ngat-xiu-do-vo-danh-100260817195924522.htm",
    "https://nld.com.vn/be-mac-hoi-nghi-trung-uong-lan-thu-9-196240518105449648.htm",
]
NOT_ARTICLE_URLS = [
    "https://laodong.vn/tags/gia-vang-12345.ldo",
    "https://laodong.vn/event/bau-cu-quoc-hoi-2026-12345.ldo",
    "https://nhandan.vn/video-le-hoi-hoa-ban-post845124.html",
    "https://nhandan.vn/bao-nhan-dan-so-25012-post845125.html",
    "https://vneconomy.vn/chung-khoan.htm",
    "https://vneconomy.vn/tai-chinh-ngan-hang.htm",
    "https://cafef.vn/thi-truong-chung-khoan.chn",
    "https://www.24h.com.vn/tin-tuc-trong-ngay-c46.html",
    "https://www.qdnd.vn/chinh-tri/tin-tuc",
    "https://baodautu.vn/thoi-su-d1/",
    "https://vtv.vn/chinh-tri.htm",
]


@pytest.mark.parametrize("url", ARTICLE_URLS)
def test_published_article_urls_are_recognised(url: str) -> None:
    outlet = outlet_for_url(url)
    assert outlet is not None and outlet.is_article_url(url), url


@pytest.mark.parametrize("url", NOT_ARTICLE_URLS)
def test_pages_that_are_no_article_are_not_article_urls(url: str) -> None:
    outlet = outlet_for_url(url)
    assert outlet is not None and not outlet.is_article_url(url), url


@pytest.mark.parametrize("name", sorted(builtin_outlets()))
def test_category_and_home_pages_are_not_article_urls(name: str) -> None:
    outlet = builtin_outlets()[name]
    for url in [*outlet.categories, outlet.home_page]:
        assert not outlet.is_article_url(url), f"{name}: {url}"


def test_a_home_page_named_as_category_is_read_once() -> None:
    outlet = outlet_from_dict({**_without("feeds"), "categories": ["https://demo.vn/"]})
    assert outlet.home_page == "https://demo.vn/"
    assert outlet.fallback_sources == [("robots", "https://demo.vn/robots.txt")]
    assert outlet_from_dict(MINIMAL).fallback_sources == [("robots", "https://demo.vn/robots.txt"),
                                                           ("home", "https://demo.vn/")]


def test_the_refused_list_page_is_not_an_article_url() -> None:
    record = _page(FIXTURES_DIR / "pages" / "vnexpress" / "vnexpress_list.json")
    assert record["expected"] == {"refused": "not_article"}
    assert record["url"] == "https://vnexpress.net/kinh-doanh"
    outlet = outlet_for_url(record["url"])
    assert outlet is not None and outlet.name == "vnexpress"
    assert not outlet.is_article_url(record["url"])


def test_owns_takes_subdomains_but_not_lookalike_hosts() -> None:
    vnexpress = get_outlet("vnexpress")
    assert vnexpress.owns("https://vnexpress.net/x")
    assert vnexpress.owns("http://ione.vnexpress.net/x")
    assert vnexpress.owns("https://VNEXPRESS.NET/x")
    assert not vnexpress.owns("https://evilvnexpress.net/x")
    assert not vnexpress.owns("https://vnexpress.net.example.com/x")
    assert not vnexpress.owns("not a url")


def test_outlet_for_url() -> None:
    assert outlet_for_url("https://news.zing.vn/a293004.html").name == "znews"
    assert outlet_for_url("https://ngoisao.vnexpress.net/x-4000000.html").name == "ngoisao"
    assert outlet_for_url("https://example.com/x-4954454.html") is None


def test_is_article_url_reads_the_path_only() -> None:
    vnexpress = get_outlet("vnexpress")
    assert vnexpress.is_article_url("https://vnexpress.net/slug-4954454.html?utm_source=x#c")
    assert not vnexpress.is_article_url("https://vnexpress.net/thoi-su?id=-4954454.html")
    assert not vnexpress.is_article_url("https://dantri.com.vn/slug-4954454.html")


# --------------------------------------------------------------------------------------------
# Publication time from the URL
# --------------------------------------------------------------------------------------------


def test_dantri_url_gives_its_publication_time() -> None:
    dantri = get_outlet("dantri")
    assert dantri.published_from_url("https://dantri.com.vn/xa-hoi/x-20221224192522724.htm") == (
        "2022-12-24T19:25:22+07:00")


def test_old_dantri_id_gives_no_publication_time() -> None:
    dantri = get_outlet("dantri")
    assert dantri.is_article_url("http://dantri.com.vn/xa-hoi/x-677789.htm")
    assert dantri.published_from_url("http://dantri.com.vn/xa-hoi/x-677789.htm") is None


def test_impossible_time_in_url_gives_none() -> None:
    dantri = get_outlet("dantri")
    assert dantri.published_from_url("https://dantri.com.vn/x-20221324192522724.htm") is None  # month 13


def test_outlet_without_published_in_url_gives_none() -> None:
    assert get_outlet("vnexpress").published_from_url("https://vnexpress.net/x-4954454.html") is None


def test_published_in_url_with_date_only() -> None:
    outlet = outlet_from_dict({**MINIMAL, "published_in_url": r"/(?P<y>\d{4})/(?P<m>\d{2})/(?P<d>\d{2})/"})
    assert outlet.published_from_url("https://demo.vn/2012/12/24/slug") == "2012-12-24"


# --------------------------------------------------------------------------------------------
# Checking definitions
# --------------------------------------------------------------------------------------------


def test_minimal_definition_and_defaults() -> None:
    outlet = outlet_from_dict(MINIMAL)
    assert outlet.title == "demo"
    assert outlet.sources == [("feed", "https://demo.vn/rss")]
    assert outlet.max_pages == 3
    assert outlet.pagination is None
    assert outlet.is_article_url("https://demo.vn/anything")


def _without(key: str) -> dict[str, Any]:
    return {k: v for k, v in MINIMAL.items() if k != key}


BAD_DEFINITIONS = {
    "bad name": ({**MINIMAL, "name": "Demo-1"}, "'Demo-1'", "name"),
    "unknown field": ({**MINIMAL, "feed": ["https://demo.vn/rss"]}, "'demo'", "feed"),
    "missing domains": (_without("domains"), "'demo'", "domains"),
    "non-http source": ({**MINIMAL, "feeds": ["ftp://demo.vn/rss"]}, "'demo'", "feeds"),
    "relative source": ({**MINIMAL, "categories": ["/thoi-su"]}, "'demo'", "categories"),
    "bad article_url regex": ({**MINIMAL, "article_url": "(unclosed"}, "'demo'", "article_url"),
    "pagination without {page}": ({**MINIMAL, "pagination": "{url}-p"}, "'demo'", "pagination"),
    "published_in_url without y/m/d": ({**MINIMAL, "published_in_url": r"-(?P<y>\d{4})(?P<m>\d{2})\.htm"}, "'demo'",
                                       "published_in_url"),
    "unknown cleaner field": ({**MINIMAL, "cleaner": {"remove": ["//div"]}}, "'demo'", "cleaner"),
    "bad xpath in cleaner.drop": ({**MINIMAL, "cleaner": {"drop": ["//div[@class="]}}, "'demo'", "cleaner"),
    "bad xpath in cleaner.body": ({**MINIMAL, "cleaner": {"body": "//["}}, "'demo'", "cleaner"),
    "max_pages zero": ({**MINIMAL, "max_pages": 0}, "'demo'", "max_pages"),
    "no sources": (_without("feeds"), "'demo'", "feeds"),
}


@pytest.mark.parametrize(("data", "outlet", "field"), BAD_DEFINITIONS.values(), ids=BAD_DEFINITIONS.keys())
def test_bad_definition_names_outlet_and_field(data: dict[str, Any], outlet: str, field: str) -> None:
    with pytest.raises(OutletError) as caught:
        outlet_from_dict(data)
    message = str(caught.value)
    assert f"outlet {outlet}" in message
    assert field in message


def test_non_string_cleaner_body_is_an_outlet_error() -> None:
    with pytest.raises(OutletError, match="cleaner"):
        outlet_from_dict({**MINIMAL, "cleaner": {"body": 5}})


def test_empty_domains_is_an_outlet_error() -> None:
    with pytest.raises(OutletError, match="domains"):
        outlet_from_dict({**MINIMAL, "domains": []})


def test_invalid_toml_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text('name = "broken"\ndomains = [', encoding="utf-8")
    with pytest.raises(OutletError, match=re.escape(str(path))):
        load_outlet_file(path)


def test_non_utf8_file_is_an_outlet_error(tmp_path: Path) -> None:
    path = tmp_path / "latin.toml"
    path.write_bytes(b'name = "latin"\ntitle = "\xe9"\n')
    with pytest.raises(OutletError, match=re.escape(str(path))):
        load_outlet_file(path)


def test_outlet_file_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "demo.toml"
    path.write_text(
        'name = "demo"\ndomains = ["demo.vn"]\ncategories = ["https://demo.vn/thoi-su"]\n'
        "article_url = '-\\d{6,}\\.html$'\npagination = \"{url}-p{page}\"\n"
        '[cleaner]\ndrop = ["//aside"]\n', encoding="utf-8")
    outlet = load_outlet_file(path)
    assert outlet.sources == [("category", "https://demo.vn/thoi-su")]
    assert outlet.is_article_url("https://demo.vn/slug-123456.html")
    assert not outlet.is_article_url("https://demo.vn/thoi-su")
    assert outlet.cleaner.drop == ("//aside",)
