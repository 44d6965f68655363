/**
 * @module A load process: owns a share of the benchmark's connections, runs their senders, counts
 * and classifies every delivery, and answers the coordinator's requests over IPC. Started by
 * LoadPool with child_process.fork; one of these per core the generator may use.
 */
import { DeliveryTracker } from '../stats/delivery-tracker.js';
import { Histogram } from '../stats/histogram.js';
import { BenchClient, type ClientEvents } from './bench-client.js';
import { monotonicUs } from './clock.js';
import type { ConnectParams, ConnectResult, FinishResult, LoadApi, LoadMethod, LoadReply, LoadRequest, SenderSpec, Snapshot, StopResult } from './load-api.js';
import { PROTOCOLS, type ClientProtocol } from './protocols.js';
import { RateSender, WindowSender, type Sender } from './senders.js';

interface ConnectBatch {
  pending: number;
  startedUs: Map<BenchClient, number>;
  failed: Record<string, number>;
  setup: Histogram;
  settle(): void;
}

class LoadProcess implements ClientEvents {
  private clients: BenchClient[] = [];
  private protocol: ClientProtocol | undefined;
  private tracker: DeliveryTracker | undefined;
  /** Sender by the index of the client it sends from. */
  private senderAt = new Map<number, Sender>();
  private readonly latency = new Histogram();
  private measuring = false;
  /** Receive time of the current read, computed at most once per read and only while measuring. */
  private readUs = -1;
  private corruptCount = 0;
  private unexpectedMarkers = 0;
  private lostConnections: Record<string, number> = {};
  private lostCount = 0;
  private batch: ConnectBatch | undefined;

  readonly handlers: { [M in LoadMethod]: (params: LoadApi[M]['params']) => LoadApi[M]['result'] | Promise<LoadApi[M]['result']> } = {
    connect: (p) => this.connect(p),
    arm: ({ senders }) => {
      this.tracker = new DeliveryTracker(this.clients.length, senders);
      this.corruptCount = 0;
      return null;
    },
    startWindow: ({ senders, window, textBytes }) => {
      const started = senders.map((s) => this.addSender(s, (client, say) => new WindowSender(s.id, client, say, textBytes, window)));
      for (const sender of started) sender.start();
      return null;
    },
    startRate: ({ sender, perSecond, textBytes }) => {
      this.addSender(sender, (client, say) => new RateSender(sender.id, client, say, textBytes, perSecond)).start();
      return null;
    },
    sendNow: ({ sender, count, textBytes }) => {
      const existing = this.senderAt.get(sender.client);
      const s = existing ?? this.addSender(sender, (client, say) => new WindowSender(sender.id, client, say, textBytes, 0));
      s.sendBatch(count);
      return null;
    },
    stopSenders: () => this.stopSenders(),
    measure: ({ on }) => {
      if (on) this.latency.reset();
      this.measuring = on;
      return null;
    },
    snapshot: () => this.snapshot(),
    finish: ({ sent }) => this.finish(sent),
    closeAll: () => {
      for (const client of this.clients) client.destroy();
      this.clients = [];
      this.senderAt = new Map();
      this.tracker = undefined;
      this.lostConnections = {};
      this.lostCount = 0;
      this.unexpectedMarkers = 0;
      this.measuring = false;
      return null;
    },
  };

  // ---- ClientEvents ----

  marker(client: BenchClient, sender: number, seq: number, tsUs: number): void {
    const tracker = this.tracker;
    if (!tracker || client.index >= tracker.receivers) {
      this.unexpectedMarkers++;
      return;
    }
    tracker.record(client.index, sender, seq);
    const own = this.senderAt.get(client.index);
    if (own !== undefined && own.id === sender) own.returned();
    if (this.measuring) {
      if (this.readUs < 0) {
        this.readUs = monotonicUs();
        queueMicrotask(this.clearReadTime);
      }
      this.latency.record(this.readUs - tsUs);
    }
  }

  corrupt(): void {
    this.corruptCount++;
  }

  ready(client: BenchClient): void {
    const batch = this.batch;
    if (!batch) return;
    batch.setup.record(monotonicUs() - (batch.startedUs.get(client) ?? 0));
    batch.startedUs.delete(client);
    batch.pending--;
    batch.settle();
  }

  failed(client: BenchClient, reason: string): void {
    const batch = this.batch;
    if (!batch?.startedUs.delete(client)) return;
    batch.failed[reason] = (batch.failed[reason] ?? 0) + 1;
    batch.pending--;
    batch.settle();
  }

  lost(_client: BenchClient, reason: string): void {
    this.lostConnections[reason] = (this.lostConnections[reason] ?? 0) + 1;
    this.lostCount++;
  }

  // ---- requests ----

  private readonly clearReadTime = (): void => {
    this.readUs = -1;
  };

  private connect(p: ConnectParams): Promise<ConnectResult> {
    const protocol = PROTOCOLS[p.protocol];
    this.protocol = protocol;
    return new Promise((resolve) => {
      let launched = 0;
      let inProgress = 0;
      const batch: ConnectBatch = {
        pending: p.count,
        startedUs: new Map(),
        failed: {},
        setup: new Histogram(),
        settle: () => {
          inProgress = batch.startedUs.size;
          launch();
          if (batch.pending === 0) finish();
        },
      };
      this.batch = batch;
      const launch = (): void => {
        while (launched < p.count && inProgress < p.concurrency) {
          const client = new BenchClient(this.clients.length, protocol, this, p.join);
          this.clients.push(client);
          batch.startedUs.set(client, monotonicUs());
          // In turn, so receivers and senders (the first clients) are spread over every endpoint.
          client.connect(p.targets[launched % p.targets.length]!, p.localAddresses[launched % p.localAddresses.length]);
          launched++;
          inProgress++;
        }
      };
      const timer = setTimeout(() => {
        const unstarted = p.count - launched;
        if (unstarted > 0) batch.failed['not started (timeout)'] = unstarted;
        if (batch.startedUs.size > 0) batch.failed['timeout'] = batch.startedUs.size;
        for (const client of batch.startedUs.keys()) client.destroy();
        finish();
      }, p.timeoutMs);
      const finish = (): void => {
        clearTimeout(timer);
        this.batch = undefined;
        const ready = Object.values(batch.failed).reduce((a, b) => a - b, p.count);
        resolve({ ready, failed: batch.failed, setupUs: batch.setup.toData() });
      };
      if (p.count === 0) finish();
      else launch();
    });
  }

  private addSender<S extends Sender>(spec: SenderSpec, make: (client: BenchClient, say: (text: string) => string) => S): S {
    const client = this.clients[spec.client];
    if (!client || !this.protocol) throw new Error(`no client ${spec.client} to send from`);
    const sender = make(client, this.protocol.say);
    this.senderAt.set(spec.client, sender);
    return sender;
  }

  private stopSenders(): StopResult {
    const sent: Record<number, number> = {};
    let maxLagUs = 0;
    for (const sender of this.senderAt.values()) {
      sender.stop();
      sent[sender.id] = sender.sent;
      if (sender instanceof RateSender) maxLagUs = Math.max(maxLagUs, sender.maxLagUs);
    }
    return { sent, maxLagUs };
  }

  private snapshot(): Snapshot {
    const cpu = process.cpuUsage();
    let inflight = 0;
    let sent = 0;
    for (const sender of this.senderAt.values()) {
      inflight += sender.inflight;
      sent += sender.sent;
    }
    return {
      delivered: this.tracker?.delivered ?? 0,
      inflight,
      sent,
      lostConnections: this.lostCount,
      cpuUs: cpu.user + cpu.system,
      atUs: monotonicUs(),
    };
  }

  private finish(sent: number[]): FinishResult {
    const counts = this.tracker?.finish(sent) ?? { delivered: 0, expected: 0, lost: 0, duplicated: 0, reordered: 0, impossible: 0 };
    counts.impossible += this.unexpectedMarkers;
    return { counts, corrupt: this.corruptCount, lostConnections: { ...this.lostConnections }, latency: this.latency.toData() };
  }
}

const load = new LoadProcess();

process.on('message', (request: LoadRequest) => {
  const handler = load.handlers[request.method] as (params: unknown) => unknown;
  Promise.resolve()
    .then(() => handler(request.params))
    .then(
      (result) => process.send?.({ id: request.id, result } satisfies LoadReply),
      (err: unknown) => process.send?.({ id: request.id, error: err instanceof Error ? err.message : String(err) } satisfies LoadReply),
    );
});
// The coordinator going away means the benchmark is over.
process.on('disconnect', () => process.exit(0));
