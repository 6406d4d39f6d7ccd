/**
 * Visitor profiles (docs/partition.md, "Profiles"): the pure reducer the partition, its rebuild,
 * trigger evaluation and the browser's offline cache all fold events with, so each reaches the
 * same profile from the same events.
 */
export { applyEvent, applyEvents, MAX_PROFILE_UNITS, type VisitorProfile } from "./profile.ts";
