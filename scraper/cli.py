"""The `scraper` command line."""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import sys
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from tqdm import tqdm

from .cleaning.article import Article
from .cleaning.decode import decode_page, looks_like_html
from .cleaning.errors import CleanerError
from .cleaning.html import clean_html
from .cleaning.normalize import modernize_tone_marks
from .cleaning.text import parse_text
from .fixtures import (
    ACCEPTED_SUFFIX,
    EXPECTED_SUFFIX,
    FIXTURES_DIR,
    all_fixtures,
    shared_pages_dir,
)
from .storage.files import inside

DEFAULT_CLEAN_DIR = Path("output/clean")
PROGRESS_MIN_FILES = 20

def clean_file(path: Path, url: str | None = None, keep_all: bool = False) -> Article:
    """Clean one file, HTML or pre-extracted text, whichever it is (`keep_all`: whatever the page's type)."""
    data = path.read_bytes()
    text = decode_page(data)
    return clean_html(data, url=url, keep_all=keep_all) if looks_like_html(text) else parse_text(text)


def _inputs(paths: list[Path]) -> Iterator[Path]:
    for path in paths:
        if path.is_dir():
            yield from (p for p in sorted(path.rglob("*"))
                        if p.is_file() and not p.name.endswith((EXPECTED_SUFFIX, ACCEPTED_SUFFIX))
                        and not p.name.startswith("."))
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


def _clean_one(work: tuple[Path, str | None, str, bool, bool]) -> tuple[Path, str, str | None]:
    """Clean one file: (path, rendered output, None) or (path, "", why it was skipped)."""
    path, url, output_format, modern_tone_marks, keep_all = work
    try:
        return path, _render(clean_file(path, url=url, keep_all=keep_all), output_format, modern_tone_marks), None
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


def _missing(command: str, paths: list[Path]) -> bool:
    """Whether some of the paths do not exist (said on stderr, for `scraper <command>`)."""
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        print(f"scraper {command}: no such file or directory: {', '.join(missing)}", file=sys.stderr)
    return bool(missing)


def cmd_clean(args: argparse.Namespace) -> int:
    if _missing("clean", args.paths):
        return 2
    if args.warc:
        return _clean_warc(args)
    inputs = list(_inputs(args.paths))
    if not inputs:
        print("scraper clean: no input files found", file=sys.stderr)
        return 2
    single = len(inputs) == 1 and not args.paths[0].is_dir() and args.out is None
    out_dir = args.out or DEFAULT_CLEAN_DIR
    failures = 0
    suffix = ".json" if args.format == "json" else ".txt"
    work = [(path, args.url, args.format, args.modern_tone_marks, args.keep_all) for path in inputs]
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

    if not warc_files(args.paths):
        print("scraper clean: no WARC files found", file=sys.stderr)
        return 2
    out = args.out or DEFAULT_CLEAN_DIR
    try:
        rebuild = reclean(args.paths, out, jobs=args.jobs, since=since_date(args.since),
                          outlet_files=tuple(str(path) for path in args.outlets_files))
    except (ValueError, OSError) as error:
        print(f"scraper clean: {error}", file=sys.stderr)
        return 2
    print(format_counts(rebuild.counts))
    stored = sum(figures["stored"] for figures in rebuild.counts.values())
    print(f"{stored} records in {out / 'dataset'}/")
    for problem in rebuild.problems:
        print(f"scraper clean: warning: {problem}", file=sys.stderr)
    return 1 if rebuild.problems else 0


def _eval_public(args: argparse.Namespace) -> int:
    """`scraper eval --public DIR`: ours and trafilatura on the public extraction benchmarks."""
    from .evaluation import evaluate_public, format_public

    reports = evaluate_public(args.public, jobs=args.jobs)
    if not reports:
        print(f"scraper eval: no public set found in {args.public}/ (see scraper/public_sets.py for the layout)",
              file=sys.stderr)
        return 2
    print(format_public(reports))
    if args.json:
        data = {report.name: vars(report) for report in reports}
        args.json.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from .evaluation import evaluate, format_report, overall

    if args.public:
        if _missing("eval", [args.public]):
            return 2
        return _eval_public(args)

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


def cmd_fixture_check(args: argparse.Namespace) -> int:
    from .fixtures import FixtureError
    from .outlets import OutletError, all_outlets
    from .regression import check_fixtures

    if not args.dir.is_dir():
        print(f"scraper fixture check: no such folder: {args.dir}", file=sys.stderr)
        return 2
    try:
        outlets = all_outlets(args.outlets_files)
        results = []
        for checked in check_fixtures(args.dir, outlets, update=args.update, outlet_files=args.outlets_files):
            results.append(checked)
            if checked.changes:
                print(f"{'updated' if args.update else 'changed'}  {checked.name}")
                print("\n".join(f"    {line}" for line in checked.changes))
            elif checked.problem:
                print(f"broken   {checked.name}: {checked.problem}")
    except (OutletError, FixtureError) as error:
        print(f"scraper fixture check: {error}", file=sys.stderr)
        return 2
    if not results:
        print(f"scraper fixture check: no fixtures in {args.dir} (seeds/, pages/<outlet>/*.json, "
              "cassettes/expected.jsonl)", file=sys.stderr)
        return 2
    changed = sum(1 for c in results if c.changes)
    broken = sum(1 for c in results if c.problem)
    skipped = [c for c in results if c.skipped]
    summary = f"{len(results)} fixtures in {args.dir}: {len(results) - changed - broken - len(skipped)} unchanged"
    summary += f", {changed} {'updated' if args.update else 'changed'}" + (f", {broken} unreadable" if broken else "")
    if skipped:
        summary += f", {len(skipped)} skipped ({skipped[0].skipped})"
    print(summary)
    if changed and args.update:
        print(f"read `git diff {args.dir}` before committing the accepted output")
    return 1 if broken or (changed and not args.update) else 0


def cmd_fixture_add(args: argparse.Namespace) -> int:
    from .fixtures import FixtureError
    from .outlets import OutletError, all_outlets
    from .regression import add_fixture

    try:
        outlets = all_outlets(args.outlets_files)
        if args.outlet not in outlets:
            raise OutletError(f"unknown outlet {args.outlet!r}; `scraper outlets` lists them")
        path = add_fixture(args.source, outlets[args.outlet], args.dir, url=args.url, name=args.name,
                           fetch_settings=dict(args.set))
    except (OutletError, FixtureError, OSError) as error:
        print(f"scraper fixture add: {error}", file=sys.stderr)
        return 2
    record = json.loads(path.read_text(encoding="utf-8"))
    expected = record["expected"]
    if "refused" in expected:
        print(f"wrote {path}: the cleaner refuses this page ({expected['refused']})")
    else:
        print(f"wrote {path}: {expected['title']!r}, published {expected['published']}, "
              f"{len(expected['text'].splitlines())} lines of text")
    print("read it beside the page and correct what is wrong; `scraper fixture check` holds the cleaner to it")
    return 0


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
            max_articles=args.max_articles, resume=not args.no_resume, verbose=args.verbose,
            outlet_files=args.outlets_files, overrides=dict(args.set),
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


def cmd_doctor(args: argparse.Namespace) -> int:
    import tempfile

    from .crawl import CrawlOptions, crawl_settings, recorded_outlets, replay_sources
    from .doctor import failing_outlets, format_checks, run_doctor
    from .outlets import OutletError, all_outlets, select_outlets
    from .sites import CASSETTES_DIR

    with tempfile.TemporaryDirectory() as scratch:
        try:
            known = all_outlets(args.outlets_files)
            names, cassettes = list(args.outlets), list(args.cassettes)
            if args.replay and not names:
                if cassettes:
                    names = recorded_outlets(cassettes)
                else:
                    cassettes, names = replay_sources(Path(scratch))
            chosen = select_outlets(names or list(known), known)
            options = CrawlOptions(outlets=[outlet.name for outlet in chosen], out=Path(scratch), replay=args.replay,
                                   cassettes=cassettes or [CASSETTES_DIR], resume=False, verbose=args.verbose,
                                   outlet_files=args.outlets_files, overrides=dict(args.set))
            checks = run_doctor(chosen, crawl_settings(options, run_id="doctor"))
        except (OutletError, OSError) as error:
            print(f"scraper doctor: {error}", file=sys.stderr)
            return 2
    print(format_checks(checks))
    failing = failing_outlets(checks)
    if failing:
        print(f"{len(failing)} of {len(chosen)} outlets failing: {', '.join(failing)}")
        return 1
    print(f"{len(chosen)} outlets checked: none failing")
    return 0


def cmd_outlets(args: argparse.Namespace) -> int:
    from .outlets import OutletError, all_outlets, builtin_outlets

    try:
        outlets = all_outlets(args.outlets_files)
    except OutletError as error:
        print(f"scraper outlets: {error}", file=sys.stderr)
        return 2
    builtin = builtin_outlets()
    for outlet in outlets.values():
        origin = "" if builtin.get(outlet.name) is outlet else (
            "  [overridden by your file]" if outlet.name in builtin else "  [from your file]")
        print(f"{outlet.name:<13}{outlet.title}  ({', '.join(outlet.domains)}){origin}")
        for kind, url in outlet.sources:
            print(f"{'':<13}{kind:<9}{url}")
    return 0


def cmd_review(args: argparse.Namespace) -> int:
    from .reports.review import write_review

    if _missing("review", args.paths):
        return 2
    pages, notes = write_review(args.paths, args.out)
    for note in notes:
        print(f"scraper review: not reviewed: {note}", file=sys.stderr)
    if not pages:
        print("scraper review: no pages found to review", file=sys.stderr)
        return 2
    removed = sum(len(page.removed) for page in pages)
    print(f"reviewed {len(pages)} pages ({removed} removed blocks) into {args.out}", file=sys.stderr)
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from .reports.health import write_health

    logging.basicConfig(level=logging.WARNING, format="scraper report: warning: %(message)s", stream=sys.stderr)
    runs = write_health(args.output, args.out, args.runs)
    if not runs:
        print(f"scraper report: no run manifests in {args.output / 'runs'}/", file=sys.stderr)
        return 2
    print(f"reported {runs} runs into {args.out}", file=sys.stderr)
    return 0


def _settings_option(parser: argparse.ArgumentParser, help_text: str) -> None:
    parser.add_argument("-s", "--set", type=_setting, action="append", default=[], metavar="NAME=VALUE",
                        help=help_text)


def _outlets_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--outlets", dest="outlets_files", type=Path, action="append", default=[], metavar="FILE",
                        help="TOML file of [[outlets]] tables adding or overriding outlets (repeatable)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="scraper", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    clean = commands.add_parser("clean", help="clean HTML pages or pre-extracted text files")
    clean.add_argument("paths", nargs="+", type=Path, help="files or directories")
    clean.add_argument("--out", type=Path, help=f"write one output per input here (default {DEFAULT_CLEAN_DIR}/)")
    clean.add_argument("--format", choices=("text", "json"), default="text", help="clean text, or the full record")
    clean.add_argument("--url", help="the page's URL (helps metadata and non-article detection)")
    clean.add_argument("--jobs", "-j", type=int, default=1, help="clean in this many processes (default 1)")
    clean.add_argument("--keep-all", action="store_true",
                       help="clean a page whatever its type: one judged a listing (home, category page) is cleaned "
                            "all the same, its page_type saying so (--format json)")
    clean.add_argument("--modern-tone-marks", action="store_true",
                       help='write old-style tone marks in the new style ("hoà" -> "hòa"); default: as published')
    clean.add_argument("--warc", action="store_true",
                       help="the paths are WARC files (or folders of them) written by `scraper crawl --warc`: "
                            "rebuild the dataset from them into --out/dataset/")
    clean.add_argument("--since", help="with --warc: leave out articles published before this date (YYYY-MM-DD)")
    _outlets_option(clean)
    clean.set_defaults(handler=cmd_clean)

    evaluation = commands.add_parser("eval", help="score the cleaner and plain trafilatura against the fixtures")
    evaluation.add_argument("fixtures", nargs="?", type=Path, default=FIXTURES_DIR)
    evaluation.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    evaluation.add_argument("--public", type=Path, metavar="DIR",
                            help="score the public sets checked out in DIR instead: Zyte's article-extraction-"
                                 "benchmark, trafilatura's and fundus's test pages, the labelled page types")
    evaluation.add_argument("--jobs", "-j", type=int, default=1, help="with --public: this many processes")
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
    _settings_option(crawl, "override a Scrapy setting, as with `scrapy crawl -s`")
    crawl.add_argument("-v", "--verbose", action="store_true", help="Scrapy's INFO log")
    _outlets_option(crawl)
    crawl.set_defaults(handler=cmd_crawl)

    doctor = commands.add_parser("doctor", help="check outlets live (or replayed): robots.txt, sources, articles")
    doctor.add_argument("outlets", nargs="*", help="outlet names (default: every outlet; with --replay, every "
                                                   "recorded one)")
    doctor.add_argument("--replay", action="store_true", help="run the checks on the cassettes; no network")
    doctor.add_argument("--cassettes", type=Path, action="append", default=[], help="cassette folder (repeatable)")
    _settings_option(doctor, "override a Scrapy setting")
    doctor.add_argument("-v", "--verbose", action="store_true", help="Scrapy's INFO log")
    _outlets_option(doctor)
    doctor.set_defaults(handler=cmd_doctor)

    seed = commands.add_parser("seed", help="distributed mode: start a round of outlets in the shared Redis queue")
    seed.add_argument("outlets", nargs="+", help="outlet names")
    _settings_option(seed, "a setting, as for crawl (REDIS_URL=redis://host:6379/0, SCRAPER_OUTLET_FILES=…)")
    seed.set_defaults(handler=cmd_seed)

    outlets = commands.add_parser("outlets", help="list the outlets and their discovery sources")
    _outlets_option(outlets)
    outlets.set_defaults(handler=cmd_outlets)

    fixture = commands.add_parser("fixture", help="regression fixtures: stored pages and their approved output")
    fixture_commands = fixture.add_subparsers(dest="fixture_command", required=True)
    add = fixture_commands.add_parser("add", help="store a page (file or URL) with its expected record to review")
    add.add_argument("source", help="an article page: a file, or a URL to fetch (recorded as a cassette)")
    add.add_argument("--outlet", required=True, help="the outlet the page belongs to (its cleaner hints apply)")
    add.add_argument("--dir", type=Path, default=Path("fixtures"), help="the fixtures folder (default fixtures/)")
    add.add_argument("--url", help="the page's URL, for a file")
    add.add_argument("--name", help="the fixture's file name (default: from the URL or file name)")
    _settings_option(add, "override a Scrapy setting for the fetch")
    _outlets_option(add)
    add.set_defaults(handler=cmd_fixture_add)
    check = fixture_commands.add_parser("check", help="clean every stored page again and show what changed")
    check.add_argument("dir", nargs="?", type=Path, default=Path("fixtures"), help="the fixtures folder")
    check.add_argument("--update", action="store_true",
                       help="record the new output as accepted (after reading the diff)")
    _outlets_option(check)
    check.set_defaults(handler=cmd_fixture_check)

    review = commands.add_parser("review", help="a page showing, for each input, the blocks kept and removed, and why")
    review.add_argument("paths", nargs="+", type=Path,
                        help="fixture folders (fixtures/), folders or files of pages, cassettes (*.yaml), "
                             "WARC files of `scraper crawl --warc` (*.warc.gz, *.warc.gz.open)")
    review.add_argument("--out", type=Path, default=Path("output/review.html"), help="default output/review.html")
    review.set_defaults(handler=cmd_review)

    report = commands.add_parser("report", help="a crawl-health page from the run manifests of recent runs")
    report.add_argument("output", nargs="?", type=Path, default=Path("output"), help="what runs wrote (output/)")
    report.add_argument("--out", type=Path, default=Path("output/health.html"), help="default output/health.html")
    report.add_argument("--runs", type=int, default=30, help="the most recent runs to show (default 30)")
    report.set_defaults(handler=cmd_report)

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
