import {
  activeWorldOf,
  applyPendingSwitch,
  startOnSettledWorld,
  type WorldsPorts,
} from '../worlds/worlds.js';
import type { MonitorWorlds } from './monitor.js';

/** The monitor's view of the worlds, over the same use cases the commands call (src/worlds/worlds.ts). */
export function monitorWorlds(ports: WorldsPorts): MonitorWorlds {
  return {
    firstWorld: ports.firstWorld,
    active: async (signal) => (await activeWorldOf(ports, signal)).name,
    applyPendingSwitch: async (signal) => {
      const outcome = await applyPendingSwitch(ports, signal);
      return outcome?.kind === 'switched' ? outcome.to.name : undefined;
    },
    startOnWorld: (start, signal) => startOnSettledWorld(ports, start, signal),
  };
}
