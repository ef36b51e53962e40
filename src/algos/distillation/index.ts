export * from './losses.ts';
export * from './teacher.ts';
export * from './distiller.ts';
export * from './ranking.ts';
export * from './q-switch.ts';
