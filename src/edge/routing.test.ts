import { describe, expect, it } from "vitest";
import { BUCKETS, checkPartitions, evenPartitions, type Project } from "./registry/project.ts";
import { bucketOf, groupByPartition, partitionOf } from "./routing.ts";

const project = (count: number): Project => ({
  id: "demo",
  name: "Demo",
  partitions: evenPartitions(count),
  domains: [],
});

describe("routing", () => {
  it("hashes a visitor to the same bucket every time, and projects apart", () => {
    expect(bucketOf("demo", "v1")).toBe(bucketOf("demo", "v1"));
    const spread = new Set(Array.from({ length: 200 }, (_, i) => bucketOf("demo", `v${i}`)));
    expect(spread.size).toBeGreaterThan(180);
    const same = Array.from(
      { length: 50 },
      (_, i) => bucketOf("a", `v${i}`) === bucketOf("b", `v${i}`),
    ).filter(Boolean);
    expect(same.length).toBeLessThan(5);
  });

  it("maps every bucket to the range that holds it", () => {
    const p = project(3);
    expect(partitionOf(p, 0)).toBe("p0");
    expect(partitionOf(p, BUCKETS - 1)).toBe("p2");
    for (const r of p.partitions) {
      expect(partitionOf(p, r.from)).toBe(r.partition);
      expect(partitionOf(p, r.to)).toBe(r.partition);
    }
  });

  it("splits a batch by partition and keeps each partition's events in batch order", () => {
    const p = project(8);
    const events = Array.from({ length: 100 }, (_, i) => ({ visitor: `v${i % 13}`, seq: i }));
    const groups = groupByPartition(p, events, (e) => e.visitor);
    let total = 0;
    for (const items of groups.values()) {
      total += items.length;
      const seqs = items.map(([, e]) => e.seq);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
      for (const [i, e] of items) expect(events[i]).toBe(e);
    }
    expect(total).toBe(100);
    // One visitor, one partition.
    const owner = new Map<string, string>();
    for (const [partition, items] of groups)
      for (const [, e] of items)
        expect(owner.get(e.visitor) ?? (owner.set(e.visitor, partition), partition)).toBe(
          partition,
        );
  });

  it("accepts only maps that cover every bucket once", () => {
    expect(() => checkPartitions(evenPartitions(5))).not.toThrow();
    expect(() => checkPartitions([{ from: 0, to: 10, partition: "p0" }])).toThrow(/cover/);
    expect(() =>
      checkPartitions([
        { from: 0, to: 2000, partition: "p0" },
        { from: 2002, to: BUCKETS - 1, partition: "p1" },
      ]),
    ).toThrow(/contiguous/);
  });
});
