"""Shared plumbing for the PyTorch baselines: the `--threads`/`--repeats`
command line, a timer, and the JSON line each script prints per measurement.

Every script prints one JSON object per line on stdout, for example
`{"workload": "W4", "variant": "forward+backward", "impl": "pytorch",
"threads": 1, "per": "call", "seconds": [...]}`: `seconds` holds one entry
per repeat, each the time of one `per` unit (an epoch, an op, a call).
"""

import argparse
import json
import time

import torch


def parse_args(description, extra=None):
    """Parses `--threads N` and `--repeats R` (plus whatever `extra` adds to
    the parser) and applies the thread count to PyTorch."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--threads", type=int, default=1,
                        help="intra-op threads, passed to torch.set_num_threads")
    parser.add_argument("--repeats", type=int, default=5,
                        help="timed repeats; each gives one entry of 'seconds'")
    if extra is not None:
        extra(parser)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    return args


def seconds_per_call(fn, calls):
    """Wall-clock seconds per call of `fn`, averaged over `calls` calls."""
    start = time.perf_counter()
    for _ in range(calls):
        fn()
    return (time.perf_counter() - start) / calls


def emit(workload, variant, args, per, seconds):
    """Prints one measurement as a JSON line."""
    print(json.dumps({
        "workload": workload,
        "variant": variant,
        "impl": "pytorch",
        "torch": torch.__version__,
        "threads": args.threads,
        "per": per,
        "seconds": seconds,
    }), flush=True)
