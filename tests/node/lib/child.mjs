// Runs an example (or a tool such as nginx) as a child process from the repository root and
// collects its output line by line, so a test can wait for what the example printed.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import { join } from 'node:path';
import { ROOT, sleep } from './harness.mjs';

export const EXAMPLES_README = readFileSync(join(ROOT, 'examples', 'README.md'), 'utf8');

// The one command examples/README.md gives for an example, split into argv, so that a test runs
// the example exactly as the README tells a user to. Fails when the README does not have it.
export function readmeCommand(cmd) {
  if (!EXAMPLES_README.includes(`\`${cmd}\``)) throw new Error(`examples/README.md has no \`${cmd}\``);
  return cmd.split(' ');
}

export function runChild(cmd, args = [], { env = {}, cwd = ROOT } = {}) {
  // stdin stays an open pipe: `esbuild --serve` stops when its stdin closes.
  const proc = spawn(cmd, args, { cwd, env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (d) => { stdout += d; });
  proc.stderr.on('data', (d) => { stderr += d; });
  const exited = new Promise((res) => proc.on('exit', (code, signal) => res({ code, signal })));
  return {
    proc, exited,
    stdout: () => stdout,
    stderr: () => stderr,
    lines: () => stdout.split('\n').filter(Boolean),
    // Waits until pred(lines) holds; fails with the output when the child exits or time runs out.
    async until(pred, what, ms = 30000) {
      const deadline = Date.now() + ms;
      for (;;) {
        if (pred(this.lines())) return this.lines();
        if (proc.exitCode !== null || proc.signalCode !== null || Date.now() > deadline) {
          throw new Error(`${cmd} ${args.join(' ')}: no ${what} (${proc.exitCode ?? proc.signalCode ?? 'timeout'})\n` +
            `stdout:\n${stdout}\nstderr:\n${stderr}`);
        }
        await sleep(25);
      }
    },
    async stop(signal = 'SIGTERM') {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
      const r = await exited;
      clearTimeout(t);
      return r;
    },
  };
}

// Runs a command to its end; resolves {code, stdout, stderr}.
export async function runToEnd(cmd, args = [], opts = {}) {
  const c = runChild(cmd, args, opts);
  c.proc.stdin.end();
  const { code } = await c.exited;
  return { code, stdout: c.stdout(), stderr: c.stderr() };
}

// Polls url until it answers (any HTTP status); for servers started by a test.
export async function waitHttp(url, ms = 15000, fetchOpts = {}) {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await fetch(url, fetchOpts);
    } catch (e) {
      if (Date.now() > deadline) throw new Error(`${url} did not answer: ${e.cause?.message ?? e.message}`);
      await sleep(50);
    }
  }
}

// What a sanitizer build prints when it finds a bug (the harness checks servers it starts; this
// is for servers an example's script starts).
export const SANITIZER_RE = /(ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:|UndefinedBehaviorSanitizer|WARNING: ThreadSanitizer)/;

// One HTTPS request trusting `ca` (Node's fetch takes no CA of its own); resolves
// {status, headers, text}.
export function httpsRequest(url, { method = 'GET', headers = {}, body, ca } = {}) {
  return new Promise((res, rej) => {
    const req = https.request(url, { method, headers, ca }, (r) => {
      let text = '';
      r.setEncoding('utf8');
      r.on('data', (d) => { text += d; });
      r.on('end', () => res({ status: r.statusCode, headers: r.headers, text }));
    });
    req.on('error', rej);
    req.end(body);
  });
}
