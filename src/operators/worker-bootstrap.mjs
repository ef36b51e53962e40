// Worker threads do not inherit the TypeScript loader of the main thread: register it, then run
// the worker entry (whose URL the parent passes, so this file serves sources and compiled code).
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
