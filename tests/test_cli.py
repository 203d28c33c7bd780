"""The `scraper` command line, run as users run it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from scraper.fixtures import FIXTURES_DIR

SEED = FIXTURES_DIR / "seeds" / "000_2f482f7a6e0e9526.txt"


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "scraper", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=120)


def test_clean_one_text_file_prints_clean_text() -> None:
    result = run("clean", str(SEED))
    assert result.returncode == 0, result.stderr
    assert result.stdout == SEED.with_name(SEED.stem + ".expected.txt").read_text(encoding="utf-8")


def test_clean_json_prints_the_record() -> None:
    result = run("clean", "--format", "json", str(SEED))
    record = json.loads(result.stdout)
    assert record["source"] == "Baotintuc.vn"
    assert record["language"] == "vi"
    assert "Các tin khác" not in record["text"]


def test_clean_directory_writes_one_output_per_input(tmp_path: Path) -> None:
    result = run("clean", str(FIXTURES_DIR / "seeds"), "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    outputs = sorted(p.name for p in tmp_path.iterdir())
    inputs = [p for p in (FIXTURES_DIR / "seeds").glob("*.txt") if not p.name.endswith(".expected.txt")]
    assert outputs == sorted(p.name for p in inputs)
    for output in tmp_path.iterdir():
        expected = FIXTURES_DIR / "seeds" / output.name.replace(".txt", ".expected.txt")
        assert output.read_text(encoding="utf-8") == expected.read_text(encoding="utf-8")


def test_html_page_is_detected_and_cleaned(tmp_path: Path) -> None:
    body = "".join(f"<p>Đây là đoạn văn thứ {i} của bài báo, kể lại sự việc một cách đầy đủ và rõ ràng.</p>"
                   for i in range(1, 6))
    page = tmp_path / "page.html"
    page.write_text(f"<html><head><title>Tin thử</title></head><body><h1>Tiêu đề bài báo thử nghiệm</h1>"
                    f"<article>{body}</article><div class='related'>Tin liên quan</div></body></html>",
                    encoding="utf-8")
    result = run("clean", str(page))
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("\n") == 5 and "Tin liên quan" not in result.stdout


def test_bad_inputs_get_a_message_and_non_zero_exit(tmp_path: Path) -> None:
    (tmp_path / "empty.html").write_bytes(b"")
    (tmp_path / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    for name, reason in (("empty.html", "empty"), ("image.png", "binary")):
        result = run("clean", str(tmp_path / name))
        assert result.returncode != 0
        assert f"skipped ({reason})" in result.stderr
        assert "Traceback" not in result.stderr
    missing = run("clean", str(tmp_path / "missing.html"))
    assert missing.returncode == 2 and "no such file" in missing.stderr


def test_eval_prints_both_extractors(tmp_path: Path) -> None:
    figures = tmp_path / "eval.json"
    result = run("eval", "--json", str(figures))
    assert result.returncode == 0, result.stderr
    assert "overall seeds" in result.stdout and "trafilatura" in result.stdout
    data = json.loads(figures.read_text())
    assert data["overall"]["seeds"]["scraper"]["f1"] == 1.0


def test_clean_with_jobs_writes_what_one_job_writes(tmp_path: Path) -> None:
    sites = FIXTURES_DIR / "sites"
    one, two = tmp_path / "one", tmp_path / "two"
    assert run("clean", str(sites), str(FIXTURES_DIR / "seeds"), "--out", str(one)).returncode == 1  # robots.txt…
    result = run("clean", str(sites), str(FIXTURES_DIR / "seeds"), "--out", str(two), "--jobs", "2")
    assert result.returncode == 1 and "skipped" in result.stderr
    written = sorted(p.relative_to(one) for p in one.rglob("*.txt"))
    assert len(written) >= 10
    assert written == sorted(p.relative_to(two) for p in two.rglob("*.txt"))
    for path in written:
        assert (one / path).read_text(encoding="utf-8") == (two / path).read_text(encoding="utf-8")
