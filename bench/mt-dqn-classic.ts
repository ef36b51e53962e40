/**
 * MT-DQN against single-task DQN on Gymnasium's CartPole-v1, Acrobot-v1 and MountainCar-v0 with
 * the same network, hyper-parameters and per-task budget (D'Eramo et al. 2020's setup, without
 * their Car-on-Hill and inverted pendulum). One seed per call, this thread, the fastest backend.
 *
 *   node --conditions=distillery-source --import tsx bench/mt-dqn-classic.ts [steps] [seed] [evalEvery]
 *
 * Prints one JSON object: per run (multi-task, then each task alone) the greedy return of every
 * task at each evaluation (10 episodes), and the wall time.
 */
import trainMtDqnJob from '../src/jobs/train-mt-dqn.ts';

const [steps = 10_000, seed = 0, evalEvery = 2_500] = process.argv.slice(2).map(Number);
const tasks = ['classic/cartpole', 'classic/acrobot', 'classic/mountain-car'].map((env) => ({ env, task: 'default' }));
const run = (which: typeof tasks) =>
  trainMtDqnJob({ tasks: which, hyper: {}, steps, evalEvery, evalEpisodes: 10, seed, backend: 'auto', metricsEvery: steps }, { report: () => {} });

const multi = await run(tasks);
const single = [];
for (const t of tasks) single.push(await run([t]));
console.log(JSON.stringify({ steps, seed, multi, single }));
