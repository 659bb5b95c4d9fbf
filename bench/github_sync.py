"""Measures the GitHub source against the test suite's loopback fake of the API: 10 repositories x 300 advisories,
a first sync (requests and time), then no-change syncs (target: one conditional request per repository list page,
all 304, in <= 1.0 s), and one sync after a single advisory changed. Then `triage-tui sync` as its own process
on an encrypted workspace: no-change syncs from process start to exit, and from process start to the first request
the server saw (target: under 1.0 s from process start).

The fake server runs in this process's threads, as in the tests; the sync is the product's own (`sync_github`).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from startup import bench_identity, close_workspace, unlock

from github_fake import FakeGitHub, seed
from triage_tui.config import GithubSourceConfig, parse_config
from triage_tui.github.sync import sync_github
from triage_tui.sources.github_api import GitHubClient
from triage_tui.store.store import Store

TOKEN = "ghp_bench"


def config_text(url: str, repositories: list[str]) -> str:
    projects = "".join(
        f'\n[projects.{r.split("/")[1]}]\nname = "{r.split("/")[1]}"\npackages = ["{r.split("/")[1]}"]\n'
        f'repository = "{r}"\n'
        for r in repositories
    )
    return (
        f'[identity]\nname = "Bench"\nemail = "bench@example.org"\nfingerprint = "{"A" * 40}"\n{projects}\n'
        f'[sources.gh]\nkind = "github"\napi_url = "{url}"\nrepositories = {json.dumps(repositories)}\n'
        'token_env = "UNUSED"\n'
    )


def run_sync(gh: FakeGitHub, database: Path, config, source) -> tuple[float, Counter[int], int]:  # type: ignore[no-untyped-def]
    gh.reset_log()
    client = GitHubClient(gh.url, TOKEN)
    started = time.perf_counter()
    try:
        with Store(database) as store:
            report = sync_github(store, config, source, client=client)
    finally:
        client.close()
    seconds = time.perf_counter() - started
    if not report.ok:
        raise SystemExit(f"sync failed: {report.error}")
    return seconds, Counter(r.status for r in gh.requests), report.new_cases


def process_syncs(gh: FakeGitHub, folder: Path, repositories: list[str], runs: int) -> None:
    """`triage-tui --home H sync --json` as its own process, as cron or a user runs it: its store encrypted to a
    real key (unlocked through gpg-agent at start), the first sync untimed, then `runs` no-change syncs timed from
    process start to exit and to the first request the server saw."""
    home = folder / "process"
    home.mkdir()
    fingerprint, gnupg_home = bench_identity(home)
    text = config_text(gh.url, repositories).replace('"UNUSED"', '"BENCH_GH_TOKEN"')
    text = text.replace(f'fingerprint = "{"A" * 40}"', f'fingerprint = "{fingerprint}"\ngnupg_home = "{gnupg_home}"')
    (home / "config.toml").write_text(text)
    unlock(home)
    executable = shutil.which("triage-tui", path=str(Path(sys.executable).parent)) or "triage-tui"
    env = {**os.environ, "BENCH_GH_TOKEN": TOKEN}

    def one() -> tuple[float, float]:
        gh.reset_log()
        started = time.monotonic()
        done = subprocess.run([executable, "--home", str(home), "sync", "--json"], env=env, capture_output=True)
        ended = time.monotonic()
        if done.returncode != 0:
            raise SystemExit(f"triage-tui sync failed ({done.returncode}): {done.stderr.decode()}")
        first = min(request.at for request in gh.requests)
        return ended - started, first - started

    try:
        one()  # the first sync: every page, every case
        timed = [one() for _ in range(runs)]
    finally:
        close_workspace(home)
    walls = [wall for wall, _first in timed]
    firsts = [first for _wall, first in timed]
    print(f"no-change triage-tui sync from process start: median {statistics.median(walls) * 1000:.0f} ms, "
          f"max {max(walls) * 1000:.0f} ms; to the first request: median {statistics.median(firsts) * 1000:.0f} ms "
          "(target < 1000 ms from process start)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repos", type=int, default=10)
    parser.add_argument("--advisories", type=int, default=300, help="per repository")
    parser.add_argument("--runs", type=int, default=5, help="no-change syncs to time")
    parser.add_argument("--process-runs", type=int, default=5, help="no-change `triage-tui sync` processes to time")
    args = parser.parse_args()
    # The fake's check of each object against GitHub's description (0.6 ms each) would be timed as the sync's.
    with FakeGitHub(check_schema=False) as gh, tempfile.TemporaryDirectory(prefix="tt-gh-bench") as folder:
        ids = seed(gh, args.repos, args.advisories)
        repositories = list(ids)
        gh.add_token(TOKEN, write=repositories)
        config = parse_config(Path(folder) / "config.toml", config_text(gh.url, repositories))
        source = config.sources["gh"]
        assert isinstance(source, GithubSourceConfig)
        database = Path(folder) / "triage.db"
        pages = -(-args.advisories // 100) * args.repos
        print(f"{args.repos} repositories x {args.advisories} advisories ({pages} list pages of 100)")

        seconds, statuses, new_cases = run_sync(gh, database, config, source)
        print(f"first sync: {sum(statuses.values())} requests {dict(statuses)}, {new_cases} new cases, {seconds:.2f} s")

        times: list[float] = []
        for _ in range(args.runs):
            seconds, statuses, new_cases = run_sync(gh, database, config, source)
            times.append(seconds)
            all_304 = set(statuses) == {304}
            print(
                f"no-change sync: {sum(statuses.values())} requests {dict(statuses)}, all 304: {all_304}, "
                f"{new_cases} new cases, {seconds * 1000:.0f} ms"
            )
        print(f"no-change sync: median {statistics.median(times) * 1000:.0f} ms, max {max(times) * 1000:.0f} ms "
              "(target <= 1000 ms, one conditional request per list page, all 304)")  # fmt: skip

        repository = repositories[0]
        gh.update_advisory(repository, ids[repository][-1], summary="changed on GitHub")
        seconds, statuses, _new = run_sync(gh, database, config, source)
        print(f"after one change: {sum(statuses.values())} requests {dict(statuses)}, {seconds * 1000:.0f} ms")
        if args.process_runs:
            process_syncs(gh, Path(folder), repositories, args.process_runs)


if __name__ == "__main__":
    main()
