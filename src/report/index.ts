export * from './svg.ts';
export * from './line-spec.ts';
export * from './grid-map.ts';
export * from './grid-heatmap.ts';
export * from './walker-kinematics.ts';
export * from './walker-svg.ts';
export * from './curves.ts';
export * from './vega.ts';
