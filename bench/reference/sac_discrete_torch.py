"""PyTorch reference for bench/sac-discrete.ts: discrete SAC updates (Christodoulou 2019) as the
OT-maze job makes them: one-hot states 64, 8 actions, actor 64-64-8 (softmax), twin critics
64-64-8 (one Adam over both), batch 64, fixed alpha 0.005, gamma 0.99, Polyak tau 0.01, lr 1e-3;
the target and actor loss as exact expectations over the actions; truly one CPU thread. Same
computation as src/algos/sac/sac-discrete.ts, written for timing.
Prints one JSON line: {"steps_per_s": ...}. Usage: sac_discrete_torch.py STEPS"""
import copy
import sys

from torch_common import mlp, polyak, time_steps, torch
import torch.nn as nn
import torch.nn.functional as F

steps = int(sys.argv[1])
S, A, H, B = 64, 8, 64, 64
gamma, tau, alpha, lr = 0.99, 0.01, 0.005, 1e-3


def net():
    return mlp(S, A, hidden=H, depth=1)


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
    polyak([(critics, critics_t)], tau)
    # The job's learners read their losses every update, as these do.
    return critic_loss.item(), actor_loss.item()


time_steps(step, steps, 2)
