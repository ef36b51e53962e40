"""PyTorch reference for bench/distill.ts: Adam steps of a 25-256-256-6 MLP (ReLU, tanh output)
on an MSE loss to fixed targets, one CPU thread. Prints one JSON line: {"steps_per_s": ...}.
Usage: distill_torch.py BATCH STEPS"""
import sys

from torch_common import mlp, time_steps, torch

batch, steps = int(sys.argv[1]), int(sys.argv[2])
net = mlp(25, 6, out=torch.nn.Tanh())
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


time_steps(step, steps, 5)
