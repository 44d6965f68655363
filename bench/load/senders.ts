/**
 * @module Message sources. A window sender keeps a fixed number of its own messages in flight and
 * sends one more each time one comes back (closed loop: full speed, bounded queues). A rate sender
 * sends on a fixed schedule whatever happens (open loop: shows whether the server keeps up).
 */
import type { BenchClient } from './bench-client.js';
import { monotonicUs } from './clock.js';
import { markerText } from './marker.js';

export abstract class Sender {
  sent = 0;
  /** Own messages sent and not yet seen coming back. */
  inflight = 0;
  protected running = true;

  constructor(
    readonly id: number,
    protected readonly client: BenchClient,
    private readonly say: (text: string) => string,
    private readonly textBytes: number,
  ) {}

  /** One of this sender's messages came back to it. */
  returned(): void {
    this.inflight--;
  }

  stop(): void {
    this.running = false;
  }

  /** Sends `count` messages in one write, stamped now. */
  sendBatch(count: number): void {
    if (count <= 0) return;
    const ts = monotonicUs();
    const payloads: string[] = [];
    for (let i = 0; i < count; i++) payloads.push(this.say(markerText(this.id, ++this.sent, ts, this.textBytes)));
    this.inflight += count;
    this.client.send(payloads);
  }
}

export class WindowSender extends Sender {
  constructor(
    id: number,
    client: BenchClient,
    say: (text: string) => string,
    textBytes: number,
    private readonly window: number,
  ) {
    super(id, client, say, textBytes);
    // Returns within one read are answered together, in one write.
    client.afterRead = () => this.topUp();
  }

  start(): void {
    this.topUp();
  }

  private topUp(): void {
    if (this.running) this.sendBatch(this.window - this.inflight);
  }
}

export class RateSender extends Sender {
  /** Worst lateness behind the schedule, µs. */
  maxLagUs = 0;
  private timer: NodeJS.Timeout | undefined;
  private startedUs = 0;

  constructor(
    id: number,
    client: BenchClient,
    say: (text: string) => string,
    textBytes: number,
    private readonly perSecond: number,
  ) {
    super(id, client, say, textBytes);
  }

  start(): void {
    this.startedUs = monotonicUs();
    this.tick();
  }

  override stop(): void {
    super.stop();
    clearTimeout(this.timer);
  }

  /** Sends what the schedule says is due by now (catching up if late), then sleeps until the next. */
  private readonly tick = (): void => {
    if (!this.running) return;
    const now = monotonicUs();
    const intervalUs = 1e6 / this.perSecond;
    const due = Math.floor((now - this.startedUs) / intervalUs) + 1;
    if (due > this.sent) {
      this.maxLagUs = Math.max(this.maxLagUs, now - (this.startedUs + this.sent * intervalUs));
      this.sendBatch(due - this.sent);
    }
    const nextUs = this.startedUs + this.sent * intervalUs;
    this.timer = setTimeout(this.tick, Math.max(0, (nextUs - monotonicUs()) / 1000));
  };
}
