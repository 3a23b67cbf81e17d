"""Load on a running `mdgraph serve`: concurrent clients on a mix of the named queries.

    .venv/bin/python bench/load.py --url http://127.0.0.1:8000            # 16 clients, 60 s
    .venv/bin/python bench/load.py --url http://127.0.0.1:8000 --clients 200 --seconds 20

Each client loops: pick a named query of GET /queries (seeded), run it with its example
values, record status and latency. Prints latency percentiles of the 200 answers, the
statuses that were not 200 (503/429 = load shed, with Retry-After), throughput, and the
server's peak memory (VmHWM) when --pid names its process.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time
from collections import Counter
from pathlib import Path

import httpx


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def client(http: httpx.AsyncClient, requests: list[tuple[str, dict]], stop: float, seed: int,
                 latencies: list[float], statuses: Counter) -> None:
    chance = random.Random(seed)
    while time.monotonic() < stop:
        url, params = chance.choice(requests)
        started = time.perf_counter()
        try:
            answer = await http.get(url, params=params, headers={"Accept": "application/sparql-results+json"})
            status = answer.status_code
        except httpx.HTTPError as exc:
            status = type(exc).__name__
        if status == 200:
            latencies.append(time.perf_counter() - started)
        statuses[status] += 1


def peak_memory_mb(pid: int | None) -> str:
    if pid is None:
        return "n/a (give --pid)"
    lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    return f"{int(next(l.split()[1] for l in lines if l.startswith('VmHWM'))) / 1024:.0f} MB (server process)"


async def main() -> None:
    options = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    options.add_argument("--url", default="http://127.0.0.1:8000")
    options.add_argument("--clients", type=int, default=16)
    options.add_argument("--seconds", type=float, default=60.0)
    options.add_argument("--seed", type=int, default=1)
    options.add_argument("--pid", type=int, help="the server's process id, for its peak memory")
    args = options.parse_args()
    limits = httpx.Limits(max_connections=args.clients, max_keepalive_connections=args.clients)
    async with httpx.AsyncClient(base_url=args.url, timeout=120, limits=limits) as http:
        catalogue = (await http.get("/queries", headers={"Accept": "application/json"})).json()
        requests = [(f"/queries/{entry['name']}", {p["name"]: p["example"] for p in entry["params"]})
                    for entry in catalogue]
        latencies: list[float] = []
        statuses: Counter = Counter()
        started = time.monotonic()
        await asyncio.gather(*(client(http, requests, started + args.seconds, args.seed + i, latencies, statuses)
                               for i in range(args.clients)))
        elapsed = time.monotonic() - started
    answered = sum(statuses.values())
    print(f"{args.clients} clients, {elapsed:.0f} s, {len(requests)} named queries, {answered} requests")
    print(f"throughput     {statuses[200] / elapsed:.1f} answers/s ({answered / elapsed:.1f} requests/s)")
    print(f"latency (200)  p50 {percentile(latencies, .5) * 1000:.0f} ms  p95 {percentile(latencies, .95) * 1000:.0f} ms"
          f"  p99 {percentile(latencies, .99) * 1000:.0f} ms  mean {statistics.fmean(latencies or [0]) * 1000:.0f} ms")
    shed = {k: v for k, v in statuses.items() if k != 200}
    print(f"not 200        {dict(shed) or 'none'}")
    print(f"peak memory    {peak_memory_mb(args.pid)}")


if __name__ == "__main__":
    asyncio.run(main())
