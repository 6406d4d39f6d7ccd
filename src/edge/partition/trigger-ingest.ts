/**
 * Triggers on the write path (docs/triggers.md, "Evaluation"): after a batch is stored, each
 * accepted event is folded into its visitor's trigger state in batch order, with the visitor's
 * profile as of that event; what fires is acted on:
 * - in-page actions go back in the answer, on the outcome of the event that fired them;
 * - every firing is appended to the log as a `$fired` event, carrying the tag action's
 *   properties, so tags reach the profile through the ordinary fold and a replay knows it fired;
 * - webhooks become outbox rows, written with the batch and delivered by the alarm.
 */
import type { FlamEvent } from "../../flam/index.ts";
import type { Action } from "../../triggers/index.ts";
import type { IngestOutcome, InPageAction, VisitorProfile } from "./contract.ts";
import type { WebhookRequest } from "./outbox.ts";
import { applyEvent } from "../../profile/index.ts";
import { FIRED_EVENT, type Firing, type TriggerEngine } from "./trigger-engine.ts";

/** What a batch's firings ask the partition to do. */
export interface BatchEffects {
  /** `$fired` events to append (and fold) after the batch. */
  fired: FlamEvent[];
  webhooks: WebhookRequest[];
}

/**
 * Steps the engine over the batch's accepted events and attaches in-page actions to their
 * outcomes. `before` holds the visitors' profiles as they were before the batch.
 *
 * @example
 * const before = derived.profiles.load(visitors);
 * const outcomes = await ingest(source, derived, events);
 * const effects = evaluateBatch(engine, events, outcomes, before, Date.now());
 */
export function evaluateBatch(
  engine: TriggerEngine,
  events: readonly FlamEvent[],
  outcomes: IngestOutcome[],
  before: ReadonlyMap<string, { profile: VisitorProfile }>,
  now: number,
): BatchEffects {
  const effects: BatchEffects = { fired: [], webhooks: [] };
  const profiles = new Map<string, VisitorProfile>();
  events.forEach((event, i) => {
    const outcome = outcomes[i];
    if (outcome?.status !== "accepted") return;
    const prior = profiles.get(event.visitor) ?? before.get(event.visitor)?.profile ?? null;
    // The engine reads only properties, which change only with visitorProperties: folding the
    // other events (a copy of the counts map each) would be most of this loop's cost. A fold
    // that skipped some counts can only differ when a profile is at its size bound.
    let profile = prior;
    if (prior === null || hasKeys(event.visitorProperties)) {
      profile = applyEvent(prior, event);
      profiles.set(event.visitor, profile);
    }
    const firings = engine.step(event, profile!, "live");
    if (firings.length === 0) return;
    const inPage: InPageAction[] = [];
    for (const f of firings) act(f, event, now, inPage, effects);
    if (inPage.length > 0) outcomes[i] = { ...outcome, actions: inPage };
  });
  return effects;
}

function hasKeys(o: object): boolean {
  for (const _ in o) return true;
  return false;
}

function act(
  f: Firing,
  event: FlamEvent,
  now: number,
  inPage: InPageAction[],
  effects: BatchEffects,
): void {
  const tags: Record<string, FlamEvent["visitorProperties"][string]> = {};
  f.actions.forEach((a: Action, n) => {
    if (a.type === "inPage")
      inPage.push({ trigger: f.trigger, name: f.name, event: event.id, payload: a.payload });
    else if (a.type === "tag") Object.assign(tags, a.set);
    else {
      const id = `${event.id}/${f.trigger}/${f.version}/${n}`;
      effects.webhooks.push({
        id,
        trigger: f.trigger,
        triggerVersion: f.version,
        visitor: event.visitor,
        event: event.id,
        url: a.url,
        secret: a.secret,
        body: JSON.stringify({
          id,
          trigger: { id: f.trigger, name: f.name, version: f.version },
          visitor: event.visitor,
          event: { id: event.id, name: event.name, time: event.time },
          firedAt: now,
        }),
      });
    }
  });
  effects.fired.push({
    id: `${event.id}/${f.trigger}/${f.version}`,
    visitor: event.visitor,
    name: FIRED_EVENT,
    time: event.time,
    receivedAt: now,
    properties: { trigger: f.trigger, version: f.version, event: event.id, name: f.name },
    visitorProperties: tags,
  });
}
