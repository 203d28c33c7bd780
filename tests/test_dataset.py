"""Dataset records and their JSON Schema."""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

import fastjsonschema
import pytest

from scraper.cleaning.article import Article
from scraper.dataset import RECORD_FIELDS, SCHEMA_PATH, content_hash, make_record, schema, schema_errors, utc_now

TEXT = "(Dân trí) - Giá vàng giảm mạnh.\nNhà đầu tư  chốt lời."


def _article(**changes: Any) -> Article:
    fields = {"text": TEXT, "title": "Giá vàng giảm", "lead": "(Dân trí) - Giá vàng giảm mạnh.",
              "author": "Minh Anh", "published": "2022-12-24T01:26:50+07:00", "category": "Kinh doanh",
              "tags": ["giá vàng"], "source": None, "language": "vi", "captions": ["Ảnh: minh họa"]}
    return Article(**{**fields, **changes})


def _record(**changes: Any) -> dict[str, Any]:
    record = make_record(_article(), url="http://m.dantri.com.vn/kinh-doanh/x-20221224012650880.htm?utm_source=fb",
                         canonical_url="https://dantri.com.vn/kinh-doanh/x-20221224012650880.htm", outlet="dantri",
                         fetched_at="2024-01-01T00:00:00Z")
    return {**record, **changes}


def test_record_has_exactly_the_record_fields_in_order() -> None:
    assert list(_record()) == list(RECORD_FIELDS)


def test_record_values() -> None:
    record = _record()
    assert record["schema_version"] == 3
    assert record["near_duplicate_of"] is None
    assert record["page_type"] == "article"
    assert record["outlet"] == "dantri"
    assert record["title"] == "Giá vàng giảm"
    assert record["text"] == TEXT
    assert record["tags"] == ["giá vàng"]
    assert record["modified"] is None
    assert record["word_count"] == 12  # whitespace-separated: "(Dân", "trí)", "-", …
    assert record["content_hash"] == "sha256:" + hashlib.sha256(TEXT.encode("utf-8")).hexdigest()
    assert "captions" not in record


def test_record_tags_are_a_copy() -> None:
    article = _article()
    record = make_record(article, url="https://x.vn/a", canonical_url="https://x.vn/a", outlet="x", fetched_at="t")
    record["tags"].append("khác")
    assert article.tags == ["giá vàng"]


def test_content_hash_depends_on_the_text_only() -> None:
    assert content_hash(TEXT) == _record()["content_hash"]
    assert re.fullmatch(r"sha256:[0-9a-f]{64}", content_hash(""))
    assert content_hash("Hà Nội") != content_hash("Ha Noi")


def test_utc_now_fits_the_schema() -> None:
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z", utc_now())
    assert schema_errors(_record(fetched_at=utc_now())) is None


def test_good_record_has_no_schema_errors() -> None:
    assert schema_errors(_record()) is None
    assert schema_errors(_record(published="2012-12-21")) is None  # a date alone
    assert schema_errors(_record(modified="2022-12-24T08:00:00+07:00", lead=None, author=None)) is None


def test_record_survives_json() -> None:
    assert schema_errors(json.loads(json.dumps(_record(), ensure_ascii=False))) is None


def _without(key: str) -> dict[str, Any]:
    return {k: v for k, v in _record().items() if k != key}


BAD_RECORDS = {
    "missing title": (_without("title"), "title"),
    "null title": (_record(title=None), "title"),
    "empty title": (_record(title=""), "title"),
    "extra field": (_record(captions=[]), "captions"),
    "published as printed": (_record(published="24/12/2022 01:26"), "published"),
    "published without offset": (_record(published="2022-12-24T01:26:50"), "published"),
    "no published": (_record(published=None), "published"),
    "bad modified": (_record(modified="hôm qua"), "modified"),
    "md5 content_hash": (_record(content_hash="md5:d41d8cd98f00b204e9800998ecf8427e"), "content_hash"),
    "short content_hash": (_record(content_hash="sha256:abc"), "content_hash"),
    "uppercase content_hash": (_record(content_hash="sha256:" + "A" * 64), "content_hash"),
    "trailing newline": (_record(content_hash=content_hash(TEXT) + "\n"), "content_hash"),
    "ftp url": (_record(url="ftp://dantri.com.vn/x"), "url"),
    "http canonical_url": (_record(canonical_url="http://dantri.com.vn/x"), "canonical_url"),
    "bad outlet": (_record(outlet="Dân trí"), "outlet"),
    "zero words": (_record(word_count=0), "word_count"),
    "wrong version": (_record(schema_version=1), "schema_version"),
    "near_duplicate_of not a URL": (_record(near_duplicate_of="dantri"), "near_duplicate_of"),
    "tag not a string": (_record(tags=[1]), "tags"),
    "unknown page type": (_record(page_type="video"), "page_type"),
    "page type score over 1": (_record(page_type_score=1.5), "page_type_score"),
    "fetched_at a date": (_record(fetched_at="2024-01-01"), "fetched_at"),
}


@pytest.mark.parametrize(("record", "field"), BAD_RECORDS.values(), ids=BAD_RECORDS.keys())
def test_bad_record_gets_a_message_naming_the_field(record: dict[str, Any], field: str) -> None:
    message = schema_errors(record)
    assert message is not None
    assert field in message


def test_empty_article_makes_an_invalid_record() -> None:
    record = make_record(Article(text="", title="T", published="2022-12-24"), url="https://x.vn/a",
                         canonical_url="https://x.vn/a", outlet="x", fetched_at="2024-01-01T00:00:00Z")
    assert record["word_count"] == 0
    assert schema_errors(record) is not None


def test_schema_file_is_a_valid_json_schema() -> None:
    data = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    assert data == schema()
    validate = fastjsonschema.compile(data)
    assert validate(_record()) == _record()


def test_schema_requires_exactly_the_record_fields() -> None:
    assert schema()["required"] == list(RECORD_FIELDS)
    assert set(schema()["properties"]) == set(RECORD_FIELDS)
    assert schema()["additionalProperties"] is False
    assert schema()["properties"]["schema_version"]["const"] == 3
