"""W4: the float32 product `[256, 512] x [512, 512]` with both operands
requiring gradients, forward only (the graph is still recorded) and forward
plus backward to both inputs seeded with ones. Reports seconds per call,
averaged over `--calls` calls per repeat.

    python matmul.py --threads 1 --repeats 5
"""

import torch

from common import emit, parse_args, seconds_per_call

M, K, N = 256, 512, 512


def main():
    args = parse_args(__doc__.splitlines()[0], lambda p: p.add_argument(
        "--calls", type=int, default=20, help="calls timed per repeat"))
    gen = torch.Generator().manual_seed(0)
    a = (torch.rand(M, K, generator=gen) * 2 - 1).requires_grad_()
    b = (torch.rand(K, N, generator=gen) * 2 - 1).requires_grad_()
    seed = torch.ones(M, N)

    def forward():
        return a @ b

    def forward_backward():
        a.grad = None
        b.grad = None
        forward().backward(seed)

    for variant, fn in (("forward", forward), ("forward+backward", forward_backward)):
        seconds_per_call(fn, 3)
        seconds = [seconds_per_call(fn, args.calls) for _ in range(args.repeats)]
        emit("W4", variant, args, "call", seconds)


if __name__ == "__main__":
    main()
