/** @module Progress lines on stderr while a run goes on: step number and elapsed time on each. */

export class Progress {
  private readonly startedMs = Date.now();
  step = 0;

  constructor(private readonly steps: number) {}

  next(): void {
    this.step++;
  }

  line(text: string): void {
    const seconds = Math.round((Date.now() - this.startedMs) / 1000);
    const clock = `${String(Math.floor(seconds / 60)).padStart(2, '0')}:${String(seconds % 60).padStart(2, '0')}`;
    const width = String(this.steps).length;
    process.stderr.write(`[${String(this.step).padStart(width)}/${this.steps} ${clock}] ${text}\n`);
  }
}
