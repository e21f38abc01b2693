"""Act 0 of `make demo`: the README's quickstart as a new user types it, from the built wheel.

`python -m build` makes the wheel; `uv tool install` puts it (and pre-commit) in a tool dir of
the temporary directory; in a fresh repository `br init`, `pre-commit install`, a commit with a
key is blocked, a clean one goes through, `br mcp serve` answers the MCP SDK's client over stdio,
and `br doctor` is green. PATH holds only that tool dir and the system's: nothing comes from
this checkout's venv.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from demo_kit import CHECKOUT, ENV, expect, fake_key, say, show, step


def _run(cwd: Path, env: dict[str, str], *args: str, echo: bool = True) -> Any:
    if echo:
        print("    $ " + " ".join([Path(args[0]).name, *args[1:]]))
    proc = subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    if echo:
        show(proc)
    return proc


def _user_env(base: Path) -> dict[str, str]:
    env = {k: v for k, v in ENV.items() if not k.startswith(("VIRTUAL_ENV", "UV_TOOL"))}
    system = [d for d in ("/usr/local/bin", "/usr/bin", "/bin") if Path(d).is_dir()]
    git_dir = str(Path(shutil.which("git") or "/usr/bin/git").parent)
    env |= {
        "HOME": str(base / "home"),
        "BR_HOME": str(base / "br-home"),
        "UV_TOOL_DIR": str(base / "tools"),
        "UV_TOOL_BIN_DIR": str(base / "bin"),
        "UV_PYTHON_DOWNLOADS": "never",
        "PATH": os.pathsep.join([str(base / "bin"), git_dir, *system]),
    }
    env.pop("PRE_COMMIT_HOME", None)
    return env


def _mcp_tools(repo: Path, env: dict[str, str]) -> list[str]:
    import anyio
    from mcp import Client
    from mcp.client.stdio import StdioServerParameters

    server = json.loads((repo / ".mcp.json").read_text())["mcpServers"]["br"]
    command = shutil.which(server["command"], path=env["PATH"]) or server["command"]
    params = StdioServerParameters(command=command, args=server["args"], env=env, cwd=str(repo))

    async def body() -> list[str]:
        with anyio.fail_after(60):
            async with Client(params) as client:
                return [tool.name for tool in (await client.list_tools()).tools]

    names: list[str] = anyio.run(body)
    return names


def install_like_a_user(tmp: Path) -> None:
    from uv import find_uv_bin

    base = tmp / "new-user"
    (base / "home").mkdir(parents=True)
    env = _user_env(base)
    uv = str(find_uv_bin())
    step("0. Install like a new user: the built wheel, `uv tool install`, the quickstart")
    started = time.monotonic()
    built = _run(
        CHECKOUT, ENV, sys.executable, "-m", "build", "--wheel", "--outdir", str(base / "dist"),
        echo=False,
    )  # fmt: skip
    expect(built.returncode == 0, f"python -m build failed: {built.stderr[-400:]}")
    [wheel] = (base / "dist").glob("*.whl")
    say(f"Built {wheel.name} from this checkout with `python -m build`.")
    for tool in (str(wheel), "pre-commit"):
        done = _run(base, env, uv, "tool", "install", "--quiet", tool)
        expect(done.returncode == 0, f"uv tool install {tool} failed")
    repo = base / "project"
    repo.mkdir()
    _run(repo, env, "git", "init", "-q", "-b", "main")
    expect(_run(repo, env, "br", "--version").returncode == 0, "br --version failed")
    expect(_run(repo, env, "br", "init", echo=False).returncode == 0, "br init failed")
    say("$ br init  -> .pre-commit-config.yaml runs the installed br-* scripts (repo: local):")
    say("no download, no hook environment, works offline.")
    expect(_run(repo, env, "pre-commit", "install").returncode == 0, "pre-commit install failed")
    key = fake_key("ghp_", 36, seed=7)
    (repo / "config.py").write_text(f'GITHUB_TOKEN = "{key}"\n', encoding="utf-8")
    _run(repo, env, "git", "add", "-A", echo=False)
    blocked = _run(repo, env, "git", "commit", "-q", "-m", "Add config")
    expect(blocked.returncode != 0, "the commit with a key was NOT blocked")
    expect(key not in blocked.stdout + blocked.stderr, "the key was shown in full")
    say("-> Blocked, the token masked.")
    (repo / "config.py").write_text(
        'import os\n\nGITHUB_TOKEN = os.environ["GITHUB_TOKEN"]\n', encoding="utf-8"
    )
    _run(repo, env, "git", "add", "-A", echo=False)
    clean = _run(repo, env, "git", "commit", "-q", "-m", "Add config (token from the env)")
    expect(clean.returncode == 0, "the clean commit was blocked")
    say("-> Committed.")
    tools = _mcp_tools(repo, env)
    expect("claim_task" in tools, "br mcp serve did not list its tools")
    say(f"$ br mcp serve (as .mcp.json starts it) answers an MCP client: {len(tools)} tools.")
    doctor = _run(repo, env, "br", "doctor")
    expect(doctor.returncode == 0, "br doctor is not green")
    say(f"-> From wheel to a green `br doctor` in {time.monotonic() - started:.0f}s.")
