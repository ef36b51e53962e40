"""PyTorch reference for bench/pbrl.ts: PBRL update steps (actor 24-256-256-6, 5 critics
30-256-256-1 each with its own Adam, batch 1024, in-distribution target from target networks with
the std penalty, OOD MSE on 3 noisy copies of pi(s) and pi(s'), actor every 2 critic updates,
Polyak targets), one CPU thread. Same computation as src/algos/pbrl/pbrl.ts, written for timing.
Prints one JSON line: {"steps_per_s": ...}. Usage: pbrl_torch.py STEPS [HIDDEN BATCH] (default 256 1024)"""
import copy
import sys

from torch_common import mlp, nn, polyak, time_steps, torch

steps = int(sys.argv[1])
H = int(sys.argv[2]) if len(sys.argv) > 2 else 256
B = int(sys.argv[3]) if len(sys.argv) > 3 else 1024
S, A, K, M = 24, 6, 5, 3
gamma, tau, beta_in = 0.99, 0.005, 0.001


actor = mlp(S, A, nn.Tanh(), hidden=H)
actor_t = copy.deepcopy(actor)
critics = [mlp(S + A, 1, hidden=H) for _ in range(K)]
critics_t = [copy.deepcopy(c) for c in critics]
actor_opt = torch.optim.Adam(actor.parameters(), lr=1e-4)
critic_opts = [torch.optim.Adam(c.parameters(), lr=1e-4) for c in critics]

N = 20000
data_s = torch.randn(N, S)
data_a = torch.rand(N, A) * 2 - 1
data_r = torch.randn(N)
data_s2 = torch.randn(N, S)
data_d = (torch.rand(N) < 0.01).float()
it = 0


def step():
    global it
    idx = torch.randint(0, N, (B,))
    s, a, r, s2, d = data_s[idx], data_a[idx], data_r[idx], data_s2[idx], data_d[idx]
    beta_ood = max(3.0 * 0.99995 ** it, 0.1)
    with torch.no_grad():
        noise = (torch.randn(B, A) * 0.2).clamp(-0.5, 0.5)
        a2 = (actor_t(s2) + noise).clamp(-1, 1)
        sa2 = torch.cat([s2, a2], 1)
        q2 = torch.stack([c(sa2).squeeze(1) for c in critics_t])
        y = r + gamma * (1 - d) * (q2 - beta_in * q2.std(0))
        pi = actor(s).repeat(M, 1)
        pi2 = actor(s2).repeat(M, 1)
        ood_s = torch.cat([s.repeat(M, 1), s2.repeat(M, 1)])
        ood_a = (torch.cat([pi, pi2]) + (torch.randn(2 * M * B, A) * 0.01).clamp(-0.5, 0.5)).clamp(-1, 1)
    sa = torch.cat([s, a], 1)
    sa_ood = torch.cat([ood_s, ood_a], 1)
    q_in = [c(sa).squeeze(1) for c in critics]
    q_ood = [c(sa_ood).squeeze(1) for c in critics]
    with torch.no_grad():
        qo = torch.stack(q_ood)
        y_ood = (qo - beta_ood * qo.std(0)).clamp(min=0)
    for k in range(K):
        loss = ((q_in[k] - y[k]) ** 2).mean() + ((q_ood[k] - y_ood[k]) ** 2).mean()
        critic_opts[k].zero_grad(set_to_none=True)
        loss.backward()
        critic_opts[k].step()
    it += 1
    if it % 2 == 0:
        pa = actor(s)
        sp = torch.cat([s, pa], 1)
        qmin = torch.stack([c(sp).squeeze(1) for c in critics]).min(0).values
        actor_loss = -qmin.mean()
        actor_opt.zero_grad(set_to_none=True)
        actor_loss.backward()
        actor_opt.step()
        polyak([(actor, actor_t)] + list(zip(critics, critics_t)), tau)


time_steps(step, steps, 2)
