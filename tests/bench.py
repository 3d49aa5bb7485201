#!/usr/bin/python3
"""Benchmarks of the foundation (not timed tests: it prints figures).

  start to ready: domcapsd with every qemu-system-* on $PATH, from exec to
                  its bus name appearing (median of --runs starts)
  warm call:      GetDomainCapabilities round trips from one client on a
                  private bus, the answer already rendered (p50 and p99)

usage: bench.py BUILDDIR [--runs N] [--calls N]
"""
import argparse
import statistics
import time

from testlib import Daemon, PrivateBus


def start_to_ready(build, bus):
    t0 = time.monotonic()
    daemon = Daemon(build, bus.address)
    if not bus.wait_for_name(timeout=300):
        raise RuntimeError("the daemon did not take its name")
    elapsed = time.monotonic() - t0
    return daemon, elapsed


def warm_calls(bus, calls):
    args = ("", "x86_64", "pc", "", 0)
    bus.call("GetDomainCapabilities", args, "(ssssu)")
    samples = []
    for _ in range(calls):
        t0 = time.perf_counter()
        bus.call("GetDomainCapabilities", args, "(ssssu)")
        samples.append((time.perf_counter() - t0) * 1000)
    samples.sort()
    return samples


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("build")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--calls", type=int, default=2000)
    opts = parser.parse_args()
    bus = PrivateBus()
    try:
        starts = []
        for _ in range(opts.runs):
            daemon, elapsed = start_to_ready(opts.build, bus)
            starts.append(elapsed)
            if len(starts) < opts.runs:
                daemon.stop()
        emulators = len(bus.call("ListEmulators", (), "()")[0])
        samples = warm_calls(bus, opts.calls)
        daemon.stop()
    finally:
        bus.down()
    print(f"start to ready ({emulators} emulators): median {statistics.median(starts):.2f} s"
          f" over {opts.runs} runs ({', '.join(f'{s:.2f}' for s in starts)})")
    p99 = samples[int(len(samples) * 0.99) - 1]
    print(f"warm GetDomainCapabilities: p50 {statistics.median(samples):.3f} ms,"
          f" p99 {p99:.3f} ms over {len(samples)} calls")


if __name__ == "__main__":
    main()
