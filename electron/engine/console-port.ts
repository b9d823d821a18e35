/**
 * A guest's console on a TCP port of the host's 127.0.0.1 (`console.tcpPort`), for `nc`/`telnet` in the user's own
 * terminal: fed from the console the engine already holds (its ring buffer's new bytes out, keystrokes to the
 * guest's serial port), so it works the same in every isolation, with no pasta. Never bound on another address.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { StringDecoder } from 'node:string_decoder';
import type { VmConsole } from './vm-console';

/** Where a console port listens: loopback only, whatever the file says. */
export const CONSOLE_HOST = '127.0.0.1';

export class ConsolePort {
  private server: Server | null = null;
  private readonly clients = new Set<Socket>();

  constructor(
    readonly port: number,
    private readonly console: VmConsole,
  ) {}

  /** Starts listening; resolves null once it does, else why not (the port taken, a privileged port, …). */
  open(): Promise<string | null> {
    if (this.server) return Promise.resolve(null);
    const server = createServer((socket) => this.serve(socket));
    return new Promise((resolve) => {
      server.once('error', (err: NodeJS.ErrnoException) =>
        resolve(`the console port ${CONSOLE_HOST}:${this.port} cannot be bound (${err.code ?? err.message})`),
      );
      server.listen({ host: CONSOLE_HOST, port: this.port, exclusive: true }, () => {
        this.server = server;
        resolve(null);
      });
    });
  }

  /** Stops listening and drops every client; resolves once the port is free again. */
  close(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const c of this.clients) c.destroy();
    this.clients.clear();
    if (!server) return Promise.resolve();
    return new Promise((resolve) => server.close(() => resolve()));
  }

  private serve(socket: Socket): void {
    this.clients.add(socket);
    // Output from the moment the client connects on, like a serial line; the backlog is `qnet logs`' job.
    const unsubscribe = this.console.buffer.subscribe((chunk) => socket.write(chunk));
    const decoder = new StringDecoder('utf8');
    socket.on('data', (data: Buffer) => {
      const text = decoder.write(data);
      if (text === '') return;
      const r = this.console.write(text);
      if (!r.ok) socket.write(`\r\n[qnet: ${r.error.message}]\r\n`);
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      unsubscribe();
      this.clients.delete(socket);
    });
  }
}
