"""The public extraction benchmarks, read from a folder of their checkouts (never from the network).

`DIR` holds any of, each as its repository lays it out:

- `article-extraction-benchmark/` (scrapinghub): `ground-truth.json`, `html/<key>.html.gz`;
- `trafilatura/` (adbar): `tests/evaldata.json`, `tests/eval/`, `tests/cache/`: snippets each page's
  text must and must not contain;
- `fundus/` (flairNLP): `tests/resources/parser/test_data/<country>/<Publisher>_<date>.html.gz`, with the
  publisher's `<Publisher>.json` (one expected parse per parser version, in date order) and `meta.info`
  (each page's URL); the Chinese, Japanese and Taiwanese pages are left out (their text has no spaces,
  which the token scores need);
- `vn-pages/`: pages listed in the labelled set `fixtures/page_types.tsv` (article or listing), under
  the file names it gives.

`scraper eval --public DIR` scores them; `git clone` of the three repositories into DIR is all it needs.
"""

from __future__ import annotations

import csv
import gzip
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

FUNDUS_LEFT_OUT = ("cn", "jp", "tw")
PAGE_TYPES_FILE = Path(__file__).resolve().parent.parent / "fixtures" / "page_types.tsv"
SETS = ("zyte", "trafilatura", "fundus", "vn-pages")


@dataclass
class PublicPage:
    """One page of a public set with what its text should be: the whole `expected` text, or snippets
    the text must hold (`with_snippets`) and must not (`without_snippets`); `label` is "article" or
    "listing" (a page that must be refused)."""

    set_name: str
    name: str
    path: Path
    url: str | None = None
    expected: str | None = None
    with_snippets: list[str] = field(default_factory=list)
    without_snippets: list[str] = field(default_factory=list)
    label: str = "article"

    def read(self) -> bytes:
        """The page's bytes, gzip undone."""
        data = self.path.read_bytes()
        return gzip.decompress(data) if self.path.suffix == ".gz" else data


def zyte_pages(root: Path) -> Iterator[PublicPage]:
    """Zyte's article-extraction-benchmark: 181 pages, each with its article body."""
    folder = root / "article-extraction-benchmark"
    truth = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
    for key, item in sorted(truth.items()):
        yield PublicPage("zyte", key, folder / "html" / f"{key}.html.gz", url=item.get("url"),
                         expected=item.get("articleBody") or "")


def trafilatura_pages(root: Path) -> Iterator[PublicPage]:
    """trafilatura's evaluation set: 990 pages, each with snippets its text must and must not hold."""
    folder = root / "trafilatura" / "tests"
    data = json.loads((folder / "evaldata.json").read_text(encoding="utf-8"))
    for url, item in data.items():
        path = next((candidate for sub in ("eval", "cache") if (candidate := folder / sub / item["file"]).exists()),
                    None)
        if path is not None:
            yield PublicPage("trafilatura", item["file"], path, url=url, with_snippets=list(item.get("with", [])),
                             without_snippets=list(item.get("without", [])))


def _fundus_text(body: dict) -> str:
    parts = list(body.get("summary", []))
    for section in body.get("sections", []):
        parts.extend(section.get("headline", []))
        parts.extend(section.get("paragraphs", []))
    return "\n".join(parts)


def fundus_pages(root: Path) -> Iterator[PublicPage]:
    """fundus's parser test pages (not Chinese or Japanese): each publisher's pages in date order meet its
    expected parses in version order."""
    folder = root / "fundus" / "tests" / "resources" / "parser" / "test_data"
    for country in sorted(p for p in folder.iterdir() if p.is_dir() and p.name not in FUNDUS_LEFT_OUT):
        meta_path = country / "meta.info"
        meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.exists() else {}
        for expected_path in sorted(country.glob("*.json")):
            publisher = expected_path.stem
            pages = sorted(country.glob(f"{publisher}_*.html.gz"))
            versions = json.loads(expected_path.read_text(encoding="utf-8"))
            parses = [versions[key] for key in sorted(versions, key=lambda key: int(key.lstrip("V") or 0))]
            if len(parses) != len(pages):
                continue
            for page, parse in zip(pages, parses, strict=True):
                yield PublicPage("fundus", f"{country.name}/{page.name}", page,
                                 url=meta.get(page.name, {}).get("url"), expected=_fundus_text(parse.get("body", {})))


def labelled_pages(root: Path, manifest: Path = PAGE_TYPES_FILE) -> Iterator[PublicPage]:
    """The labelled set of Vietnamese (and a few foreign) article and listing pages."""
    folder = root / "vn-pages"
    if not manifest.exists():
        return
    with manifest.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader((line for line in handle if not line.startswith("#")), delimiter="\t"):
            path = folder / row["file"]
            if path.exists():
                yield PublicPage("vn-pages", row["file"], path, url=row["url"] or None, label=row["label"])


LOADERS = {"zyte": zyte_pages, "trafilatura": trafilatura_pages, "fundus": fundus_pages, "vn-pages": labelled_pages}


def public_pages(root: Path, sets: tuple[str, ...] = SETS) -> dict[str, list[PublicPage]]:
    """The pages of each public set found under `root` (a set whose folder is missing is left out)."""
    found: dict[str, list[PublicPage]] = {}
    folders = {"zyte": "article-extraction-benchmark", "trafilatura": "trafilatura", "fundus": "fundus",
               "vn-pages": "vn-pages"}
    for name in sets:
        if (root / folders[name]).is_dir():
            found[name] = list(LOADERS[name](root))
    return found
