import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupTemps, crossgo, REPO, runTool, tempDir, testEnv } from '../helpers/cli.js';

afterAll(cleanupTemps);

/**
 * A file that is no executable at all is said to be one plainly, not as a parse failure of a
 * format called "unknown" at offset 0 (issue 13, defect 6). `file` is the oracle that it is not.
 */
describe('inspect on files that are not executables', () => {
  it('says README.md is not an executable, naming the headers it lacks', async () => {
    const readme = path.join(REPO, 'README.md');
    expect((await runTool('file', ['-b', readme])).stdout).not.toMatch(/executable|ELF|PE32|Mach-O/);
    const result = await crossgo(['inspect', 'README.md'], { cwd: REPO, env: testEnv() });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      'crossgo: README.md: not an executable: no ELF, PE, Mach-O, wasm, XCOFF or Plan 9 header (it starts with "# crossgo")\n',
    );
  });

  it('says so in JSON too, without an offset, and still reads the executables beside it', async () => {
    const dir = await tempDir();
    const script = path.join(dir, 'run.sh');
    const empty = path.join(dir, 'empty');
    const binary = path.join(dir, 'bytes');
    await writeFile(script, '#!/bin/sh\necho hi\n');
    await writeFile(empty, '');
    await writeFile(binary, Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x00, 0x01]));
    const result = await crossgo(['inspect', '--json', script, empty, binary, process.execPath], {
      env: testEnv(),
    });
    expect(result.code).toBe(1);
    const records = JSON.parse(result.stdout) as {
      error?: { message: string; offset: number | null };
      format?: string;
    }[];
    expect(records.map((r) => r.error ?? r.format)).toEqual([
      {
        format: 'unknown',
        offset: null,
        message:
          'not an executable: no ELF, PE, Mach-O, wasm, XCOFF or Plan 9 header (it starts with "#!/bin/sh")',
      },
      { format: 'unknown', offset: null, message: 'empty file: not an executable' },
      {
        format: 'unknown',
        offset: null,
        message:
          'not an executable: no ELF, PE, Mach-O, wasm, XCOFF or Plan 9 header (it starts with de ad be ef 00 01)',
      },
      'elf',
    ]);
    expect(result.stderr).not.toMatch(/unknown|offset/);
  });
});
