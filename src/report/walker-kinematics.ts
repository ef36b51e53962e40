/**
 * Planar forward kinematics of the DeepMind Control walker: the capsule endpoints of its seven
 * bodies from qpos alone, in the x–z plane (the walker never leaves it).
 *
 * The report layer may not import the envs, so the geometry is written here as numbers; they are
 * those of the built-in model (src/envs/walker/model.ts, docs/facts.md), and test/report checks the
 * endpoints against MuJoCo's own forward kinematics (geom_xpos, geom_xmat) of that model.
 *
 * Conventions (MuJoCo's): a rotation by φ about +y maps local (x, z) to
 * (x cos φ + z sin φ, −x sin φ + z cos φ). rooty turns about +y, the six hinges about −y, so a
 * body's angle is its parent's minus its joint angle. A hinge whose anchor is not the body origin
 * turns the body about the anchor.
 */

/** Lengths and radii in metres (the body frames' offsets along the chain, and the capsules). */
export interface WalkerGeometry {
  /** Height of the torso's centre at qpos = 0 (the torso body's pos). */
  readonly torsoZ: number;
  /** Torso capsule half-length; the hips sit at its lower end. */
  readonly torsoHalf: number;
  readonly torsoRadius: number;
  /** Hip to knee (the thigh capsule runs along it). */
  readonly thighLength: number;
  readonly thighRadius: number;
  /** Knee to ankle (the leg capsule runs along it). */
  readonly legLength: number;
  readonly legRadius: number;
  /** How far ahead of the ankle (along the foot) the foot capsule's centre lies. */
  readonly footOffset: number;
  readonly footHalf: number;
  readonly footRadius: number;
}

export const WALKER_GEOMETRY: WalkerGeometry = {
  torsoZ: 1.3,
  torsoHalf: 0.3,
  torsoRadius: 0.07,
  thighLength: 0.45,
  thighRadius: 0.05,
  legLength: 0.5,
  legRadius: 0.04,
  footOffset: 0.06,
  footHalf: 0.1,
  footRadius: 0.05,
};

/** Segments in drawing and output order (the envs' body order). */
export const WALKER_SEGMENTS = ['torso', 'right_thigh', 'right_leg', 'right_foot', 'left_thigh', 'left_leg', 'left_foot'] as const;
export const SEGMENT_COUNT = WALKER_SEGMENTS.length;
/** Values per segment in a pose: x0, z0, x1, z1 (the capsule's axis, end to end). */
export const SEGMENT_VALUES = 4;
/** Values per pose. */
export const POSE_VALUES = SEGMENT_COUNT * SEGMENT_VALUES;
/** qpos entries the walker has: rootz, rootx, rooty, right hip/knee/ankle, left hip/knee/ankle. */
export const WALKER_QPOS = 9;

export const segmentRadii = (g: WalkerGeometry = WALKER_GEOMETRY): Float64Array =>
  Float64Array.of(g.torsoRadius, g.thighRadius, g.legRadius, g.footRadius, g.thighRadius, g.legRadius, g.footRadius);

/**
 * Writes the pose of qpos[offset .. offset+9) into out[at .. at+28): per segment the endpoints
 * (x0, z0, x1, z1). Torso: top then bottom; thigh: hip then knee; leg: knee then ankle; foot:
 * heel then toe (along its capsule axis). Returns out.
 */
export const walkerPose = (qpos: ArrayLike<number>, offset: number, out: Float64Array, at = 0, g: WalkerGeometry = WALKER_GEOMETRY): Float64Array => {
  const rootz = qpos[offset];
  const rootx = qpos[offset + 1];
  const rooty = qpos[offset + 2];
  const cx = rootx;
  const cz = g.torsoZ + rootz;
  // Torso axis (local +z) in the world: (sin φ, cos φ).
  const tx = Math.sin(rooty);
  const tz = Math.cos(rooty);
  out[at] = cx + g.torsoHalf * tx;
  out[at + 1] = cz + g.torsoHalf * tz;
  out[at + 2] = cx - g.torsoHalf * tx;
  out[at + 3] = cz - g.torsoHalf * tz;
  const hipX = out[at + 2];
  const hipZ = out[at + 3];
  for (let side = 0; side < 2; side++) {
    const q = offset + 3 + 3 * side;
    const o = at + SEGMENT_VALUES * (1 + 3 * side);
    let phi = rooty - qpos[q];
    // A body's local −z (down its limb) in the world: (−sin φ, −cos φ).
    const kneeX = hipX - g.thighLength * Math.sin(phi);
    const kneeZ = hipZ - g.thighLength * Math.cos(phi);
    out[o] = hipX;
    out[o + 1] = hipZ;
    out[o + 2] = kneeX;
    out[o + 3] = kneeZ;
    phi -= qpos[q + 1];
    const ankleX = kneeX - g.legLength * Math.sin(phi);
    const ankleZ = kneeZ - g.legLength * Math.cos(phi);
    out[o + 4] = kneeX;
    out[o + 5] = kneeZ;
    out[o + 6] = ankleX;
    out[o + 7] = ankleZ;
    phi -= qpos[q + 2];
    // The foot lies along its local +x: (cos φ, −sin φ).
    const fx = Math.cos(phi);
    const fz = -Math.sin(phi);
    const centreX = ankleX + g.footOffset * fx;
    const centreZ = ankleZ + g.footOffset * fz;
    out[o + 8] = centreX - g.footHalf * fx;
    out[o + 9] = centreZ - g.footHalf * fz;
    out[o + 10] = centreX + g.footHalf * fx;
    out[o + 11] = centreZ + g.footHalf * fz;
  }
  return out;
};

/**
 * Poses of `count` rows of a row-major array whose rows hold `stride` values with qpos starting at
 * `offset` (a dataset's physics column: stride = state dim, offset = where qpos starts).
 */
export const walkerPoses = (rows: ArrayLike<number>, count: number, stride: number, offset = 0, g: WalkerGeometry = WALKER_GEOMETRY): Float64Array => {
  const out = new Float64Array(count * POSE_VALUES);
  for (let r = 0; r < count; r++) walkerPose(rows, r * stride + offset, out, r * POSE_VALUES, g);
  return out;
};
