"""PyTorch reference for bench/distill.ts: Adam steps of a 25-256-256-6 MLP (ReLU, tanh output)
on an MSE loss to fixed targets, one CPU thread. Prints one JSON line: {"steps_per_s": ...}.
Usage: distill_torch.py BATCH STEPS"""
import json
import os
import sys
import time

# Truly one thread: Debian's torch runs GEMMs in OpenBLAS, whose pool ignores
# torch.set_num_threads(1); the pool size is read when torch is imported, so set it first.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import torch

batch, steps = int(sys.argv[1]), int(sys.argv[2])
torch.set_num_threads(1)
torch.manual_seed(0)
net = torch.nn.Sequential(
    torch.nn.Linear(25, 256), torch.nn.ReLU(),
    torch.nn.Linear(256, 256), torch.nn.ReLU(),
    torch.nn.Linear(256, 6), torch.nn.Tanh(),
)
opt = torch.optim.Adam(net.parameters(), lr=1e-4)
x = torch.randn(batch, 25)
y = torch.rand(batch, 6) * 1.8 - 0.9
loss_fn = torch.nn.MSELoss()


def step():
    opt.zero_grad(set_to_none=True)
    loss = loss_fn(net(x), y)
    loss.backward()
    opt.step()
    return loss


for _ in range(max(5, steps // 10)):
    step()
start = time.perf_counter()
for _ in range(steps):
    loss = step()
loss.item()
elapsed = time.perf_counter() - start
print(json.dumps({"steps_per_s": steps / elapsed, "torch": torch.__version__, "openblas_threads": os.environ["OPENBLAS_NUM_THREADS"]}))
