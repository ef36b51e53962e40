"""Reference trajectories for Distillery's Car-on-Hill and Lagoudakis & Parr inverted pendulum
(test/envs/classic-ode.test.ts), written from the equations of MushroomRL's CarOnHill and CartPole
(the L&P pendulum) and integrated, as MushroomRL does, with scipy's odeint over each 0.1 s step.

Run: python3 bench/reference/mushroom_envs.py > /tmp/mushroom-reference.json
     python3 bench/reference/mushroom_envs.py --deviation   (how far odeint at its default
     tolerances, what MushroomRL runs, strays from the 1e-13 solution in the first 10 steps of each case)
Prints one JSON object: per env, cases {state, controls, steps}; for Car-on-Hill the controls are
action indices (force -4 / 4), for the pendulum the total force of each step (action force plus
the noise, which the test cannot draw as NumPy would). Each step holds the state after it
integrated at rtol = atol = 1e-13 ("state"), the same with odeint's default tolerances
("state_default", what MushroomRL itself computes), the reward and whether it is absorbing.
"""
import json
import math
import sys

import numpy as np
from scipy.integrate import odeint

# --- Car-on-Hill (Ernst et al. 2005) ------------------------------------------------------------
G_COH, M_COH = 9.81, 1.0


def coh_deriv(y, _t, u):
    p, v = y
    if p < 0.0:
        d1, d2 = 2 * p + 1, 2.0
    else:
        d1 = 1 / (1 + 5 * p**2) ** 1.5
        d2 = -15 * p / (1 + 5 * p**2) ** 2.5
    return [v, (u - G_COH * M_COH * d1 - v**2 * M_COH * d1 * d2) / (M_COH * (1 + d1**2))]


def coh_outcome(p, v):
    if p < -1.0 or abs(v) > 3.0:
        return -1.0, True
    if p > 1.0 and abs(v) <= 3.0:
        return 1.0, True
    return 0.0, False


def coh_case(state, actions):
    s = np.array(state, dtype=np.float64)
    s_default = s.copy()
    steps = []
    for a in actions:
        u = [-4.0, 4.0][a]
        s = odeint(coh_deriv, s, [0, 0.1], args=(u,), rtol=1e-13, atol=1e-13)[-1]
        s_default = odeint(coh_deriv, s_default, [0, 0.1], args=(u,))[-1]
        r, done = coh_outcome(*s)
        steps.append({"state": s.tolist(), "state_default": s_default.tolist(), "reward": r, "terminated": bool(done)})
        if done:
            break
    return {"state": list(state), "controls": actions, "steps": steps}


# --- Lagoudakis & Parr inverted pendulum --------------------------------------------------------
M_P, M_C, L, G_P = 2.0, 8.0, 0.5, 9.8
ALPHA = 1 / (M_P + M_C)


def ip_deriv(y, _t, u):
    th, om = y
    acc = (G_P * math.sin(th) - ALPHA * M_P * L * 0.5 * om**2 * math.sin(2 * th) * 0.5 - ALPHA * math.cos(th) * u) / (
        2 / 3 * L - ALPHA * M_P * L * 0.5 * math.cos(th) ** 2
    )
    return [om, acc]


def wrap(a):
    two_pi = 2 * math.pi
    a = math.fmod(math.fmod(a, two_pi) + two_pi, two_pi)
    return a - two_pi if a > math.pi else a


def ip_case(state, forces):
    s = np.array(state, dtype=np.float64)
    s_default = s.copy()
    steps = []
    for u in forces:
        s = odeint(ip_deriv, s, [0, 0.1], args=(u,), rtol=1e-13, atol=1e-13)[-1]
        s[0] = wrap(s[0])
        s_default = odeint(ip_deriv, s_default, [0, 0.1], args=(u,))[-1]
        s_default[0] = wrap(s_default[0])
        done = abs(s[0]) > math.pi / 2
        steps.append({"state": s.tolist(), "state_default": s_default.tolist(), "reward": -1.0 if done else 0.0, "terminated": bool(done)})
        if done:
            break
    return {"state": list(state), "controls": forces, "steps": steps}


def ip_balanced_case(state, n):
    """A three-way controller on z = theta + 0.2 omega (push 50 N toward the fall beyond |z| > 0.1,
    else 0) with uniform noise in [-10, 10]: the pole stays up, the episode is long."""
    rng = np.random.default_rng(7)
    s = np.array(state, dtype=np.float64)
    forces = []
    for _ in range(n):
        z = s[0] + 0.2 * s[1]
        forces.append((50.0 if z > 0.1 else -50.0 if z < -0.1 else 0.0) + float(rng.uniform(-10, 10)))
        s = odeint(ip_deriv, s, [0, 0.1], args=(forces[-1],), rtol=1e-13, atol=1e-13)[-1]
        s[0] = wrap(s[0])
    return ip_case(state, forces)


def main():
    rng = np.random.default_rng(13)
    coh = [
        # MushroomRL's start, always accelerating right: not enough power, it rolls back
        coh_case([-0.5, 0.0], [1] * 12),
        # rocking: left then right, reaches the top
        coh_case([-0.5, 0.0], [0] * 6 + [1] * 30),
        # starting near the top, pushed left: falls off the left edge or over-speeds
        coh_case([0.4, 1.5], [1] * 10),
        coh_case([-0.9, -1.0], [0] * 10),
        coh_case([0.0, 0.0], [int(a) for a in rng.integers(0, 2, 25)]),
    ]
    ip = [
        ip_case([0.1, 0.0], [0.0] * 40),
        ip_case([-0.3, 0.2], [float(f) for f in [-50, 50, 0, 50, -50, 0, 0, 50] + list(rng.uniform(-60, 60, 20))]),
        ip_case([0.05, -0.5], [float(f) for f in rng.choice([-50.0, 0.0, 50.0], 30) + rng.uniform(-10, 10, 30)]),
        # near the wrap: a large angle integrates past pi
        ip_case([3.0, 2.0], [0.0, 0.0, 0.0]),
        ip_balanced_case([0.2, 0.0], 60),
    ]
    out = {"classic/car-on-hill": coh, "classic/inverted-pendulum-lp": ip}
    if "--deviation" in sys.argv:
        for env, cases in out.items():
            steps = [s for c in cases for s in c["steps"]]
            first = [s for c in cases for s in c["steps"][:10]]
            # the pendulum's angle is compared modulo 2 pi (pi and -pi are one state)
            wrapped = env.endswith("-lp")
            dev = max(
                abs(wrap(a - b) if wrapped and i == 0 else a - b)
                for s in first
                for i, (a, b) in enumerate(zip(s["state"], s["state_default"]))
            )
            print(f"{env}: {len(cases)} cases, {len(steps)} steps; over the first 10 steps of each case, max |odeint default - odeint 1e-13| = {dev:.2e}")
        return
    print(json.dumps(out))


if __name__ == "__main__":
    main()
