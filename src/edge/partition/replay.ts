/**
 * Replaying a partition's whole log in order with each visitor's profile as of each event: what
 * trigger backfill and rebuild need (the profile table holds only the latest profile). Profiles
 * are folded afresh in memory: one entry per visitor of the partition while the replay runs.
 */
import { openBlock, type FlamEvent } from "../../flam/index.ts";
import type { LogSource } from "./catch-up.ts";
import type { VisitorProfile } from "./contract.ts";
import { applyEvent } from "../../profile/index.ts";

/**
 * @example
 * replayLog(source, (event, profile) => engine.step(event, profile, "backfill"));
 */
export function replayLog(
  { log, store }: LogSource,
  visit: (event: FlamEvent, profile: VisitorProfile) => void,
): number {
  const profiles = new Map<string, VisitorProfile>();
  let n = 0;
  for (const meta of log.metas()) {
    const bytes = store.block(meta.first);
    if (bytes === undefined) throw new Error(`log block ${meta.first} is missing from storage`);
    for (const event of openBlock(bytes).events()) {
      const profile = applyEvent(profiles.get(event.visitor) ?? null, event);
      profiles.set(event.visitor, profile);
      visit(event, profile);
      n++;
    }
  }
  return n;
}
