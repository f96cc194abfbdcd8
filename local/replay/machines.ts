/**
 * A state machine named by topology key, deployed name or ARN → its topology key. On its own (no
 * runtime imports) so the CLI bundle's replay path does not pull in the emulators (dynalite's native
 * LevelDB binding cannot load from the bundle).
 */
import { STATE_MACHINES, type StateMachineKey } from '../../lib/topology';

export function machineKeyOf(ref: string): StateMachineKey | undefined {
  const keys = Object.keys(STATE_MACHINES) as StateMachineKey[];
  return (
    keys.find((k) => k === ref) ??
    keys.find((k) => ref.split(/[:/]/).pop()?.includes(STATE_MACHINES[k].id) ?? false)
  );
}
