"""PROJECT_SPEC.md -> features and tasks, deterministically (no model involved).

The shape it reads (every part optional):

    # Project title
    ## Feature: Authentication (P1) (3h)      <- a feature; priority and estimate in parentheses
    Stream: backend                            <- tasks of this feature go to stream "backend"
    Depends on: Storage                        <- every task here waits for all of "Storage"
    - [ ] Login endpoint (2h)                  <- a task (bullet or checklist item)
      - accepts email + password               <- nested bullets: the task's description
    - [x] JWT helper (30m) {#auth-jwt}         <- checked: already done; {#id} pins the id
    ### Tasks                                  <- a section label, not a task: its checklist is
    - [ ] Logout                                  the feature's tasks (Tasks, Todo, Checklist...)
    ### Session store (45 min)                 <- a task written as a heading; body = description
    Depends on: Login endpoint
    #### Files to create                       <- files of the enclosing task (or feature)
    - `src/session.py`

Key lines (`Depends on:`, `Priority:`, `Estimate:`, `Stream:`) belong to the task heading above
them, to a bullet task when indented under it, and otherwise to the feature.

Ids are stable: `{feature-slug}/{title-slug}` unless pinned with `{#id}`, so re-parsing an
edited spec updates the same rows. Renaming a task's title gives it a new id; pin ids that you
expect to rename.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

from br_core.errors import UsageError
from br_core.queue.models import FeatureIn, NewTask, slugify
from br_core.scan.files import open_beneath
from br_core.secrets.masking import sanitize_text

MAX_SPEC_BYTES = 2_000_000
MAX_ID_CHARS = 80  # models.TASK_ID_PATTERN
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_BULLET = re.compile(r"^(\s*)(?:[-*+]|\d+[.)])\s+(?:\[( |x|X)\]\s+)?(.*)$")
_PIN = re.compile(r"\s*\{#([A-Za-z0-9][A-Za-z0-9._/-]{0,79})\}")
_DURATION = re.compile(
    r"[(\[]?\s*(?:~|est(?:imate)?[:.]?\s*)?(\d+(?:\.\d+)?)\s*"
    r"(minutes|minute|mins|min|m|hours|hour|hrs|hr|h|days|day|d)\b\s*[)\]]?",
    re.IGNORECASE,
)
_PRIORITY = re.compile(r"[(\[]\s*P([0-9])\s*[)\]]", re.IGNORECASE)
_KEYED = re.compile(
    r"^\s*(?:[-*+]\s+)?\**(depends on|after|stream|priority|estimate|duration|time)"
    r"\**\s*:\**\s*(.+)$",
    re.IGNORECASE,
)
_FILES_LABEL = re.compile(
    r"^\**\s*files?(?: to (?:create|modify|change|touch))?\s*:?\s*\**\s*:?$", re.I
)
_FEATURE_PREFIX = re.compile(
    r"^(?:feature|phase|milestone|epic|step|task)\s*\d*[a-z]?\s*[:.)-]\s*", re.I
)
# A heading that only labels the list under it ("### Tasks", "#### To do:") is not a task.
SECTION_LABEL = re.compile(
    r"^(?:(?:the\s+)?(?:tasks?|to-?\s?dos?|checklist|sub-?tasks?|steps|work(?:\s+items?)?|"
    r"backlog|deliverables|implementation(?:\s+(?:plan|steps|tasks))?|action\s+items))\s*:?$",
    re.IGNORECASE,
)
SPEC_FORMAT_EXAMPLE = """\
## Feature: Authentication (P1)
- [ ] Login endpoint (2h)
  - accepts email + password
- [ ] Logout (30m)
Depends on: Login endpoint"""
_UNIT_MINUTES = {"m": 1.0, "h": 60.0, "d": 480.0}  # a working day is 8 hours
_PRIORITY_WORDS = {"critical": 0, "urgent": 0, "high": 1, "medium": 2, "normal": 2, "low": 3}


@dataclass
class _Draft:
    title: str
    feature: str
    kind: str  # "bullet" | "heading"
    description: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    depends: list[str] = field(default_factory=list)
    pin: str | None = None
    priority: int | None = None
    estimate: float | None = None
    done: bool = False


@dataclass
class _Feature:
    id: str
    title: str
    position: int
    priority: int = 2
    estimate: float | None = None
    stream: str = ""
    depends: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    tasks: list[_Draft] = field(default_factory=list)


@dataclass
class ParsedSpec:
    """What a spec says: its features, its tasks (in order) and which tasks are already done."""

    title: str
    features: list[FeatureIn]
    tasks: list[NewTask]
    done_ids: set[str]
    source: str = "spec"  # the queue's `source` for this spec's tasks; see `spec_source`


def read_spec(path: Path, *, beneath: Path | None = None) -> str:
    """The spec's text, or a one-line UsageError for a missing, special, binary, huge or
    non-UTF-8 file. Only a regular file is read, and the cap holds while reading: a device
    such as /dev/zero reports size 0, and a file may grow after any stat. `beneath`: open it
    from that root following no symlink (see br_core.scan.files.open_beneath)."""
    try:
        raw = _read_regular(path, MAX_SPEC_BYTES, beneath)
    except FileNotFoundError as exc:
        raise UsageError(f"{path}: no such file; pass the path of your PROJECT_SPEC.md") from exc
    except IsADirectoryError as exc:
        raise UsageError(f"{path}: is a directory; pass the spec file itself") from exc
    except OSError as exc:
        raise UsageError(f"{path}: cannot read ({exc.strerror}); check its permissions") from exc
    if len(raw) > MAX_SPEC_BYTES:
        raise UsageError(
            f"{path}: spec is over {MAX_SPEC_BYTES} bytes; split it into smaller specs"
        )
    if b"\0" in raw:
        raise UsageError(f"{path}: binary file, not a markdown spec; pass a .md text file")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UsageError(f"{path}: not UTF-8 text (byte {exc.start}); save it as UTF-8") from exc


def _read_regular(path: Path, limit: int, beneath: Path | None = None) -> bytes:
    """At most `limit + 1` bytes of a regular file. Opened non-blocking, so a FIFO without a
    writer is refused at once instead of waiting for one."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    fd = open_beneath(beneath, path, flags) if beneath else os.open(path, flags)
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(errno.EISDIR, "is a directory", str(path))
        if not stat.S_ISREG(mode):
            raise UsageError(
                f"{path}: not a regular file (a device, FIFO or socket); pass the spec file itself"
            )
        chunks: list[bytes] = []
        left = limit + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def spec_source(path: Path, root: Path) -> str:
    """A spec's identity in the queue: `spec:` and its path relative to the repository root
    (POSIX separators), so two PROJECT_SPEC.md files in two directories never share tasks.
    A spec outside the root is named by its absolute path."""
    resolved = path.resolve()
    try:
        return f"spec:{resolved.relative_to(root.resolve()).as_posix()}"
    except ValueError:
        return f"spec:{resolved.as_posix()}"


def parse_spec_file(path: Path, root: Path | None = None, *, confined: bool = False) -> ParsedSpec:
    """Read and parse a spec; `root` (the repository root) names it, see `spec_source`.
    `confined`: opened beneath `root` following no symlink (the MCP door checked the path)."""
    parsed = parse_spec(read_spec(path, beneath=root if confined and root else None))
    parsed.source = spec_source(path, root if root is not None else path.parent)
    return parsed


def _take_estimate(text: str) -> tuple[str, float | None]:
    match = None
    for candidate in _DURATION.finditer(text):
        raw = candidate.group(0).strip()
        # A bare number glued to words ("3d printer") is not a duration: require brackets or ~.
        if raw[0] in "([~" or raw.lower().startswith("est"):
            match = candidate
    if match is None:
        return text, None
    minutes = float(match.group(1)) * _UNIT_MINUTES[match.group(2)[0].lower()]
    return (text[: match.start()] + text[match.end() :]).strip(), minutes


def _clean_title(text: str) -> tuple[str, str | None, int | None, float | None]:
    pin = _PIN.search(text)
    text = _PIN.sub("", text)
    priority = _PRIORITY.search(text)
    text = _PRIORITY.sub("", text)
    text, estimate = _take_estimate(text)
    text = re.sub(r"[*_`]+", "", text).strip(" -:—")
    return (
        text or "untitled",
        pin.group(1) if pin else None,
        int(priority.group(1)) if priority else None,
        estimate,
    )


def _parse_priority(value: str) -> int | None:
    value = value.strip().strip("*").lower()
    if value[:1] == "p" and value[1:2].isdigit():
        return int(value[1])
    if value.isdigit():
        return min(int(value), 9)
    return _PRIORITY_WORDS.get(value.split()[0] if value else "")


class _Parser:
    def __init__(self) -> None:
        self.title = ""
        self.features: list[_Feature] = []
        self.task: _Draft | None = None
        self.in_files = False
        self.files_level = 0
        self.bullet_indent = -1
        self.task_level = 0

    def feature(self) -> _Feature:
        if not self.features:
            self.features.append(_Feature(id="general", title="General", position=0))
        return self.features[-1]

    def heading(self, level: int, text: str) -> None:
        if level == 1 and not self.title:
            self.title = text
            return
        if _FILES_LABEL.match(text):
            # Under a task heading the files are that task's; elsewhere they are the feature's.
            if self.task is None or self.task.kind != "heading" or level <= self.task_level:
                self.task = None
            self.in_files, self.files_level = True, level
            return
        if self.in_files and level > self.files_level:
            return
        self.in_files = False
        if level > 2 and SECTION_LABEL.match(_clean_title(text)[0]):
            # Under a heading task the list stays its description; elsewhere a label starts
            # the feature's task list (the heading never becomes a task named "Tasks").
            if self.task is None or self.task.kind != "heading" or level <= self.task_level:
                self.task = None
            return
        if level <= 2:
            title, pin, priority, estimate = _clean_title(text)
            title = _FEATURE_PREFIX.sub("", title) or title
            base, taken = pin or slugify(title), {f.id for f in self.features}
            feature_id = _unique_id(base, taken)
            self.features.append(
                _Feature(
                    id=feature_id,
                    title=title,
                    position=len(self.features),
                    priority=priority if priority is not None else 2,
                    estimate=estimate,
                )
            )
            self.task = None
        else:
            self.task = self._new_task(text, "heading", done=False)
            self.task_level = level

    def _new_task(self, text: str, kind: str, *, done: bool) -> _Draft:
        feature = self.feature()
        title, pin, priority, estimate = _clean_title(text)
        draft = _Draft(title, feature.id, kind, pin=pin, priority=priority, estimate=estimate)
        draft.done = done
        feature.tasks.append(draft)
        return draft

    def keyed(self, key: str, value: str, indent: int) -> None:
        key = key.lower()
        # Under a heading task a key line is the task's; under bullets only an indented one is.
        target = self.task
        if target is not None and target.kind == "bullet" and indent <= self.bullet_indent:
            target = None
        values = [v.strip(" `*") for v in re.split(r",|;|\band\b", value) if v.strip(" `*")]
        if key in ("depends on", "after"):
            (target.depends if target else self.feature().depends).extend(values)
        elif key == "stream":
            self.feature().stream = slugify(value, 60)
        elif key == "priority":
            parsed = _parse_priority(value)
            if parsed is not None and target is not None:
                target.priority = parsed
            elif parsed is not None:
                self.feature().priority = parsed
        else:
            _, minutes = _take_estimate(f"({value.strip()})")
            if target is not None:
                target.estimate = minutes
            else:
                self.feature().estimate = minutes

    def bullet(self, indent: int, check: str | None, text: str) -> None:
        if self.in_files:
            path = text.strip().strip("`*").split()[0] if text.strip("`* ") else ""
            if path:
                (self.task.files if self.task else self.feature().files).append(path.strip("`"))
            return
        if _FILES_LABEL.match(text.strip()):
            self.in_files, self.files_level = True, 9
            return
        nested = self.task is not None and (
            self.task.kind == "heading" or indent > self.bullet_indent
        )
        if nested and self.task is not None:
            self.task.description.append(text.strip())
            return
        self.bullet_indent = indent
        self.task = self._new_task(text, "bullet", done=check in ("x", "X"))

    def prose(self, line: str) -> None:
        if self.task is not None and line.strip():
            self.task.description.append(line.strip())


def parse_spec(text: str) -> ParsedSpec:
    """Parse markdown into features and tasks; same text, same result."""
    parser = _Parser()
    fenced = False
    for line in _masked_lines(text):
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
            continue
        if fenced or not line.strip():
            if not line.strip() and parser.in_files and parser.files_level == 9:
                parser.in_files = False
            continue
        heading = _HEADING.match(line)
        keyed = _KEYED.match(line)
        bullet = _BULLET.match(line)
        if heading:
            parser.heading(len(heading.group(1)), heading.group(2))
        elif keyed and not parser.in_files:
            parser.keyed(keyed.group(1), keyed.group(2), len(line) - len(line.lstrip()))
        elif bullet:
            parser.bullet(len(bullet.group(1).expandtabs(4)), bullet.group(2), bullet.group(3))
        elif _FILES_LABEL.match(line.strip()):
            parser.in_files, parser.files_level = True, 9
        else:
            parser.prose(line)
    return _assemble(parser)


def _masked_lines(text: str) -> list[str]:
    """The spec's lines with secrets masked before anything is read from them: titles become
    ids (slugs), and stripping markup first would break a secret's shape. One pass over the
    whole text (a tenth of the cost of one per line), so a multi-line secret such as a private
    key block is found too; it becomes one masked line, which was prose and stays prose."""
    return sanitize_text(text).splitlines()


def _assemble(parser: _Parser) -> ParsedSpec:
    features = [f for f in parser.features if f.tasks]
    ids: dict[int, str] = {}
    names: dict[str, list[str]] = {}  # slug of a feature or task title -> task ids
    used: set[str] = set()
    for feature in features:
        for draft in feature.tasks:
            task_id = _unique_id(draft.pin or f"{feature.id}/{slugify(draft.title)}", used)
            used.add(task_id)
            ids[id(draft)] = task_id
            names.setdefault(slugify(draft.title), []).append(task_id)
            names.setdefault(task_id, []).append(task_id)
        names[feature.id] = [ids[id(d)] for d in feature.tasks]
        names.setdefault(slugify(feature.title), names[feature.id])
    tasks: list[NewTask] = []
    done: set[str] = set()
    for feature in features:
        for draft in feature.tasks:
            task_id = ids[id(draft)]
            wanted = [*feature.depends, *draft.depends]
            deps = [d for name in wanted for d in names.get(slugify(name), names.get(name, []))]
            tasks.append(_new_task(task_id, draft, feature, deps))
            if draft.done:
                done.add(task_id)
    return ParsedSpec(
        title=parser.title,
        features=[FeatureIn(id=f.id, title=f.title, position=f.position) for f in features],
        tasks=tasks,
        done_ids=done,
    )


def _fit_id(text: str) -> str:
    """`text` if it is a valid id length; else its head and a hash of the whole, so two long
    titles sharing a head still get different ids, whatever their order in the spec."""
    if len(text) <= MAX_ID_CHARS:
        return text
    digest = hashlib.blake2s(text.encode(), digest_size=4).hexdigest()
    return f"{text[: MAX_ID_CHARS - len(digest) - 1].rstrip('-./_')}-{digest}"


def _unique_id(base: str, taken: set[str]) -> str:
    """The first of `base`, `base-2`, `base-3`... not taken, each made to fit."""
    candidate, n = _fit_id(base), 1
    while candidate in taken:
        n += 1
        candidate = _fit_id(f"{base}-{n}")
    return candidate


def _new_task(task_id: str, draft: _Draft, feature: _Feature, deps: list[str]) -> NewTask:
    estimate = draft.estimate
    if estimate is None and feature.estimate is not None:
        estimate = round(feature.estimate / len(feature.tasks), 1)
    unique_deps = [d for d in dict.fromkeys(deps) if d != task_id]
    return NewTask(
        id=task_id,
        title=draft.title[:200],
        description="\n".join(draft.description)[:4000],
        feature=feature.id,
        files=list(dict.fromkeys(draft.files or feature.files))[:200],
        priority=draft.priority if draft.priority is not None else feature.priority,
        estimate_minutes=estimate,
        stream=feature.stream,
        depends_on=unique_deps[:200],
    )
