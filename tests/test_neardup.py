"""Near-duplicates across outlets, on the stored real pages and the five seed texts: lightly edited copies
of real articles are marked with the original's URL; the seed texts, one event told by five outlets in
their own words, and unrelated articles are not."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
from localsite import LocalSite, Reply, article_page, numbered_paragraphs, rss
from test_crawl import FAST, manifest_of, scraper, seed_lines

from scraper.cleaning.html import clean_html
from scraper.fixtures import real_page_fixtures
from scraper.neardup import MemorySignatures, mark_near_duplicate, shingles, signature, similarity
from scraper.settings import SCRAPER_NEAR_DUPLICATE_THRESHOLD as THRESHOLD
from scraper.sites import SEED_OUTLETS, read_records
from scraper.storage.state import SeenStore


def lightly_edited(lines: list[str]) -> list[str]:
    """A copy as another outlet republishes an agency story: its own tag before the lead, one paragraph
    left out, a word changed here and there, the agency credited at the end."""
    lines = [f"(Baotintuc.vn) - {lines[0]}", *lines[1:]]
    if len(lines) > 3:
        del lines[-2]
    words = "\n".join(lines).split(" ")
    edited = " ".join("cũng" if n % 25 == 24 else word for n, word in enumerate(words))
    return [*edited.split("\n"), "Theo TTXVN"]


def real_texts() -> list[tuple[str, list[str]]]:
    """The stored real articles of 100 words or more, as the cleaner reads them (their fixture name, lines)."""
    texts = [(f.name, clean_html(f.input_path.read_bytes()).text) for f in real_page_fixtures()
             if not f.refused and f.input_path.exists()]
    return [(name, text.splitlines()) for name, text in texts if len(text.split()) >= 100]


def seed_texts() -> list[list[str]]:
    return [seed_lines(prefix) for prefix in SEED_OUTLETS.values()]


def jaccard(first: str, second: str) -> float:
    a, b = shingles(first), shingles(second)
    return len(a & b) / len(a | b)


def test_the_threshold_separates_copies_from_other_articles(shared_pages: None) -> None:
    """The figures the threshold was chosen from: exact Jaccard similarity of word 4-grams."""
    texts = ["\n".join(lines) for lines in seed_texts()] + ["\n".join(lines) for _, lines in real_texts()]
    assert len(texts) >= 20
    seeds = [jaccard(a, b) for a, b in itertools.combinations(texts[:5], 2)]
    others = [jaccard(a, b) for a, b in itertools.combinations(texts, 2)]
    copies = [jaccard(text, "\n".join(lightly_edited(text.splitlines()))) for text in texts]
    assert max(seeds) < 0.1 and max(others) < 0.1, (max(seeds), max(others))
    assert min(copies) > THRESHOLD + 0.05, min(copies)
    for text in texts[:6]:  # the signature's estimate is close to the exact figure
        copy = "\n".join(lightly_edited(text.splitlines()))
        assert abs(similarity(signature(text), signature(copy)) - jaccard(text, copy)) < 0.15


def test_marking_keeps_the_first_seen() -> None:
    index = MemorySignatures()
    texts = ["\n".join(lines) for lines in seed_texts()]
    records = [{"canonical_url": f"https://a.vn/{n}", "text": text} for n, text in enumerate(texts)]
    copy = {"canonical_url": "https://b.vn/0", "text": "\n".join(lightly_edited(texts[0].splitlines()))}
    copy_of_copy = {"canonical_url": "https://c.vn/0", "text": copy["text"] + "\nBản tin tổng hợp."}
    scores = [mark_near_duplicate(record, index, THRESHOLD) for record in [*records, copy, copy_of_copy]]
    assert scores[:5] == [None] * 5 and all(r["near_duplicate_of"] is None for r in records)
    assert copy["near_duplicate_of"] == copy_of_copy["near_duplicate_of"] == "https://a.vn/0"
    assert scores[5] > THRESHOLD and scores[6] > THRESHOLD


@pytest.mark.slow
def test_copies_in_another_outlet_are_marked_across_runs(tmp_path: Path, shared_pages: None) -> None:
    """Run 1: outlet `tinmot` (127.0.0.1) publishes the five seed texts and real pages. Run 2: outlet
    `tinhai` (localhost, same server) publishes lightly edited copies of the real pages and a text of its own."""
    site = LocalSite().start()
    originals = {}
    first = []
    for n, lines in enumerate(seed_texts()):
        path = f"/mot/seed-2023091400{n:03d}.html"
        site.add(path, Reply(article_page(f"Tin {n}", lines, "2023-09-14T08:05:00+07:00")))
        first.append(site.url(path))
    for n, (name, lines) in enumerate(real_texts()):
        path = f"/mot/bai-2022122400{n:03d}.html"
        fixture = next(f for f in real_page_fixtures() if f.name == name)
        site.add(path, Reply(fixture.input_path.read_bytes()))
        first.append(site.url(path))
        copy = f"/hai/ban-2022122500{n:03d}.html"
        site.add(copy, Reply(article_page(f"Bản tin {n}", lightly_edited(lines), "2022-12-25T09:00:00+07:00")))
        originals[f"http://localhost:{site.port}{copy}"] = site.url(path)
    own = "/hai/rieng-2023091500001.html"
    site.add(own, Reply(article_page("Tin riêng", numbered_paragraphs(7), "2023-09-15T09:00:00+07:00")))
    site.add("/mot.xml", Reply(rss([(url, "") for url in first])))
    site.add("/hai.xml", Reply(rss([(url, "") for url in [*originals, f"http://localhost:{site.port}{own}"]])))
    outlets = tmp_path / "outlets.toml"
    dated = r"published_in_url = '-(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})\d+\.html$'"
    outlets.write_text(
        f'[[outlets]]\nname = "tinmot"\ndomains = ["127.0.0.1"]\nfeeds = ["{site.url("/mot.xml")}"]\n{dated}\n'
        f'[[outlets]]\nname = "tinhai"\ndomains = ["localhost"]\nfeeds = ["http://localhost:{site.port}/hai.xml"]\n'
        f"{dated}\n", encoding="utf-8")
    out = tmp_path / "out"
    try:
        run_one = manifest_of(scraper("crawl", "tinmot", "--out", str(out), "-s", f"SCRAPER_OUTLET_FILES={outlets}",
                                      *FAST))
        run_two = manifest_of(scraper("crawl", "tinhai", "--out", str(out), "-s", f"SCRAPER_OUTLET_FILES={outlets}",
                                      *FAST))
    finally:
        site.stop()
    records = {r["url"]: r for r in read_records(out)}
    assert len(records) == len(first) + len(originals) + 1
    assert run_one["outlets"]["tinmot"]["near_duplicates"] == 0 and run_one["near_duplicate_clusters"] == []
    assert all(records[url]["near_duplicate_of"] is None for url in first)  # the seeds included
    for copy, original in originals.items():
        assert records[copy]["near_duplicate_of"] == records[original]["canonical_url"], copy
    assert records[f"http://localhost:{site.port}{own}"]["near_duplicate_of"] is None
    figures = run_two["outlets"]["tinhai"]
    assert figures["near_duplicates"] == run_two["totals"]["near_duplicates"] == len(originals)
    assert all(page["similarity"] >= THRESHOLD for page in figures["near_duplicate_pages"])
    clusters = {c["first_seen"]: c["copies"] for c in run_two["near_duplicate_clusters"]}
    assert clusters == {records[o]["canonical_url"]: [records[c]["canonical_url"]] for c, o in originals.items()}
    saved = json.loads((out / "runs" / f"{run_two['run_id']}.json").read_text(encoding="utf-8"))
    assert saved["near_duplicate_clusters"] == run_two["near_duplicate_clusters"]


def test_signatures_follow_the_stored_articles_and_stay_bounded(tmp_path: Path) -> None:
    store = SeenStore(tmp_path / "state.sqlite", "tinmot", keep_signatures=2)
    (tmp_path / "dataset").mkdir()
    (tmp_path / "dataset" / "a.jsonl").write_text("{}\n", encoding="utf-8")
    for n, part in enumerate(["a.jsonl", "a.jsonl", "a.jsonl", "lost.jsonl"]):  # lost.jsonl is never written
        url = f"https://a.vn/{n}"
        store.add_pending(url, f"sha256:{n}", None, "2026-12-02T01:00:00Z", f"dataset/{part}")
        store.add_signature(url, url, [n, 100 + n], bytes([n]) * 8)
    store.commit(["dataset/a.jsonl"])
    store.close()
    reopened = SeenStore(tmp_path / "state.sqlite", "tinmot")
    found = reopened.similar_signatures([0, 1, 2, 3, 101, 102, 103])
    assert sorted(url for url, _, _ in found) == ["https://a.vn/1", "https://a.vn/2"]  # the latest two kept
    assert dict((url, signature) for url, _, signature in found)["https://a.vn/2"] == bytes([2]) * 8
    reopened.close()


def test_very_short_texts_are_not_compared() -> None:
    index = MemorySignatures()
    first = {"text": "!!!", "canonical_url": "https://a.vn/1"}
    second = {"text": "...", "canonical_url": "https://b.vn/2"}
    assert mark_near_duplicate(first, index, 0.4) is None
    assert mark_near_duplicate(second, index, 0.4) is None and second["near_duplicate_of"] is None
