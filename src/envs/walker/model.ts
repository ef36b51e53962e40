/**
 * The planar walker of the DeepMind Control Suite, written as MJCF from its published
 * specification (docs/facts.md "DeepMind Control walker"): torso, then per side a thigh, a leg
 * and a foot; root joints slide z, slide x, hinge y; six limited hinges driven by motors.
 *
 * Values beyond docs/facts.md, taken from the public description of the dm_control model (and kept
 * because they change the dynamics): hip sits 0.05 to each side of the torso axis at its lower
 * end; the knee is at the thigh's lower end, the ankle at the leg's lower end with the foot's
 * centre 0.06 ahead of it; hinges turn about −y (positive hip = thigh forward), rooty about +y;
 * root joints have no damping or armature; joint limits use solimplimit "0 .99 .01"; body geoms
 * (contype 1, conaffinity 0) collide only with the floor (conaffinity 1). Rendering-only parts
 * (lights, cameras, materials, skybox) are left out: they do not affect the physics.
 *
 * Only attributes MuJoCo 2.2 understands are used, so the native reference benchmark (Debian's
 * libmujoco 2.2.2) loads the same file.
 */
export const WALKER_XML = `<mujoco model="planar walker">
  <option timestep="0.0025"/>
  <default>
    <joint damping="0.1" armature="0.01" limited="true" solimplimit="0 0.99 0.01"/>
    <geom contype="1" conaffinity="0" friction="0.7 0.1 0.1"/>
    <motor ctrlrange="-1 1" ctrllimited="true"/>
    <default class="limb">
      <geom type="capsule"/>
      <joint type="hinge" axis="0 -1 0"/>
    </default>
  </default>
  <worldbody>
    <geom name="floor" type="plane" conaffinity="1" size="250 0.8 0.2"/>
    <body name="torso" pos="0 0 1.3" childclass="limb">
      <joint name="rootz" type="slide" axis="0 0 1" limited="false" damping="0" armature="0"/>
      <joint name="rootx" type="slide" axis="1 0 0" limited="false" damping="0" armature="0"/>
      <joint name="rooty" type="hinge" axis="0 1 0" limited="false" damping="0" armature="0"/>
      <geom name="torso" size="0.07 0.3"/>
      <body name="right_thigh" pos="0 -0.05 -0.3">
        <joint name="right_hip" range="-20 100"/>
        <geom name="right_thigh" pos="0 0 -0.225" size="0.05 0.225"/>
        <body name="right_leg" pos="0 0 -0.7">
          <joint name="right_knee" pos="0 0 0.25" range="-150 0"/>
          <geom name="right_leg" size="0.04 0.25"/>
          <body name="right_foot" pos="0.06 0 -0.25">
            <joint name="right_ankle" pos="-0.06 0 0" range="-45 45"/>
            <geom name="right_foot" zaxis="1 0 0" size="0.05 0.1"/>
          </body>
        </body>
      </body>
      <body name="left_thigh" pos="0 0.05 -0.3">
        <joint name="left_hip" range="-20 100"/>
        <geom name="left_thigh" pos="0 0 -0.225" size="0.05 0.225"/>
        <body name="left_leg" pos="0 0 -0.7">
          <joint name="left_knee" pos="0 0 0.25" range="-150 0"/>
          <geom name="left_leg" size="0.04 0.25"/>
          <body name="left_foot" pos="0.06 0 -0.25">
            <joint name="left_ankle" pos="-0.06 0 0" range="-45 45"/>
            <geom name="left_foot" zaxis="1 0 0" size="0.05 0.1"/>
          </body>
        </body>
      </body>
    </body>
  </worldbody>
  <actuator>
    <motor name="right_hip" joint="right_hip" gear="100"/>
    <motor name="right_knee" joint="right_knee" gear="50"/>
    <motor name="right_ankle" joint="right_ankle" gear="20"/>
    <motor name="left_hip" joint="left_hip" gear="100"/>
    <motor name="left_knee" joint="left_knee" gear="50"/>
    <motor name="left_ankle" joint="left_ankle" gear="20"/>
  </actuator>
</mujoco>
`;

/** Bodies whose orientation is observed, in observation order (dm_control: every body but the world). */
export const WALKER_BODIES = ['torso', 'right_thigh', 'right_leg', 'right_foot', 'left_thigh', 'left_leg', 'left_foot'] as const;

/** Joints in qpos/qvel order, with the type each must have (MuJoCo mjtJoint: 2 slide, 3 hinge). */
export const WALKER_JOINTS = [
  ['rootz', 2],
  ['rootx', 2],
  ['rooty', 3],
  ['right_hip', 3],
  ['right_knee', 3],
  ['right_ankle', 3],
  ['left_hip', 3],
  ['left_knee', 3],
  ['left_ankle', 3],
] as const;

/** Actuators in action order. */
export const WALKER_ACTUATORS = ['right_hip', 'right_knee', 'right_ankle', 'left_hip', 'left_knee', 'left_ankle'] as const;

export const WALKER_NQ = 9;
export const WALKER_NU = 6;
/** dm_control's control step: 25 ms, i.e. 10 physics steps of 2.5 ms. */
export const CONTROL_TIMESTEP = 0.025;
/** dm_control's walker time limit: 25 s = 1000 control steps. */
export const DEFAULT_EPISODE_STEPS = 1000;
