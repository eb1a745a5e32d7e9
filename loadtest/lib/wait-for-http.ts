// Polls a loopback HTTP endpoint until it answers (startup of a child process under test).
import http from 'node:http';

export interface WaitForHttpOptions {
  /** Accept any status (the server is up) instead of only 200. Default false. */
  readonly anyStatus?: boolean;
  readonly timeoutMs?: number;
  /** Gives up early when this returns a reason (e.g. the child exited). */
  readonly abortReason?: () => string | undefined;
}

export async function waitForHttp(
  port: number,
  path: string,
  options: WaitForHttpOptions = {},
): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  for (;;) {
    const ok = await new Promise<boolean>((resolve) =>
      http
        .get({ host: '127.0.0.1', port, path, agent: false, timeout: 2000 }, (res) => {
          res.resume();
          resolve(options.anyStatus === true || res.statusCode === 200);
        })
        .on('error', () => resolve(false))
        .on('timeout', function (this: http.ClientRequest) {
          this.destroy();
        }),
    );
    if (ok) return;
    const reason = options.abortReason?.();
    if (reason !== undefined) throw new Error(reason);
    if (Date.now() > deadline) throw new Error(`nothing answers on 127.0.0.1:${port}${path}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
