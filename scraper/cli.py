"""The `scraper` command line."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from tqdm import tqdm

from .cleaning.article import Article
from .cleaning.decode import decode_page
from .cleaning.errors import CleanerError
from .cleaning.html import clean_html
from .cleaning.normalize import modernize_tone_marks
from .cleaning.text import parse_text
from .fixtures import (
    EXPECTED_SUFFIX,
    FIXTURES_DIR,
    all_fixtures,
    page_fixtures,
    seed_fixtures,
    shared_pages_dir,
    write_expected,
)
from .storage.files import inside

DEFAULT_CLEAN_DIR = Path("output/clean")
PROGRESS_MIN_FILES = 20
_HTML_SIGNS = ("<html", "<!doctype", "<head", "<body", "<div", "<p>", "<p ", "<meta", "<article", "<?xml")


def looks_like_html(text: str) -> bool:
    """Whether decoded input is an HTML page rather than pre-extracted text."""
    head = text[:4096].lstrip().lower()
    return any(sign in head for sign in _HTML_SIGNS)


def clean_file(path: Path, url: str | None = None) -> Article:
    """Clean one file, HTML or pre-extracted text, whichever it is."""
    data = path.read_bytes()
    text = decode_page(data)
    return clean_html(data, url=url) if looks_like_html(text) else parse_text(text)


def _inputs(paths: list[Path]) -> Iterator[Path]:
    for path in paths:
        if path.is_dir():
            yield from (p for p in sorted(path.rglob("*"))
                        if p.is_file() and not p.name.endswith(EXPECTED_SUFFIX) and not p.name.startswith("."))
        else:
            yield path


def _render(article: Article, output_format: str, modern_tone_marks: bool = False) -> str:
    if modern_tone_marks:
        article.text = modernize_tone_marks(article.text)
        article.lead = article.lead and modernize_tone_marks(article.lead)
        article.title = article.title and modernize_tone_marks(article.title)
    if output_format == "json":
        return json.dumps(article.to_dict(), ensure_ascii=False, indent=2) + "\n"
    return article.text + "\n"


def _clean_one(work: tuple[Path, str | None, str, bool]) -> tuple[Path, str, str | None]:
    """Clean one file: (path, rendered output, None) or (path, "", why it was skipped)."""
    path, url, output_format, modern_tone_marks = work
    try:
        return path, _render(clean_file(path, url=url), output_format, modern_tone_marks), None
    except CleanerError as error:
        return path, "", f"skipped ({error.reason}): {error.message}"
    except OSError as error:
        return path, "", f"cannot be read: {error.strerror}"


@contextlib.contextmanager
def _pool(jobs: int, inputs: int) -> Iterator[ProcessPoolExecutor | None]:
    """Worker processes for `--jobs N` (none for one job or one file)."""
    if jobs <= 1 or inputs <= 1:
        yield None
        return
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        yield pool


def cmd_clean(args: argparse.Namespace) -> int:
    if args.warc:
        return _clean_warc(args)
    missing = [str(p) for p in args.paths if not p.exists()]
    if missing:
        print(f"scraper clean: no such file or directory: {', '.join(missing)}", file=sys.stderr)
        return 2
    inputs = list(_inputs(args.paths))
    if not inputs:
        print("scraper clean: no input files found", file=sys.stderr)
        return 2
    single = len(inputs) == 1 and not args.paths[0].is_dir() and args.out is None
    out_dir = args.out or DEFAULT_CLEAN_DIR
    failures = 0
    suffix = ".json" if args.format == "json" else ".txt"
    work = [(path, args.url, args.format, args.modern_tone_marks) for path in inputs]
    with _pool(args.jobs, len(inputs)) as pool:
        results = pool.map(_clean_one, work, chunksize=8) if pool else map(_clean_one, work)
        for path, output, problem in tqdm(results, total=len(inputs), disable=len(inputs) < PROGRESS_MIN_FILES,
                                          unit="page", file=sys.stderr):
            if problem:
                failures += 1
                print(f"{path}: {problem}", file=sys.stderr)
                continue
            if single:
                sys.stdout.write(output)
                continue
            relative = path.name
            for root in args.paths:
                if root.is_dir() and path.is_relative_to(root):
                    relative = str(path.relative_to(root))
            target = inside(out_dir, Path(relative).with_suffix(suffix))
            target.parent.mkdir(parents=True, exist_ok=True)
            temporary = target.with_name(target.name + ".part")
            temporary.write_text(output, encoding="utf-8")
            temporary.replace(target)
    if not single:
        print(f"cleaned {len(inputs) - failures} of {len(inputs)} files into {out_dir}/", file=sys.stderr)
    return 1 if failures else 0


def _clean_warc(args: argparse.Namespace) -> int:
    """`scraper clean --warc FILES`: the dataset rebuilt from archived responses."""
    from .reclean import format_counts, reclean
    from .spiders.runs import since_date
    from .storage.warc import warc_files

    missing = [str(p) for p in args.paths if not p.exists()]
    if missing:
        print(f"scraper clean: no such file or directory: {', '.join(missing)}", file=sys.stderr)
        return 2
    if not warc_files(args.paths):
        print("scraper clean: no WARC files found", file=sys.stderr)
        return 2
    out = args.out or DEFAULT_CLEAN_DIR
    try:
        counts = reclean(args.paths, out, jobs=args.jobs, since=since_date(args.since),
                         outlet_files=tuple(args.outlet_file))
    except (ValueError, OSError) as error:
        print(f"scraper clean: {error}", file=sys.stderr)
        return 2
    print(format_counts(counts))
    stored = sum(figures["stored"] for figures in counts.values())
    print(f"{stored} records in {out / 'dataset'}/")
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from .evaluation import evaluate, format_report, overall

    fixtures = all_fixtures(args.fixtures)
    present = [f for f in fixtures if f.input_path.exists()]
    absent = len(fixtures) - len(present)
    reports = evaluate(present)
    print(format_report(reports))
    if absent:
        print(f"({absent} page fixtures skipped: their pages are not in {shared_pages_dir()})")
    if args.json:
        data = {
            "fixtures": {r.name: {k: vars(v) for k, v in r.scores.items()} | (
                {"refused_correctly": r.refused_correctly} if r.refused_correctly is not None else {})
                for r in reports},
            "overall": {kind or "all": {name: vars(overall(reports, name, kind)) for name in ("scraper", "trafilatura")}
                        for kind in ("seeds", "pages", None)},
        }
        args.json.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    return 0


def cmd_fixtures_update(args: argparse.Namespace) -> int:
    """Rewrite expected files from the current cleaner, for a person to review with `git diff`."""
    changed = 0
    for fixture in [*seed_fixtures(args.fixtures), *page_fixtures(args.fixtures)]:
        if fixture.refused or not fixture.input_path.exists():
            continue
        article = clean_file(fixture.input_path, url=fixture.url)
        if fixture.kind == "seed":
            new = {"text": article.text}
        else:
            new = {k: v for k, v in article.to_dict().items()
                   if k in ("title", "lead", "text", "author", "published", "category", "tags", "source")}
        if new != {k: fixture.expected.get(k) for k in new}:
            write_expected(fixture, new)
            changed += 1
            print(f"rewrote {fixture.expected_path}")
    changed += _update_cassettes()
    print(f"{changed} expected files rewritten; read `git diff {args.fixtures}` before committing them.")
    return 0


def _update_cassettes() -> int:
    """Rebuild the committed cassettes from `fixtures/sites/` and the expected records of their replay."""
    import subprocess
    import tempfile

    from .sites import CASSETTES_DIR, EXPECTED_RECORDS, build_site_cassettes, read_records

    outlets = [path.stem for path in build_site_cassettes()]
    with tempfile.TemporaryDirectory() as out:
        command = [sys.executable, "-m", "scraper", "crawl", "--replay", *outlets, "--out", out, "--no-resume",
                   "--cassettes", str(CASSETTES_DIR)]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        records = sorted(({k: v for k, v in r.items() if k != "fetched_at"} for r in read_records(Path(out))),
                         key=lambda r: r["outlet"])
    text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
    if EXPECTED_RECORDS.exists() and EXPECTED_RECORDS.read_text(encoding="utf-8") == text:
        return 0
    EXPECTED_RECORDS.write_text(text, encoding="utf-8")
    print(f"rewrote {EXPECTED_RECORDS}")
    return 1


def _setting(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, not {text!r}")
    return name, value


def cmd_crawl(args: argparse.Namespace) -> int:
    from .crawl import CrawlOptions, format_summary, recorded_outlets, replay_sources, run_crawl
    from .drift import DRIFT_EXIT_STATUS
    from .sites import CASSETTES_DIR

    if args.replay and args.record:
        print("scraper crawl: --replay and --record exclude each other", file=sys.stderr)
        return 2
    outlets, cassettes = list(args.outlets), list(args.cassettes)
    try:
        if args.replay and not outlets:
            if cassettes:  # the outlets recorded in the folders given
                outlets = recorded_outlets(cassettes)
            else:
                cassettes, outlets = replay_sources(args.out)
        if not outlets:
            print("scraper crawl: name the outlets to crawl (`scraper outlets` lists them), or use --replay",
                  file=sys.stderr)
            return 2
        default_cassettes = args.out / "cassettes" if args.record else CASSETTES_DIR  # never record into fixtures
        options = CrawlOptions(
            outlets=outlets, out=args.out, replay=args.replay, record=args.record, warc=args.warc,
            cassettes=cassettes or [default_cassettes], since=args.since, file_format=args.format,
            max_articles=args.max_articles, resume=not args.no_resume, verbose=args.verbose, overrides=dict(args.set),
        )
        manifest = run_crawl(options)
    except (ValueError, RuntimeError, OSError) as error:  # OutletError is a ValueError
        print(f"scraper crawl: {error}", file=sys.stderr)
        return 2
    print(format_summary(manifest, args.out))
    if manifest["layout_drift_alarms"]:
        return DRIFT_EXIT_STATUS
    totals = manifest["totals"]
    return 1 if totals["errors"] and not totals["stored"] else 0


def cmd_seed(args: argparse.Namespace) -> int:
    from .crawl import seed_outlets

    try:
        queued = seed_outlets(list(args.outlets), dict(args.set))
    except (ValueError, OSError) as error:
        print(f"scraper seed: {error}", file=sys.stderr)
        return 2
    for name, count in queued.items():
        print(f"{name}: a new round, {count} discovery requests queued")
    return 0


def cmd_outlets(args: argparse.Namespace) -> int:
    from .outlets import builtin_outlets

    for outlet in builtin_outlets().values():
        print(f"{outlet.name:<13}{outlet.title}  ({', '.join(outlet.domains)})")
        for kind, url in outlet.sources:
            print(f"{'':<13}{kind:<9}{url}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="scraper", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    clean = commands.add_parser("clean", help="clean HTML pages or pre-extracted text files")
    clean.add_argument("paths", nargs="+", type=Path, help="files or directories")
    clean.add_argument("--out", type=Path, help=f"write one output per input here (default {DEFAULT_CLEAN_DIR}/)")
    clean.add_argument("--format", choices=("text", "json"), default="text", help="clean text, or the full record")
    clean.add_argument("--url", help="the page's URL (helps metadata and non-article detection)")
    clean.add_argument("--jobs", "-j", type=int, default=1, help="clean in this many processes (default 1)")
    clean.add_argument("--modern-tone-marks", action="store_true",
                       help='write old-style tone marks in the new style ("hoà" -> "hòa"); default: as published')
    clean.add_argument("--warc", action="store_true",
                       help="the paths are WARC files (or folders of them) written by `scraper crawl --warc`: "
                            "rebuild the dataset from them into --out/dataset/")
    clean.add_argument("--since", help="with --warc: leave out articles published before this date (YYYY-MM-DD)")
    clean.add_argument("--outlet-file", action="append", default=[], metavar="TOML",
                       help="with --warc: outlet definitions besides the built-in ones (as SCRAPER_OUTLET_FILES)")
    clean.set_defaults(handler=cmd_clean)

    evaluation = commands.add_parser("eval", help="score the cleaner and plain trafilatura against the fixtures")
    evaluation.add_argument("fixtures", nargs="?", type=Path, default=FIXTURES_DIR)
    evaluation.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    evaluation.set_defaults(handler=cmd_eval)

    crawl = commands.add_parser("crawl", help="crawl outlets into the dataset (live, or replayed from cassettes)")
    crawl.add_argument("outlets", nargs="*", help="outlet names (default with --replay: every recorded outlet)")
    crawl.add_argument("--replay", action="store_true", help="serve every response from the cassettes; no network")
    crawl.add_argument("--record", action="store_true", help="crawl live and record every response in cassettes")
    crawl.add_argument("--warc", action="store_true",
                       help="also write every response to WARC files in <out>/warc/ (read by `scraper clean --warc`)")
    crawl.add_argument("--cassettes", type=Path, action="append", default=[],
                       help="cassette folder (repeatable; default: fixtures/cassettes/ to replay, <out>/cassettes/ "
                            "to record)")
    crawl.add_argument("--since", help="skip articles published before this date (YYYY-MM-DD)")
    crawl.add_argument("--out", type=Path, default=Path("output"), help="dataset, state and manifests (output/)")
    crawl.add_argument("--format", choices=("jsonl", "parquet"), default="jsonl", help="dataset file format")
    crawl.add_argument("--max-articles", type=int, default=0, help="at most this many articles per outlet")
    crawl.add_argument("--no-resume", action="store_true", help="keep no JOBDIR: an interrupted run starts over")
    crawl.add_argument("-s", "--set", type=_setting, action="append", default=[], metavar="NAME=VALUE",
                       help="override a Scrapy setting, as with `scrapy crawl -s`")
    crawl.add_argument("-v", "--verbose", action="store_true", help="Scrapy's INFO log")
    crawl.set_defaults(handler=cmd_crawl)

    seed = commands.add_parser("seed", help="distributed mode: start a round of outlets in the shared Redis queue")
    seed.add_argument("outlets", nargs="+", help="outlet names")
    seed.add_argument("-s", "--set", type=_setting, action="append", default=[], metavar="NAME=VALUE",
                      help="a setting, as for crawl (REDIS_URL=redis://host:6379/0, SCRAPER_OUTLET_FILES=…)")
    seed.set_defaults(handler=cmd_seed)

    outlets = commands.add_parser("outlets", help="list the outlets and their discovery sources")
    outlets.set_defaults(handler=cmd_outlets)

    update = commands.add_parser("update-fixtures", help="rewrite expected files from the current cleaner")
    update.add_argument("fixtures", nargs="?", type=Path, default=FIXTURES_DIR)
    update.set_defaults(handler=cmd_fixtures_update)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
