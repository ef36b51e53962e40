"""PyTorch reference for bench/distill.ts' distill-kl rows: Adam steps of the Gaussian student
25-256-256-12 (ReLU, tanh outputs [mu | log sigma]) on KL(student || teacher) to a frozen Gaussian
teacher 17-256-256-12 evaluated every step, one CPU thread. Prints one JSON line: {"steps_per_s": ...}.
Usage: distill_kl_torch.py BATCH STEPS"""
import sys

from torch_common import mlp, time_steps, torch

STATE, TASKS, ACT = 17, 8, 6
batch, steps = int(sys.argv[1]), int(sys.argv[2])


def actor(inputs):
    return mlp(inputs, 2 * ACT, out=torch.nn.Tanh())


student = actor(STATE + TASKS)
teacher = actor(STATE).requires_grad_(False)
opt = torch.optim.Adam(student.parameters(), lr=1e-4)
s = torch.randn(batch, STATE)
x = torch.cat([s, torch.nn.functional.one_hot(torch.zeros(batch, dtype=torch.long), TASKS).float()], 1)


def step():
    opt.zero_grad(set_to_none=True)
    with torch.no_grad():
        mu_t, log_std_t = teacher(s).chunk(2, 1)
    mu_s, log_std_s = student(x).chunk(2, 1)
    kl = (log_std_t - log_std_s) + 0.5 * (torch.exp(2 * (log_std_s - log_std_t)) + (mu_s - mu_t) ** 2 * torch.exp(-2 * log_std_t)) - 0.5
    loss = kl.sum(1).mean()
    loss.backward()
    opt.step()
    return loss


time_steps(step, steps, 5)
