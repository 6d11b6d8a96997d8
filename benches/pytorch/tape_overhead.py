"""W3: the autograd fixed cost per op. A chain of 1,000 elementwise ops
(`x = x * w + b`, 500 times) on 16-element float32 tensors that all require
gradients, forward only (the graph is still recorded) and forward plus
backward seeded with ones. Reports seconds per op: the time of one chain
divided by 1,000, averaged over `--calls` chains per repeat.

    python tape_overhead.py --threads 1 --repeats 5
"""

import torch

from common import emit, parse_args, seconds_per_call

LEN = 16
OPS = 1_000


def main():
    args = parse_args(__doc__.splitlines()[0], lambda p: p.add_argument(
        "--calls", type=int, default=50, help="chains timed per repeat"))
    gen = torch.Generator().manual_seed(0)
    x = (torch.rand(LEN, generator=gen) * 2 - 1).requires_grad_()
    w = (0.5 + 0.4 * torch.rand(LEN, generator=gen)).requires_grad_()
    b = (0.2 * torch.rand(LEN, generator=gen) - 0.1).requires_grad_()
    seed = torch.ones(LEN)

    def forward():
        y = x
        for _ in range(OPS // 2):
            y = y * w + b
        return y

    def forward_backward():
        for v in (x, w, b):
            v.grad = None
        forward().backward(seed)

    for variant, fn in (("forward", forward), ("forward+backward", forward_backward)):
        seconds_per_call(fn, 5)
        seconds = [seconds_per_call(fn, args.calls) / OPS for _ in range(args.repeats)]
        emit("W3", variant, args, "op", seconds)


if __name__ == "__main__":
    main()
