import { readFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
// The built module: the umask helper is a script of dist/ (node runs JavaScript, not the .ts sources).
import { ToolMissingError } from '../../dist/errors.js';
import { run } from '../../dist/exec/run.js';
import { withChildUmask } from '../../dist/exec/umask.js';
import { cleanupTemps, tempDir } from '../helpers/cli.js';

afterAll(cleanupTemps);

/** The kernel's own record of a process's umask (proc(5)): here, grep's, reading itself. */
async function umaskOfChild(options: { umask?: number } = {}): Promise<string> {
  const result = await run('grep', ['^Umask:', '/proc/self/status'], options);
  expect(result.exitCode, result.stderr).toBe(0);
  return result.stdout.replace('Umask:', '').trim();
}

/** True while `pid` runs; a zombie (exited, waiting for whichever ancestor adopted it) counts as gone. */
function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

describe('run() with a umask for the child only', () => {
  const own = process.umask();
  const shown = (mask: number) => mask.toString(8).padStart(4, '0');

  it("gives the child the umask, and leaves crossgo's own as it was", async () => {
    expect(own).not.toBe(0o077);
    expect(await umaskOfChild({ umask: 0o077 })).toBe('0077');
    expect(process.umask()).toBe(own);
    expect(await umaskOfChild()).toBe(shown(own));
    // And a file the child creates shows it: touch makes 0666 &^ umask.
    const file = path.join(await tempDir(), 'made-by-touch');
    expect((await run('touch', [file], { umask: 0o077 })).exitCode).toBe(0);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it('withChildUmask reaches the children of that work only, not those started beside it', async () => {
    const [inside, beside] = await Promise.all([
      withChildUmask(0o027, async () => {
        await new Promise((resolve) => setTimeout(resolve, 10));
        return [await umaskOfChild(), await umaskOfChild({ umask: 0o077 })];
      }),
      umaskOfChild(),
    ]);
    expect(inside).toEqual(['0027', '0077']);
    expect(beside).toBe(shown(own));
    expect(process.umask()).toBe(own);
  });

  it("ends as the child ended: its exit code, its signal, and a missing command's error", async () => {
    expect((await run('sh', ['-c', 'exit 3'], { umask: 0o077 })).exitCode).toBe(3);
    const killed = await run('sh', ['-c', 'kill -TERM $$'], { umask: 0o077 });
    expect([killed.exitCode, killed.signal]).toEqual([null, 'SIGTERM']);
    await expect(run('crossgo-no-such-command', [], { umask: 0o077 })).rejects.toBeInstanceOf(
      ToolMissingError,
    );
  });

  it('a cancel stops the command itself, not only the helper', async () => {
    const dir = await tempDir();
    const controller = new AbortController();
    const pending = run('sh', ['-c', 'echo $$ > pid; exec sleep 60'], {
      umask: 0o077,
      cwd: dir,
      signal: controller.signal,
    });
    let pid = '';
    while (pid === '') {
      await new Promise((resolve) => setTimeout(resolve, 20));
      pid = (await readFile(path.join(dir, 'pid'), 'utf8').catch(() => '')).trim();
    }
    controller.abort(new Error('cancelled'));
    await expect(pending).rejects.toThrow('cancelled');
    expect(isRunning(Number(pid))).toBe(false);
  });
});
