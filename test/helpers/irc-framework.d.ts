/** The few parts of irc-framework (which ships no types) the tests use. */
declare module 'irc-framework' {
  export interface IrcEvent {
    nick: string;
    ident?: string;
    hostname?: string;
    target: string;
    message: string;
    channel?: string;
    kicked?: string;
    type?: string;
  }
  export class Client {
    constructor(options?: Record<string, unknown>);
    user: { nick: string };
    connect(options: { host: string; port: number; nick: string; username?: string; gecos?: string; auto_reconnect?: boolean; ping_interval?: number; ping_timeout?: number }): void;
    join(channel: string, key?: string): void;
    say(target: string, message: string): void;
    action(target: string, message: string): void;
    quit(message?: string): void;
    on(event: string, listener: (event: IrcEvent) => void): this;
    once(event: string, listener: (event: IrcEvent) => void): this;
  }
}
