"""Secrets in a repository's history: every blob a commit added or modified is scanned once, and
each (file, secret) is reported at the first commit that carries it, as `<commit>:<path>`."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path

from br_core.errors import UsageError
from br_core.git import GitError, run_git
from br_core.scan.files import Skip, decode_text
from br_core.scan.finding import Finding, ScanResult
from br_core.secrets.scanner import Scanner, fail_closed

Progress = Callable[[Iterator[str], int], Iterator[str]]  # (commits, how many) -> commits


def _blob_texts(root: Path, blobs: Sequence[str]) -> Iterator[tuple[str, bytes]]:
    """(blob id, content) for each blob, streamed through one `git cat-file --batch`."""
    proc = subprocess.Popen(
        ["git", "cat-file", "--batch"],
        cwd=root,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert proc.stdin is not None and proc.stdout is not None
    try:
        for blob in blobs:
            proc.stdin.write(f"{blob}\n".encode())
            proc.stdin.flush()
            header = proc.stdout.readline().split()
            if len(header) < 3:
                continue
            size = int(header[2])
            data = proc.stdout.read(size)
            proc.stdout.read(1)
            yield blob, data
    finally:
        proc.stdin.close()
        proc.stdout.close()
        proc.wait(timeout=30)


def history_changes(root: Path, since: str | None) -> dict[str, list[tuple[str, str]]]:
    """For each commit of HEAD's history (or after `since`), oldest first: the (blob id, path)
    of files it added or modified. One `git log` call, however long the history."""
    spec = [f"{since}..HEAD"] if since else ["HEAD"]
    args = ["log", "--reverse", "--format=%x01%H", "--raw", "--no-abbrev", "--no-renames"]
    try:
        out = run_git([*args, "--diff-filter=AM", "-z", *spec, "--"], cwd=root)
    except GitError as exc:
        raise UsageError(
            f"{since or 'HEAD'}: not a revision here ({exc.message}); check --since"
        ) from exc
    changes: dict[str, list[tuple[str, str]]] = {}
    for chunk in filter(None, out.split("\x01")):
        commit, _, rest = chunk.partition("\0")
        parts = rest.lstrip("\n").split("\0")
        pairs = changes.setdefault(commit.strip(), [])
        for meta, path in zip(parts[0::2], parts[1::2], strict=False):
            fields = meta.split()
            # Skip submodules (mode 160000): their content is another repository.
            if len(fields) >= 4 and fields[0].startswith(":") and fields[1] != "160000":
                pairs.append((fields[3], path))
    return changes


def scan_history(
    root: Path,
    since: str | None,
    progress: Progress | None = None,
    *,
    use_baseline: bool = True,
) -> ScanResult:
    """Secrets ever added in HEAD's history; each (file, secret) reported at its first commit,
    with the path shown as `<commit>:<path>`. `progress` wraps the walk over the commits;
    `use_baseline=False` reports the baselined ones too."""
    scanner = Scanner.for_root(root, use_baseline=use_baseline)
    changes = history_changes(root, since)
    commits = list(changes)
    result = ScanResult()
    seen_blobs: set[str] = set()
    reported: set[tuple[str, str]] = set()
    walk: Iterator[str] = iter(commits)
    if progress is not None:
        walk = progress(walk, len(commits))
    for commit in walk:
        todo = [(b, p) for b, p in changes[commit] if b not in seen_blobs]
        seen_blobs.update(b for b, _ in todo)
        todo = [(b, p) for b, p in todo if not scanner.skips_path(p)]
        paths = dict(todo)
        for blob, data in _blob_texts(root, [b for b, _ in todo]):
            text = decode_text(data, paths[blob], scanner.settings.max_bytes)
            if isinstance(text, Skip):
                if text.too_large:  # fails closed, as in a file scan
                    result.skip(fail_closed(f"{commit[:10]}:{paths[blob]}", text))
                continue
            found = ScanResult()
            scanner.scan_text(text, paths[blob], found)
            result.suppressed += found.suppressed
            for finding in found.findings:
                key = (finding.path, finding.secret_hash)
                if key not in reported:
                    reported.add(key)
                    result.findings.append(_at_commit(finding, commit))
    return result


def _at_commit(finding: Finding, commit: str) -> Finding:
    return replace(finding, path=f"{commit[:10]}:{finding.path}")
