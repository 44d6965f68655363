/** @module A raw IRC test client on a real socket: writes lines, reads CR LF lines and parses them with the door's own parser. */
import net from 'node:net';
import tls from 'node:tls';
import { parseIrc, type IrcMessage } from '../../src/protocol/irc/irc-message.js';
import { Inbox } from './inbox.js';

export class IrcClient {
  /** Every line received, without its CR LF. */
  readonly lines = new Inbox<string>();
  readonly messages = new Inbox<IrcMessage>();
  /** Lines that did not end in CR LF (the server must always send CR LF). */
  readonly bareLf: string[] = [];
  private partial = '';

  private constructor(readonly socket: net.Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      const parts = (this.partial + chunk).split('\n');
      this.partial = parts.pop() ?? '';
      for (const raw of parts) {
        if (!raw.endsWith('\r')) this.bareLf.push(raw);
        const line = raw.replace(/\r$/, '');
        this.lines.push(line);
        const parsed = parseIrc(line);
        if (parsed.ok) this.messages.push(parsed.message);
      }
    });
    socket.on('close', () => this.end());
    socket.on('error', () => this.end());
  }

  static connect(port: number): Promise<IrcClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ port, host: '127.0.0.1' }, () => resolve(new IrcClient(socket)));
      socket.once('error', reject);
    });
  }

  /** Connects over TLS, trusting `ca` (the test's own certificate). */
  static connectTls(port: number, ca: Buffer): Promise<IrcClient> {
    return new Promise((resolve, reject) => {
      const socket = tls.connect({ port, host: '127.0.0.1', ca, servername: 'localhost' }, () => resolve(new IrcClient(socket)));
      socket.once('error', reject);
    });
  }

  /** Registers as `nick` on this connection; resolves once the MOTD (or 422) ends the welcome burst. */
  async register(nick: string): Promise<this> {
    this.send(`NICK ${nick}`);
    this.send(`USER ${nick} 0 * :${nick} test`);
    await this.next('001');
    await this.next((m) => m.command === '376' || m.command === '422');
    return this;
  }

  /** Connects and registers as `nick`; resolves once the MOTD (or 422) ends the welcome burst. */
  static async registered(port: number, nick: string): Promise<IrcClient> {
    return (await IrcClient.connect(port)).register(nick);
  }

  send(line: string): void {
    this.socket.write(line + '\r\n');
  }

  writeRaw(bytes: string | Buffer): void {
    this.socket.write(bytes);
  }

  /** The next message with this command (or matching), moving past the ones before it. */
  next(match: string | ((m: IrcMessage) => boolean), timeoutMs = 5000): Promise<IrcMessage> {
    const test = typeof match === 'string' ? (m: IrcMessage) => m.command === match : match;
    return this.messages.next(test, timeoutMs, typeof match === 'string' ? match : 'a matching IRC message');
  }

  close(): void {
    this.socket.destroy();
  }

  private end(): void {
    this.lines.close();
    this.messages.close();
  }
}
