export { walkerEnv, WalkerEnv, walkerConfigCodec, walkerStateFromJson, type WalkerConfig, type WalkerFamily } from './walker-env.ts';
export { WALKER_XML, WALKER_BODIES, WALKER_JOINTS, WALKER_ACTUATORS, CONTROL_TIMESTEP, DEFAULT_EPISODE_STEPS } from './model.ts';
export { WALKER_TASKS, STAND_HEIGHT, WALK_SPEED, RUN_SPEED, SPIN_SPEED, standReward, moveReward, flipReward, taskReward, type WalkerTask, type WalkerFeatures } from './rewards.ts';
export { tolerance, sigmoidAt, type Sigmoid, type ToleranceOptions } from './tolerance.ts';
export { WALKER_OBS_DIM, WALKER_STATE_DIM, STATE_QPOS, STATE_QVEL, STATE_WARMSTART, STATE_TIME, STATE_STEP } from './physics.ts';
export { loadWalkerModel } from './loader.ts';
export { loadMujoco, includedFiles } from './mujoco.ts';
