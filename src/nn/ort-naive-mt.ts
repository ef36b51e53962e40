/**
 * The naive multi-task PBRL update (src/algos/naive-mt, NaiveMtPbrl.update) on ONNX Runtime: per
 * task i it is the PBRL step graph (ort-pbrl.ts) with the task-conditioned actor π(s, i) reading
 * [s | task code] (encoded as Student.encode does) and task i's critics. The two graphs (critic
 * only; critic + delayed actor + Polyak targets) are shared by all tasks: the shared actor and its
 * target live in one training state, each task's critics and their Adam moments in their own, and
 * a run feeds the actor's state with task i's. β_ood, the draws and the actor's Adam step count
 * are the caller's and the shared actor's, as on tfjs.
 */
import type { NamedWeight } from './mlp.ts';
import { addNetState, batchFeeds, netWeights, weightReader, type OrtBatch } from './ort-learner.ts';
import { feedAdamScalars } from './ort-mlp.ts';
import { compilePbrlStep, pbrlStepMetrics, type CompiledPbrlStep, type OrtPbrlHyper, type OrtPbrlNoise } from './ort-pbrl.ts';
import { ADAM_DEFAULTS } from './adam.ts';
import { mlpSpec } from './mlp.ts';
import type { Feeds } from './ort-runtime.ts';
import { OrtState } from './ort-state.ts';
import { encodeStudentInput } from './ort-student.ts';
import { Student, studentSpec, type StudentSpec, type TaskEncoding } from './student.ts';

/** The PBRL hyper-parameters the naive learner reads (its actor is always deterministic, states raw). */
export type OrtNaiveMtHyper = Omit<OrtPbrlHyper, 'actorHead' | 'normalizeStates'>;

interface TaskState {
  readonly state: OrtState;
  updates: number;
}

const ACTOR_NETS = ['actor', 'actorTarget'] as const;
const CRITIC_NETS = ['critic', 'criticTarget'] as const;
const isActorEntry = (name: string): boolean => name.startsWith('actor');

/** NaiveMtPbrl's networks and optimizer state on ORT; weights() names them as NaiveMtPbrl.weights() does. */
export class OrtNaiveMt {
  readonly student: StudentSpec;
  private readonly hyper: OrtPbrlHyper;
  private readonly graphs: { critic: CompiledPbrlStep; both: CompiledPbrlStep };
  private readonly actor = new OrtState();
  private readonly tasks: TaskState[];
  private actorSteps = 0;

  constructor(
    readonly dims: { readonly obsDim: number; readonly actDim: number; readonly tasks: number },
    hyper: OrtNaiveMtHyper,
    encoding: TaskEncoding,
    /** NaiveMtPbrl.weights(): actor/, actorTarget/, critic/<i>/, criticTarget/<i>/. */
    initial: readonly NamedWeight[],
  ) {
    if (hyper.ensembleSize < 2) throw new Error('PBRL needs at least 2 critics (its uncertainty is their standard deviation)');
    const { obsDim, actDim } = dims;
    this.hyper = { ...hyper, actorHead: 'deterministic', normalizeStates: false };
    this.student = studentSpec({ stateDim: obsDim, actionDim: actDim, tasks: dims.tasks, encoding, hidden: [...hyper.hidden] });
    const actorSpec = Student.mlpSpecOf(this.student);
    const criticSpec = mlpSpec([obsDim + actDim, ...hyper.hidden, 1]);
    const take = weightReader(initial, 'naive multi-task PBRL');
    for (const net of ACTOR_NETS) addNetState(this.actor, net, actorSpec, undefined, take, net === 'actor');
    this.tasks = Array.from({ length: dims.tasks }, (_, i) => {
      const state = new OrtState();
      // The graph names task i's critics critic/…; the checkpoint critic/<i>/….
      const takeTask = (name: string): Float32Array => take(name.replace(/^(critic(?:Target)?)\//, `$1/${i}/`));
      for (const net of CRITIC_NETS) addNetState(state, net, criticSpec, hyper.ensembleSize, takeTask, net === 'critic');
      return { state, updates: 0 };
    });
    const actorInput = actorSpec.sizes[0];
    this.graphs = { critic: compilePbrlStep(obsDim, actDim, this.hyper, false, actorInput), both: compilePbrlStep(obsDim, actDim, this.hyper, true, actorInput) };
  }

  private taskOf(task: number): TaskState {
    const t = this.tasks[task];
    if (!t) throw new Error(`task index ${task} out of range [0, ${this.dims.tasks})`);
    return t;
  }

  /** Critic updates made for `task` (its β_ood step). */
  updateCount(task: number): number {
    return this.taskOf(task).updates;
  }

  /** Whether the next update of `task` moves the actor and the targets. */
  nextUpdatesActor(task: number): boolean {
    return (this.taskOf(task).updates + 1) % this.hyper.policyDelay === 0;
  }

  /** One update of `task` on its batch with the given draws and β_ood. Returns NaiveMtPbrl.update's metrics. */
  update(task: number, batch: OrtBatch, noise: OrtPbrlNoise, betaOod: number): Record<string, number> {
    const t = this.taskOf(task);
    const { obsDim, actDim: d } = this.dims;
    const B = batch.size;
    const withActor = this.nextUpdatesActor(task);
    const graph = withActor ? this.graphs.both : this.graphs.critic;
    const actorInput = Student.mlpSpecOf(this.student).sizes[0];
    const feeds: Feeds = {
      ...batchFeeds(batch, obsDim, [B, d]),
      actorObs: { data: encodeStudentInput(this.student, batch.observation, task), dims: [B, actorInput] },
      actorNextObs: { data: encodeStudentInput(this.student, batch.nextObservation, task), dims: [B, actorInput] },
      smoothing: { data: noise.smoothing, dims: [B, d] },
      oodNoise: { data: noise.ood, dims: [2 * this.hyper.oodSamples * B, d] },
      betaOod: { data: Float32Array.of(betaOod), dims: [] },
    };
    feedAdamScalars(feeds, 'critic/', { ...ADAM_DEFAULTS, lr: this.hyper.criticLr }, t.updates + 1);
    if (withActor) feedAdamScalars(feeds, 'actor/', { ...ADAM_DEFAULTS, lr: this.hyper.actorLr }, this.actorSteps + 1);
    this.actor.feeds(graph.reads.filter(isActorEntry), feeds);
    t.state.feeds(
      graph.reads.filter((n) => !isActorEntry(n)),
      feeds,
    );
    const actorUpdates = graph.updates.filter(([n]) => isActorEntry(n));
    const criticUpdates = graph.updates.filter(([n]) => !isActorEntry(n));
    const out = graph.session.run(feeds, [...graph.metrics, ...graph.updates.map(([, o]) => o)], { ...this.actor.targets(actorUpdates), ...t.state.targets(criticUpdates) });
    this.actor.commit(actorUpdates);
    t.state.commit(criticUpdates);
    t.updates += 1;
    if (withActor) this.actorSteps += 1;
    return { task, ...pbrlStepMetrics(out, betaOod, withActor) };
  }

  /** Weights named and ordered as NaiveMtPbrl.weights(). */
  weights(): NamedWeight[] {
    return [
      ...netWeights(this.actor, ACTOR_NETS),
      ...this.tasks.flatMap((t, i) => CRITIC_NETS.flatMap((net) => t.state.weights(`${net}/`).map((w) => ({ ...w, name: `${net}/${i}/${w.name}` })))),
    ];
  }

  dispose(): void {
    this.graphs.critic.session.dispose();
    this.graphs.both.session.dispose();
  }
}
