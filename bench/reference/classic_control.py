"""Reference trajectories for Distillery's classic-control envs (test/envs/classic.test.ts).

Gymnasium is not installable on these machines (no PyPI), so this is an independent reference
written from the equations in Gymnasium's classic_control sources (CartPole-v1, Acrobot-v1 with
the book dynamics and RK4, MountainCar-v0, MountainCarContinuous-v0, Pendulum-v1), in NumPy so
that every value keeps the dtype Gymnasium gives it under NumPy >= 2 (NEP 50): float64 states,
float32 actions, float32-stored state of the continuous mountain car, float32 observations.

Run: python3 bench/reference/classic_control.py > /tmp/classic-reference.json
Prints one JSON object: per env, a list of cases {state, actions, steps}; each step is
{obs (float32 values as doubles), reward, terminated, state (the float64 state after it)}.

python3 bench/reference/classic_control.py --float64-mcc replays the first continuous mountain car
case with every operation in float64 (the state still stored as float32) and prints how many of
its observations differ from the NumPy-2 dtype flow: why the env emulates it.
"""
import json
import math
import sys

import numpy as np

F32 = np.float32


# --- CartPole-v1 ------------------------------------------------------------------------------
def cartpole_step(state, action):
    x, x_dot, th, th_dot = (np.float64(v) for v in state)
    g, m_cart, m_pole, half_len, f_mag, tau = 9.8, 1.0, 0.1, 0.5, 10.0, 0.02
    m_total = m_pole + m_cart
    pml = m_pole * half_len
    f = f_mag if action == 1 else -f_mag
    c, s = np.cos(th), np.sin(th)
    tmp = (f + pml * np.square(th_dot) * s) / m_total
    th_acc = (g * s - c * tmp) / (half_len * (4.0 / 3.0 - m_pole * np.square(c) / m_total))
    x_acc = tmp - pml * th_acc * c / m_total
    nxt = np.array([x + tau * x_dot, x_dot + tau * x_acc, th + tau * th_dot, th_dot + tau * th_acc], dtype=np.float64)
    limit = 12 * 2 * math.pi / 360
    done = bool(nxt[0] < -2.4 or nxt[0] > 2.4 or nxt[2] < -limit or nxt[2] > limit)
    return nxt, np.array(nxt, dtype=F32), 1.0, done


# --- Acrobot-v1 -------------------------------------------------------------------------------
def acrobot_deriv(y, torque):
    m1 = m2 = 1.0
    l1 = 1.0
    lc1 = lc2 = 0.5
    i1 = i2 = 1.0
    g = 9.8
    t1, t2, w1, w2 = y
    d1 = m1 * lc1**2 + m2 * (l1**2 + lc2**2 + 2 * l1 * lc2 * np.cos(t2)) + i1 + i2
    d2 = m2 * (lc2**2 + l1 * lc2 * np.cos(t2)) + i2
    p2 = m2 * lc2 * g * np.cos(t1 + t2 - np.pi / 2.0)
    p1 = -m2 * l1 * lc2 * w2**2 * np.sin(t2) - 2 * m2 * l1 * lc2 * w2 * w1 * np.sin(t2) + (m1 * lc1 + m2 * l1) * g * np.cos(t1 - np.pi / 2) + p2
    a2 = (torque + d2 / d1 * p1 - m2 * l1 * lc2 * w1**2 * np.sin(t2) - p2) / (m2 * lc2**2 + i2 - d2**2 / d1)
    a1 = -(d2 * a2 + p1) / d1
    return np.array([w1, w2, a1, a2], dtype=np.float64)


def acrobot_step(state, action):
    y0 = np.array(state, dtype=np.float64)
    torque = [-1.0, 0.0, 1.0][action]
    h = 0.2
    k1 = acrobot_deriv(y0, torque)
    k2 = acrobot_deriv(y0 + h / 2.0 * k1, torque)
    k3 = acrobot_deriv(y0 + h / 2.0 * k2, torque)
    k4 = acrobot_deriv(y0 + h * k3, torque)
    y = y0 + h / 6.0 * (k1 + 2 * k2 + 2 * k3 + k4)
    for i in (0, 1):
        while y[i] > np.pi:
            y[i] -= 2 * np.pi
        while y[i] < -np.pi:
            y[i] += 2 * np.pi
    y[2] = min(max(y[2], -4 * np.pi), 4 * np.pi)
    y[3] = min(max(y[3], -9 * np.pi), 9 * np.pi)
    done = bool(-np.cos(y[0]) - np.cos(y[1] + y[0]) > 1.0)
    obs = np.array([np.cos(y[0]), np.sin(y[0]), np.cos(y[1]), np.sin(y[1]), y[2], y[3]], dtype=F32)
    return y, obs, (0.0 if done else -1.0), done


# --- MountainCar-v0 ---------------------------------------------------------------------------
def mountain_car_step(state, action):
    p, v = np.float64(state[0]), np.float64(state[1])
    v = v + ((action - 1) * 0.001 + math.cos(3 * p) * (-0.0025))
    v = np.clip(v, -0.07, 0.07)
    p = np.clip(p + v, -1.2, 0.6)
    if p == -1.2 and v < 0:
        v = 0
    done = bool(p >= 0.5 and v >= 0)
    nxt = np.array([p, v], dtype=np.float64)
    return nxt, np.array(nxt, dtype=F32), -1.0, done


# --- MountainCarContinuous-v0 -----------------------------------------------------------------
def mountain_car_continuous_step(state, action):
    # `state` holds NumPy scalars: float64 after reset, float32 after a step (see the caller).
    p, v = state[0], state[1]
    a = action[0]
    force = min(max(a, -1.0), 1.0)
    v = v + (force * 0.0015 - 0.0025 * math.cos(3 * p))
    if v > 0.07:
        v = 0.07
    if v < -0.07:
        v = -0.07
    p = p + v
    if p > 0.6:
        p = 0.6
    if p < -1.2:
        p = -1.2
    if p == -1.2 and v < 0:
        v = 0
    done = bool(p >= 0.45 and v >= 0)
    reward = (100.0 if done else 0.0) - math.pow(a, 2) * 0.1
    nxt = np.array([p, v], dtype=F32)
    return nxt, nxt.copy(), reward, done


# --- Pendulum-v1 ------------------------------------------------------------------------------
def pendulum_step(state, action):
    th, w = np.float64(state[0]), np.float64(state[1])
    u = np.clip(action, -2.0, 2.0)[0]
    norm = ((th + np.pi) % (2 * np.pi)) - np.pi
    cost = norm**2 + 0.1 * w**2 + 0.001 * (u**2)
    w2 = np.clip(w + (3 * 10.0 / (2 * 1.0) * np.sin(th) + 3.0 / (1.0 * 1.0**2) * u) * 0.05, -8, 8)
    nxt = np.array([th + w2 * 0.05, w2], dtype=np.float64)
    obs = np.array([np.cos(nxt[0]), np.sin(nxt[0]), nxt[1]], dtype=F32)
    return nxt, obs, float(-cost), False


def lcg_actions(n, k, seed):
    """Deterministic pseudo-random discrete actions (no RNG library involved)."""
    out, x = [], seed
    for _ in range(n):
        x = (1103515245 * x + 12345) % 2**31
        out.append((x >> 16) % k)
    return out


def run(step, state, actions, policy=None, limit=None):
    steps, s = [], state
    played = []
    for i in range(limit if policy else len(actions)):
        a = policy(s) if policy else actions[i]
        played.append(a)
        s, obs, r, done = step(s, np.array(a, dtype=F32) if isinstance(a, list) else a)
        steps.append({"obs": [float(o) for o in obs], "reward": float(r), "terminated": done, "state": [float(v) for v in s]})
        if done:
            break
    return {"actions": played, "steps": steps}


def case(step, state, actions=None, policy=None, limit=None, store=None):
    s = store(state) if store else state
    c = run(step, s, actions, policy, limit)
    return {"state": [float(v) for v in state], **c}


def main():
    out = {}
    out["classic/cartpole"] = [
        case(cartpole_step, [0.01, -0.02, 0.03, 0.04], lcg_actions(80, 2, 1)),
        case(cartpole_step, [0.0, 0.0, 0.0, 0.0], [1] * 40),
        case(cartpole_step, [2.35, 1.0, 0.0, 0.0], [1] * 5),
    ]
    f32 = lambda xs: [float(F32(x)) for x in xs]  # Acrobot's reset state is float32
    out["classic/acrobot"] = [
        case(acrobot_step, f32([0.05, -0.03, 0.02, 0.01]), lcg_actions(60, 3, 7)),
        case(acrobot_step, [2.8, 0.3, 3.0, -2.0], [2] * 10),
        case(acrobot_step, [3.0, 3.0, 12.0, 27.0], [0, 1, 2, 2, 1]),
    ]
    pump = lambda s: 2 if s[1] >= 0 else 0
    out["classic/mountain-car"] = [
        case(mountain_car_step, [-0.5234567890123, 0.0], policy=pump, limit=200),
        case(mountain_car_step, [-1.19, -0.05], [0, 0, 1, 2]),
        case(mountain_car_step, [-0.45, 0.0], lcg_actions(40, 3, 3)),
    ]
    f64_state = lambda s: [np.float64(v) for v in s]  # as reset leaves it
    f32_state = lambda s: [F32(v) for v in s]  # as a step leaves it
    pump_c = lambda s: [1.0] if s[1] >= 0 else [-1.0]
    mixed = [[0.3], [-0.7], [1.5], [-2.0], [0.123456789], [1.0], [-1.0], [0.0], [0.999], [-0.25]] * 3
    out["classic/mountain-car-continuous"] = [
        case(mountain_car_continuous_step, [-0.5234567890123, 0.0], policy=pump_c, limit=999, store=f64_state),
        case(mountain_car_continuous_step, [-0.4, 0.0], mixed, store=f64_state),
        case(mountain_car_continuous_step, f32([-1.19, -0.05]), [[-1.0], [-0.5], [0.2]], store=f32_state),
        case(mountain_car_continuous_step, f32([0.44, 0.0069]), [[0.5]], store=f32_state),
        case(mountain_car_continuous_step, f32([0.443, 0.0069]), [[0.5]], store=f32_state),
        case(mountain_car_continuous_step, f32([-0.3, 0.0699]), [[1.7], [1.0], [0.2]], store=f32_state),
    ]
    torques = [[2.0], [-2.0], [0.5], [3.0], [-2.5], [0.1234567], [1.999], [-0.001]] * 5
    out["classic/pendulum"] = [
        case(pendulum_step, [2.5, -0.7], torques),
        case(pendulum_step, [7.0, 8.0], [[0.0], [2.0], [-2.0]]),
        case(pendulum_step, [-4.0, -7.9], [[-2.0], [-2.0], [1.0]]),
        case(pendulum_step, [0.0, 0.0], [[2.0]]),
    ]
    if "--float64-mcc" in sys.argv:
        ref = out["classic/mountain-car-continuous"][0]
        s64 = [np.float64(v) for v in ref["state"]]
        differ, worst = 0, 0.0
        for a, step in zip(ref["actions"], ref["steps"]):
            s64 = [np.float64(v) for v in mountain_car_continuous_step(s64, np.array(a, dtype=np.float64))[0]]
            gap = max(abs(float(x) - y) for x, y in zip(s64, step["obs"]))
            differ += gap > 0
            worst = max(worst, gap)
        print(json.dumps({"steps": len(ref["steps"]), "observations_differing": differ, "largest_difference": worst}))
        return
    print(json.dumps(out))


if __name__ == "__main__":
    main()
