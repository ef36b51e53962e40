"""PyTorch reference for bench/td3bc.ts: TD3+BC updates (Fujimoto & Gu 2021): actor 24-256-256-6
(tanh), twin critics 30-256-256-1 (one Adam over both, as the paper's code), batch 256, target
policy smoothing 0.2 clipped 0.5, actor every 2 critic updates with lambda = 2.5 / mean|Q1|, Polyak
tau 0.005, on normalised states; truly one CPU thread. Same computation as src/algos/td3bc, written
for timing. With --no-bc: TD3 (src/algos/td3), the actor maximising Q1 alone on raw states.
Prints one JSON line: {"steps_per_s": ...}. Usage: td3bc_torch.py STEPS [--no-bc]"""
import copy
import json
import os
import sys
import time

# Truly one thread: Debian's torch runs GEMMs in OpenBLAS, whose pool ignores
# torch.set_num_threads(1); the pool size is read when torch is imported, so set it first.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import torch
import torch.nn as nn

steps = int(sys.argv[1])
bc = "--no-bc" not in sys.argv[2:]
torch.set_num_threads(1)
torch.manual_seed(0)
S, A, B = 24, 6, 256
gamma, tau, alpha, policy_noise, noise_clip = 0.99, 0.005, 2.5, 0.2, 0.5


def mlp(i, o, out=None):
    layers = [nn.Linear(i, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, o)]
    return nn.Sequential(*(layers + ([out] if out else [])))


actor = mlp(S, A, nn.Tanh())
actor_t = copy.deepcopy(actor)
critics = nn.ModuleList([mlp(S + A, 1), mlp(S + A, 1)])
critics_t = copy.deepcopy(critics)
actor_opt = torch.optim.Adam(actor.parameters(), lr=3e-4)
critic_opt = torch.optim.Adam(critics.parameters(), lr=3e-4)

N = 20000
data_s = torch.randn(N, S)
data_a = torch.rand(N, A) * 2 - 1
data_r = torch.randn(N, 1)
data_s2 = torch.randn(N, S)
data_d = (torch.rand(N, 1) < 0.01).float()
mean, std = data_s.mean(0), data_s.std(0) + 1e-3
it = 0


def step():
    global it
    idx = torch.randint(0, N, (B,))
    s, a, r, s2, d = data_s[idx], data_a[idx], data_r[idx], data_s2[idx], data_d[idx]
    if bc:
        s, s2 = (s - mean) / std, (s2 - mean) / std
    with torch.no_grad():
        noise = (torch.randn_like(a) * policy_noise).clamp(-noise_clip, noise_clip)
        a2 = (actor_t(s2) + noise).clamp(-1, 1)
        sa2 = torch.cat([s2, a2], 1)
        y = r + gamma * (1 - d) * torch.min(critics_t[0](sa2), critics_t[1](sa2))
    sa = torch.cat([s, a], 1)
    critic_loss = ((critics[0](sa) - y) ** 2).mean() + ((critics[1](sa) - y) ** 2).mean()
    critic_opt.zero_grad(set_to_none=True)
    critic_loss.backward()
    critic_opt.step()
    it += 1
    if it % 2 == 0:
        pi = actor(s)
        q = critics[0](torch.cat([s, pi], 1))
        if bc:
            lmbda = alpha / q.abs().mean().detach()
            actor_loss = -lmbda * q.mean() + ((pi - a) ** 2).mean()
        else:
            actor_loss = -q.mean()
        actor_opt.zero_grad(set_to_none=True)
        actor_loss.backward()
        actor_opt.step()
        with torch.no_grad():
            for net, tgt in [(actor, actor_t), (critics, critics_t)]:
                for p, pt in zip(net.parameters(), tgt.parameters()):
                    pt.mul_(1 - tau).add_(p, alpha=tau)
    return critic_loss


for _ in range(max(2, steps // 10)):
    step()
start = time.perf_counter()
for _ in range(steps):
    loss = step()
loss.item()
elapsed = time.perf_counter() - start
print(json.dumps({"steps_per_s": steps / elapsed, "torch": torch.__version__, "openblas_threads": os.environ["OPENBLAS_NUM_THREADS"]}))
