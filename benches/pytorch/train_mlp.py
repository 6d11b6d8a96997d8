"""W1 and W2: one training epoch of a ReLU MLP on the 60,000 MNIST training
images, with CrossEntropyLoss on logits and Adam (lr 1e-3), shuffled each
epoch; the last batch may be short, as with DataLoader's default.

W1: 784->32 relu->10, batch 32. W2: 784->512 relu->512 relu->10, batch 128.
Each repeat times one epoch from freshly initialised weights; loading the
data is not timed. Prints the final-batch loss on stderr as a sanity check.

    python train_mlp.py --workload W1 --threads 1 --repeats 5
"""

import sys
import time

import torch
from torch import nn

from common import emit, parse_args
from mnist import load_train

WORKLOADS = {
    "W1": {"widths": [784, 32, 10], "batch": 32},
    "W2": {"widths": [784, 512, 512, 10], "batch": 128},
}


def mlp(widths):
    """Linear layers of the given widths with ReLU between them."""
    layers = []
    for i, (fan_in, fan_out) in enumerate(zip(widths, widths[1:])):
        if i > 0:
            layers.append(nn.ReLU())
        layers.append(nn.Linear(fan_in, fan_out))
    return nn.Sequential(*layers)


def epoch(model, optimizer, images, labels, batch, generator):
    """One shuffled pass over the data; returns the last batch's loss."""
    loss_fn = nn.CrossEntropyLoss()
    order = torch.randperm(images.shape[0], generator=generator)
    for start in range(0, images.shape[0], batch):
        idx = order[start:start + batch]
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(model(images[idx]), labels[idx])
        loss.backward()
        optimizer.step()
    return loss.item()


def main():
    args = parse_args(__doc__.splitlines()[0], lambda p: p.add_argument(
        "--workload", choices=sorted(WORKLOADS), required=True))
    spec = WORKLOADS[args.workload]
    pixels, targets = load_train()
    images, labels = torch.from_numpy(pixels), torch.from_numpy(targets)
    seconds = []
    for repeat in range(args.repeats):
        torch.manual_seed(repeat)
        model = mlp(spec["widths"])
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
        generator = torch.Generator().manual_seed(repeat)
        start = time.perf_counter()
        loss = epoch(model, optimizer, images, labels, spec["batch"], generator)
        seconds.append(time.perf_counter() - start)
        print(f"{args.workload} repeat {repeat}: last batch loss {loss:.4f}", file=sys.stderr)
    emit(args.workload, "train epoch", args, "epoch", seconds)


if __name__ == "__main__":
    main()
