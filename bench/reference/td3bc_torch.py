"""PyTorch reference for bench/td3bc.ts: TD3+BC updates (Fujimoto & Gu 2021): actor 24-256-256-6
(tanh), twin critics 30-256-256-1 (one Adam over both, as the paper's code), batch 256, target
policy smoothing 0.2 clipped 0.5, actor every 2 critic updates with lambda = 2.5 / mean|Q1|, Polyak
tau 0.005, on normalised states; truly one CPU thread. Same computation as src/algos/td3bc, written
for timing. With --no-bc: TD3 (src/algos/td3), the actor maximising Q1 alone on raw states.
Prints one JSON line: {"steps_per_s": ...}. Usage: td3bc_torch.py STEPS [--no-bc]"""
import copy
import sys

from torch_common import mlp, nn, polyak, time_steps, torch

steps = int(sys.argv[1])
bc = "--no-bc" not in sys.argv[2:]
S, A, B = 24, 6, 256
gamma, tau, alpha, policy_noise, noise_clip = 0.99, 0.005, 2.5, 0.2, 0.5


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
        polyak([(actor, actor_t), (critics, critics_t)], tau)
    return critic_loss


time_steps(step, steps, 2)
