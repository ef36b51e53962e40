"""PyTorch reference for bench/sac-discrete.ts: discrete SAC updates (Christodoulou 2019) as the
OT-maze job makes them: one-hot states 64, 8 actions, actor 64-64-8 (softmax), twin critics
64-64-8 (one Adam over both), batch 64, fixed alpha 0.005, gamma 0.99, Polyak tau 0.01, lr 1e-3;
the target and actor loss as exact expectations over the actions; truly one CPU thread. Same
computation as src/algos/sac/sac-discrete.ts, written for timing.
Prints one JSON line: {"steps_per_s": ...}. Usage: sac_discrete_torch.py STEPS"""
import copy
import json
import os
import sys
import time

# Debian's torch runs GEMMs in OpenBLAS, whose pool ignores torch.set_num_threads(1) and is sized
# when torch is imported: pin it to one thread before the import.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import torch
import torch.nn as nn
import torch.nn.functional as F

steps = int(sys.argv[1])
torch.set_num_threads(1)
torch.manual_seed(0)
S, A, H, B = 64, 8, 64, 64
gamma, tau, alpha, lr = 0.99, 0.01, 0.005, 1e-3


def net():
    return nn.Sequential(nn.Linear(S, H), nn.ReLU(), nn.Linear(H, A))


actor = net()
critics = nn.ModuleList([net(), net()])
critics_t = copy.deepcopy(critics)
actor_opt = torch.optim.Adam(actor.parameters(), lr=lr)
critic_opt = torch.optim.Adam(critics.parameters(), lr=lr)

N = 10000
data_s = F.one_hot(torch.randint(0, S, (N,)), S).float()
data_s2 = F.one_hot(torch.randint(0, S, (N,)), S).float()
data_a = torch.randint(0, A, (N,))
data_r = torch.randn(N)
data_d = (torch.rand(N) < 0.01).float()


def step():
    idx = torch.randint(0, N, (B,))
    s, a, r, s2, d = data_s[idx], data_a[idx], data_r[idx], data_s2[idx], data_d[idx]
    with torch.no_grad():
        logp2 = F.log_softmax(actor(s2), 1)
        q2 = torch.min(critics_t[0](s2), critics_t[1](s2))
        y = r + gamma * (1 - d) * (logp2.exp() * (q2 - alpha * logp2)).sum(1)
    taken = a.unsqueeze(1)
    critic_loss = sum(((c(s).gather(1, taken).squeeze(1) - y) ** 2).mean() for c in critics)
    critic_opt.zero_grad(set_to_none=True)
    critic_loss.backward()
    critic_opt.step()
    with torch.no_grad():
        q = torch.min(critics[0](s), critics[1](s))
    logp = F.log_softmax(actor(s), 1)
    actor_loss = (logp.exp() * (alpha * logp - q)).sum(1).mean()
    actor_opt.zero_grad(set_to_none=True)
    actor_loss.backward()
    actor_opt.step()
    with torch.no_grad():
        for p, pt in zip(critics.parameters(), critics_t.parameters()):
            pt.mul_(1 - tau).add_(p, alpha=tau)
    # The job's learners read their losses every update, as these do.
    return critic_loss.item(), actor_loss.item()


for _ in range(max(2, steps // 10)):
    step()
start = time.perf_counter()
for _ in range(steps):
    step()
elapsed = time.perf_counter() - start
print(json.dumps({"steps_per_s": steps / elapsed, "torch": torch.__version__, "openblas_threads": os.environ["OPENBLAS_NUM_THREADS"]}))
