"""What the PyTorch timing references share: one CPU thread for real, a fixed seed, the ReLU MLPs
they build, the Polyak step, and the warm-up-then-time loop that prints the one JSON line
bench/harness.ts reads. Import it before torch: `from torch_common import torch, ...`. The scripts
run as `python3 bench/reference/<script>.py`, which puts this folder on sys.path."""
import json
import os
import time

# Debian's torch runs GEMMs in OpenBLAS, whose pool ignores torch.set_num_threads(1) and is sized
# when torch is imported: pin it to one thread before the import.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import torch  # noqa: E402  (after the thread pinning above)
import torch.nn as nn  # noqa: E402

torch.set_num_threads(1)
torch.manual_seed(0)


def mlp(inputs, outputs, out=None, hidden=256, depth=2):
    """inputs → `depth` ReLU layers of `hidden` → outputs, then `out` (a module) if given."""
    layers = [nn.Linear(inputs, hidden), nn.ReLU()]
    for _ in range(depth - 1):
        layers += [nn.Linear(hidden, hidden), nn.ReLU()]
    layers.append(nn.Linear(hidden, outputs))
    return nn.Sequential(*(layers + ([out] if out else [])))


def polyak(pairs, tau):
    """target ← (1 − tau)·target + tau·online for each (online, target) module pair."""
    with torch.no_grad():
        for net, tgt in pairs:
            for p, pt in zip(net.parameters(), tgt.parameters()):
                pt.mul_(1 - tau).add_(p, alpha=tau)


def time_steps(step, steps, min_warmup):
    """Warms up with max(min_warmup, steps // 10) calls, times `steps` calls and prints the JSON line.
    A step that returns a tensor is read (.item()) once after the loop, so the timing covers its work."""
    for _ in range(max(min_warmup, steps // 10)):
        step()
    start = time.perf_counter()
    last = None
    for _ in range(steps):
        last = step()
    if hasattr(last, "item"):
        last.item()
    elapsed = time.perf_counter() - start
    print(json.dumps({"steps_per_s": steps / elapsed, "torch": torch.__version__, "openblas_threads": os.environ["OPENBLAS_NUM_THREADS"]}))
