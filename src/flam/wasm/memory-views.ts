/**
 * Typed views of the WASM memory that survive `memory.grow`: growing detaches the old buffer,
 * so every accessor re-creates the views when the buffer changed. Never keep a view across a
 * call that may grow; ask for it again.
 */
export class MemoryViews {
  private readonly memory: WebAssembly.Memory;
  private buffer: ArrayBuffer;
  private u8View: Uint8Array;
  private u32View: Uint32Array;
  private i32View: Int32Array;
  private f64View: Float64Array;

  constructor(memory: WebAssembly.Memory) {
    this.memory = memory;
    this.buffer = memory.buffer;
    this.u8View = new Uint8Array(this.buffer);
    this.u32View = new Uint32Array(this.buffer);
    this.i32View = new Int32Array(this.buffer);
    this.f64View = new Float64Array(this.buffer);
  }

  private refresh(): void {
    if (this.buffer === this.memory.buffer) return;
    this.buffer = this.memory.buffer;
    this.u8View = new Uint8Array(this.buffer);
    this.u32View = new Uint32Array(this.buffer);
    this.i32View = new Int32Array(this.buffer);
    this.f64View = new Float64Array(this.buffer);
  }

  get current(): ArrayBuffer {
    this.refresh();
    return this.buffer;
  }

  get u8(): Uint8Array {
    this.refresh();
    return this.u8View;
  }

  get u32(): Uint32Array {
    this.refresh();
    return this.u32View;
  }

  get i32(): Int32Array {
    this.refresh();
    return this.i32View;
  }

  get f64(): Float64Array {
    this.refresh();
    return this.f64View;
  }
}
