"""Prints the samples of finished criterion benchmarks as JSON lines in the
format of the PyTorch scripts in pytorch/, so both can be compared directly.

Reads target/criterion/*/.../new/{benchmark,sample}.json (written by
`cargo bench -p tapegrad-benches`) and prints, for each benchmark whose id
contains FILTER, `{"workload": ID, "impl": "tapegrad", "threads": N, "per":
..., "seconds": [...]}` with one entry per criterion sample: the sample's
mean time per iteration, or per throughput element with `--per-element`
(per op for W3, whose throughput counts ops). Standard library only.

    python3 benches/criterion_json.py --threads 1 tape_overhead --per-element
"""

import argparse
import json
import pathlib

CRITERION_DIR = pathlib.Path(__file__).resolve().parents[1] / "target" / "criterion"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("filter", nargs="?", default="",
                        help="only benchmarks whose full id contains this")
    parser.add_argument("--threads", type=int, required=True,
                        help="the RAYON_NUM_THREADS the benchmarks ran with")
    parser.add_argument("--per-element", action="store_true",
                        help="divide by the benchmark's throughput element count")
    args = parser.parse_args()
    for meta_path in sorted(CRITERION_DIR.glob("**/new/benchmark.json")):
        meta = json.loads(meta_path.read_text())
        if args.filter not in meta["full_id"]:
            continue
        sample = json.loads((meta_path.parent / "sample.json").read_text())
        divisor, per = 1, "iteration"
        if args.per_element:
            divisor, per = (meta.get("throughput") or {}).get("Elements", 1), "element"
        seconds = [t * 1e-9 / i / divisor for t, i in zip(sample["times"], sample["iters"])]
        print(json.dumps({
            "workload": meta["full_id"],
            "impl": "tapegrad",
            "threads": args.threads,
            "per": per,
            "seconds": seconds,
        }))


if __name__ == "__main__":
    main()
