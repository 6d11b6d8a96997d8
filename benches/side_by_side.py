"""Runs W1-W4 in tapegrad and, when PyTorch is importable, in PyTorch, with
the same settings, and prints one table of medians, ranges and ratios.

    python3 benches/side_by_side.py                  # 1 and 2 threads, 5 repeats
    python3 benches/side_by_side.py --threads 1 --python /path/to/venv/bin/python

tapegrad's figures come from `cargo bench -p tapegrad-benches` with
RAYON_NUM_THREADS set: W1 and W2 from `--bench epoch`, which times whole
shuffled epochs on the real MNIST training set from fresh weights, as
train_mlp.py does (batch gathering included, data loading not), repeated
--repeats times; W3 per recorded op and W4 per call from their criterion
benches. PyTorch's come from the scripts in pytorch/, run with --threads
and --repeats. Medians are over the repeats and over criterion's samples;
the ratio is PyTorch's median over tapegrad's (above 1: tapegrad is
faster).
Standard library only.
"""

import argparse
import json
import os
import pathlib
import statistics
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
CRITERION = ROOT / "target" / "criterion"
PYTORCH = ROOT / "benches" / "pytorch"

# (row label, tapegrad id: a criterion id or "epoch/W1"-style for the epoch
#  bench, scale of its seconds, PyTorch workload and variant, scale of
#  PyTorch's seconds per unit)
ROWS = [
    ("W1 epoch, s", "epoch/W1", 1.0, "W1", "train epoch", 1.0),
    ("W2 epoch, s", "epoch/W2", 1.0, "W2", "train epoch", 1.0),
    ("W3 forward, ns/op", "tape_overhead/W3/forward", 1e9 / 1000, "W3", "forward", 1e9),
    ("W3 forward+backward, ns/op", "tape_overhead/W3/forward+backward", 1e9 / 1000,
     "W3", "forward+backward", 1e9),
    ("W4 forward, ms", "W4/forward", 1e3, "W4", "forward", 1e3),
    ("W4 forward+backward, ms", "W4/forward+backward", 1e3, "W4", "forward+backward", 1e3),
]


def tapegrad_samples(threads, repeats):
    """tapegrad's seconds by id (see ROWS), for one thread count."""
    env = dict(os.environ, RAYON_NUM_THREADS=str(threads))
    bench = ["cargo", "bench", "-q", "-p", "tapegrad-benches", "--bench"]
    samples = {}
    out = subprocess.run([*bench, "epoch", "--", "--repeats", str(repeats)], cwd=ROOT, env=env,
                         check=True, capture_output=True, text=True).stdout
    for line in out.splitlines():
        record = json.loads(line)
        samples[f"epoch/{record['workload']}"] = record["seconds"]
    for name in ["tape_overhead", "w4_matmul"]:
        subprocess.run([*bench, name], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    for meta_path in CRITERION.glob("**/new/benchmark.json"):
        meta = json.loads(meta_path.read_text())
        sample = json.loads((meta_path.parent / "sample.json").read_text())
        samples[meta["full_id"]] = [t * 1e-9 / i for t, i in zip(sample["times"], sample["iters"])]
    return samples


def torch_available(python):
    return subprocess.run([python, "-c", "import torch"], capture_output=True).returncode == 0


def pytorch_samples(python, threads, repeats):
    """PyTorch's seconds per unit by (workload, variant), for one thread count."""
    samples = {}
    runs = [["train_mlp.py", "--workload", "W1"], ["train_mlp.py", "--workload", "W2"],
            ["tape_overhead.py"], ["matmul.py"]]
    for run in runs:
        out = subprocess.run([python, *run, "--threads", str(threads), "--repeats", str(repeats)],
                             cwd=PYTORCH, check=True, capture_output=True, text=True).stdout
        for line in out.splitlines():
            record = json.loads(line)
            samples[(record["workload"], record["variant"])] = record["seconds"]
    return samples


def summary(values):
    return statistics.median(values), min(values), max(values)


def cell(stats):
    if stats is None:
        return "-"
    median, low, high = stats
    return f"{median:.4g} ({low:.4g}-{high:.4g})"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--repeats", type=int, default=5, help="epochs and PyTorch repeats")
    parser.add_argument("--python", default=sys.executable, help="the Python that has torch")
    args = parser.parse_args()
    with_torch = torch_available(args.python)
    if not with_torch:
        print(f"PyTorch is not importable by {args.python}: tapegrad only", file=sys.stderr)
    print("| Workload | Threads | tapegrad | PyTorch | PyTorch / tapegrad |")
    print("|---|---|---|---|---|")
    for threads in args.threads:
        ours = tapegrad_samples(threads, args.repeats)
        theirs = pytorch_samples(args.python, threads, args.repeats) if with_torch else {}
        for label, bench_id, scale, workload, variant, their_scale in ROWS:
            mine = summary([s * scale for s in ours[bench_id]]) if bench_id in ours else None
            other = theirs.get((workload, variant))
            other = summary([s * their_scale for s in other]) if other else None
            ratio = f"{other[0] / mine[0]:.2f}" if mine and other else "-"
            print(f"| {label} | {threads} | {cell(mine)} | {cell(other)} | {ratio} |")


if __name__ == "__main__":
    main()
