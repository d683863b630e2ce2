// POSTs to the server under test from another process (bench/http-load-child.mjs): the load
// generator's CPU is then not the server's, as with a user's load generator. Used by the creation
// part and bench/ab.ts's creation mode.
import { type ChildProcess, fork } from "node:child_process";
import { fileURLToPath } from "node:url";

export interface HttpRound {
  /** The whole URL POSTed to. */
  url: string;
  body: unknown;
  calls: number;
  callers: number;
}

export interface HttpRoundResult {
  /** From the first request to the last answer. */
  ms: number;
  /** Each call's time, request to answer. */
  callMs: number[];
  /** The load generator's own CPU time during the round. */
  cpuMs: number;
}

const CHILD = fileURLToPath(new URL("./http-load-child.mjs", import.meta.url));

export class HttpLoad {
  private constructor(private readonly child: ChildProcess) {}

  static start(): HttpLoad {
    // No TypeScript loader or inspector flags of this process: the child is plain JavaScript.
    return new HttpLoad(fork(CHILD, [], { execArgv: [], stdio: ["ignore", "inherit", "inherit", "ipc"] }));
  }

  /** One round; rejects with the first failed call's answer. */
  run(round: HttpRound): Promise<HttpRoundResult> {
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`the HTTP load process exited (${code})`));
      this.child.once("exit", onExit);
      this.child.once("message", (m: HttpRoundResult | { error: string }) => {
        this.child.off("exit", onExit);
        if ("error" in m) reject(new Error(m.error));
        else resolve(m);
      });
      this.child.send(round);
    });
  }

  stop(): void {
    this.child.kill();
  }
}
