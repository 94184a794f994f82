// Accounting of bytes a transfer holds in memory, so the bound (parts in flight x part size) is testable.

export class ByteCounter {
  private heldBytes = 0;
  private peakBytes = 0;

  get held(): number {
    return this.heldBytes;
  }

  get peak(): number {
    return this.peakBytes;
  }

  acquire(n: number): void {
    this.heldBytes += n;
    if (this.heldBytes > this.peakBytes) {
      this.peakBytes = this.heldBytes;
    }
  }

  release(n: number): void {
    this.heldBytes -= n;
  }
}
