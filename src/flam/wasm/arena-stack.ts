/**
 * LIFO bookkeeping of the WASM bump arena (assembly/arena.ts). Every opened block and every scan
 * holds the arena from its mark upwards. A released scan gives its memory back at once when it
 * is the newest holder, otherwise as soon as everything above it is released too; blocks are
 * only freed by `clear`. So `scan -> release` per block reuses the same memory for every block.
 */
export interface Hold {
  readonly mark: number;
  live: boolean;
}

export class ArenaStack {
  private holds: Hold[] = [];
  private readonly releaseTo: (mark: number) => void;

  constructor(releaseTo: (mark: number) => void) {
    this.releaseTo = releaseTo;
  }

  push(mark: number): Hold {
    const hold = { mark, live: true };
    this.holds.push(hold);
    return hold;
  }

  drop(hold: Hold): void {
    hold.live = false;
    let top = this.holds.at(-1);
    while (top !== undefined && !top.live) {
      this.holds.pop();
      this.releaseTo(top.mark);
      top = this.holds.at(-1);
    }
  }

  clear(): void {
    for (const hold of this.holds) hold.live = false;
    this.holds = [];
  }
}
