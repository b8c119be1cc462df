// Bench-only worker for `npm run bench`: runs one measuring task per message
// ({ id, task, args } → { id, result } or { id, error }).
import { mirrorThroughput } from './task-mirror.js';
import { instanceCreation } from './task-instances.js';
import { rotationVersusHotSwap } from './task-rotation.js';

const TASKS = Object.freeze({
  mirror: mirrorThroughput,
  instances: instanceCreation,
  rotation: rotationVersusHotSwap,
});

self.onmessage = async ({ data: { id, task, args } }) => {
  try {
    if (!TASKS[task]) throw new Error(`unknown bench task ${task}`);
    self.postMessage({ id, result: await TASKS[task](args) });
  } catch (error) {
    self.postMessage({ id, error: String(error?.stack ?? error) });
  }
};
