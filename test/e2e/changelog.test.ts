import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manifest } from '../../src/pipeline/manifest.js';
import { cleanupTemps, crossgo, runTool, tempDir, testEnv } from '../helpers/cli.js';

afterAll(cleanupTemps);

/**
 * `crossgo changelog` over a scripted history in conventional-commit style, and the CHANGELOG.md
 * `crossgo package` writes. The expected Markdown is written by hand from the history below in
 * GoReleaser's layout (## Changelog, ### <group>, * <short hash> <subject>); git is the oracle
 * for the hashes (git rev-parse --short).
 */

const AUTHOR = {
  GIT_AUTHOR_NAME: 'crossgo test',
  GIT_AUTHOR_EMAIL: 'test@example.com',
  GIT_COMMITTER_NAME: 'crossgo test',
  GIT_COMMITTER_EMAIL: 'test@example.com',
};

/** A git repository whose commits get one second apart, from a fixed date: git log's order is known. */
async function scriptedRepo(dir: string) {
  await mkdir(dir, { recursive: true });
  let second = 0;
  const git = async (...args: string[]) => {
    const date = new Date(Date.UTC(2024, 4, 6, 7, 0, second)).toISOString();
    const env = { ...process.env, ...AUTHOR, GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date };
    const result = await runTool(
      'git',
      ['-c', 'init.defaultBranch=main', '-c', 'commit.gpgSign=false', ...args],
      {
        cwd: dir,
        env,
      },
    );
    if (result.code !== 0) throw new Error(`git ${args.join(' ')}: ${result.stderr}`);
    return result.stdout.trim();
  };
  const commit = async (subject: string, file = 'CHANGES') => {
    second += 1;
    await writeFile(path.join(dir, file), `${second}\n`, { flag: 'a' });
    await git('add', '-A');
    await git('commit', '-q', '-m', subject);
  };
  const short = (rev: string, n = 7) => git('rev-parse', `--short=${n}`, rev);
  await git('init', '-q');
  return {
    git,
    commit,
    short,
    tick: () => {
      second += 1;
    },
  };
}

let repo: string;
let configs: string;
/** Short hashes of the scripted commits, by subject. */
const h: Record<string, string> = {};
const full: Record<string, string> = {};

beforeAll(async () => {
  repo = path.join(await tempDir(), 'cl');
  configs = await tempDir();
  const { git, commit, short, tick } = await scriptedRepo(repo);
  await writeFile(path.join(repo, 'go.mod'), 'module example.com/cl\n\ngo 1.22\n');
  await writeFile(path.join(repo, 'main.go'), 'package main\n\nfunc main() {}\n');
  await writeFile(path.join(repo, '.gitignore'), '/dist/\n');
  await commit('feat: first');
  await git('tag', 'v1.0.0');
  await commit('feat: add x');
  await commit('fix(cli): y');
  await git('checkout', '-q', '-b', 'topic');
  await commit('docs: readme', 'README.md');
  await git('checkout', '-q', 'main');
  await commit('feat!: drop z');
  tick();
  await git('merge', '-q', '--no-ff', 'topic', '-m', "Merge branch 'topic'");
  await commit('test: more');
  await commit('chore: deps');
  await git('tag', 'v1.1.0');
  for (const line of (await git('log', '--format=%H %s')).split('\n')) {
    const [hash = '', ...rest] = line.split(' ');
    full[rest.join(' ')] = hash;
    h[rest.join(' ')] = await short(hash);
  }
});

const env = () => testEnv();

async function changelog(...args: string[]) {
  return crossgo(['-C', repo, 'changelog', ...args], { env: env() });
}

describe('crossgo changelog', () => {
  it('by default: from the previous release (v1.0.0) to HEAD, tagged v1.1.0, in conventional-commit groups', async () => {
    const result = await changelog();
    expect(result.code, result.stderr).toBe(0);
    // The merge commit is left out (the commit it merged, docs: readme, is listed); newest first.
    expect(result.stdout).toBe(
      [
        '## Changelog',
        '### Breaking changes',
        `* ${h['feat!: drop z']} feat!: drop z`,
        '### Features',
        `* ${h['feat: add x']} feat: add x`,
        '### Bug fixes',
        `* ${h['fix(cli): y']} fix(cli): y`,
        '### Others',
        `* ${h['chore: deps']} chore: deps`,
        `* ${h['test: more']} test: more`,
        `* ${h['docs: readme']} docs: readme`,
        '',
      ].join('\n'),
    );
    expect(result.stderr).toMatch(/from v1\.0\.0 to HEAD/);
    expect(h["Merge branch 'topic'"]).toMatch(/^[0-9a-f]{7}$/);
    expect(result.stdout).not.toContain('Merge');
    // The same range named: --since v1.0.0 --until v1.1.0.
    const named = await changelog('--since', 'v1.0.0', '--until', 'v1.1.0');
    expect(named.code, named.stderr).toBe(0);
    expect(named.stdout).toBe(result.stdout);
  });

  it('--until an untagged commit starts at the nearest tag before it; --until the first tag lists from the first commit', async () => {
    const fix = await changelog('--until', h['fix(cli): y'] as string);
    expect(fix.code, fix.stderr).toBe(0);
    expect(fix.stdout).toBe(
      [
        '## Changelog',
        '### Features',
        `* ${h['feat: add x']} feat: add x`,
        '### Bug fixes',
        `* ${h['fix(cli): y']} fix(cli): y`,
        '',
      ].join('\n'),
    );
    const first = await changelog('--until', 'v1.0.0');
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toBe(`## Changelog\n### Features\n* ${h['feat: first']} feat: first\n`);
    // --since a later tag than --until's commit: nothing between them.
    const none = await changelog('--since', 'v1.1.0', '--until', 'v1.1.0');
    expect(none.code, none.stderr).toBe(0);
    expect(none.stdout).toBe('## Changelog\n');
  });

  it('groups, exclude and sort asc from the config: first group by order takes a commit, a group without regexp the rest', async () => {
    const file = path.join(configs, 'groups.yaml');
    await writeFile(
      file,
      [
        'changelog:',
        '  sort: asc',
        "  exclude: ['^docs:', '^test:']",
        '  groups:',
        '    - title: Others',
        '      order: 99',
        '    - title: New',
        "      regexp: '^feat'",
        '      order: 0',
        '    - title: Fixes',
        "      regexp: '^fix'",
        '      order: 1',
        '',
      ].join('\n'),
    );
    const result = await changelog('--config', file);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe(
      [
        '## Changelog',
        '### New',
        `* ${h['feat: add x']} feat: add x`,
        `* ${h['feat!: drop z']} feat!: drop z`,
        '### Fixes',
        `* ${h['fix(cli): y']} fix(cli): y`,
        '### Others',
        `* ${h['chore: deps']} chore: deps`,
        '',
      ].join('\n'),
    );
  });

  it('groups: [] gives one list, abbrev the hash length, include keeps only what matches', async () => {
    const file = path.join(configs, 'flat.json');
    await writeFile(
      file,
      JSON.stringify({ changelog: { groups: [], abbrev: 10, include: ['^(feat|fix)'] } }),
    );
    const result = await changelog('--config', file);
    expect(result.code, result.stderr).toBe(0);
    const long = async (subject: string) =>
      (
        await runTool('git', ['rev-parse', '--short=10', full[subject] as string], { cwd: repo })
      ).stdout.trim();
    expect(result.stdout).toBe(
      [
        '## Changelog',
        `* ${await long('feat!: drop z')} feat!: drop z`,
        `* ${await long('fix(cli): y')} fix(cli): y`,
        `* ${await long('feat: add x')} feat: add x`,
        '',
      ].join('\n'),
    );
  });

  it('a bad regexp is exit 2 naming the key; a bad --since is exit 2 naming the nearest tag', async () => {
    const file = path.join(configs, 'bad.yaml');
    await writeFile(
      file,
      "changelog:\n  groups:\n    - title: A\n      regexp: '^a'\n    - title: B\n      regexp: '^b'\n    - title: C\n      regexp: 'feat('\n",
    );
    const bad = await changelog('--config', file);
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toBe(
      'crossgo: bad.yaml: changelog.groups[2].regexp: "feat(" is not an RE2 regexp (missing closing ): `feat(`): see https://github.com/google/re2/wiki/Syntax\n',
    );
    const since = await changelog('--since', 'v1.0');
    expect(since.code).toBe(2);
    expect(since.stderr).toBe('crossgo: --since v1.0: no such tag; did you mean v1.0.0?\n');
    const off = path.join(configs, 'off-changelog.yaml');
    await writeFile(off, 'changelog:\n  disable: true\n');
    const disabled = await changelog('--config', off);
    expect(disabled.code).toBe(2);
    expect(disabled.stderr).toBe(
      'crossgo: off-changelog.yaml: changelog.disable: is true: no changelog is made (set it to false for one)\n',
    );
    const until = await changelog('--until', 'nope');
    expect(until.code).toBe(2);
    expect(until.stderr).toMatch(/^crossgo: --until nope: no such commit/);
  });

  it('a regexp that backtracking engines take exponential time on, over a long subject, finishes', async () => {
    const dir = path.join(await tempDir(), 'redos');
    const { commit } = await scriptedRepo(dir);
    const long = `${'a'.repeat(20000)}!`;
    await commit(long);
    // Hostile subjects: a leading "#", an escape sequence, a right-to-left override; backticks stay.
    await commit('# not a heading \u001b[31mred\u001b[0m \u202eevil `code`');
    const file = path.join(configs, 'redos.yaml');
    await writeFile(
      file,
      "changelog:\n  groups:\n    - title: Slow\n      regexp: '(a+)+$'\n    - title: Rest\n",
    );
    const result = await crossgo(['-C', dir, 'changelog', '--config', file], { env: env() });
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines.slice(0, 2)).toEqual(['## Changelog', '### Rest']);
    expect(lines[2]).toMatch(/^\* [0-9a-f]{7} \\# not a heading \[31mred\[0m evil `code`$/);
    expect(lines[3]).toMatch(new RegExp(`^\\* [0-9a-f]{7} ${long}$`));
    expect(lines.slice(4)).toEqual(['']);
  });
});

describe('a module in a subfolder, tagged sub/vX.Y.Z as Go reads it', () => {
  it("lists the commits of its folder since its own previous tag; the root module's, every commit since a tag without /", async () => {
    const dir = path.join(await tempDir(), 'mono');
    const { git, commit, short } = await scriptedRepo(dir);
    await mkdir(path.join(dir, 'sub'));
    await writeFile(path.join(dir, 'go.mod'), 'module example.com/mono\n\ngo 1.22\n');
    await writeFile(path.join(dir, 'sub', 'go.mod'), 'module example.com/mono/sub\n\ngo 1.22\n');
    await commit('feat: two modules');
    await git('tag', 'v0.9.0');
    await git('tag', 'sub/v1.0.0');
    await commit('feat(sub): sub thing', 'sub/CHANGES');
    await commit('fix: root only');
    // A module nested deeper is not sub's: its tag is no release of sub.
    await git('tag', 'sub/inner/v7.0.0');
    await commit('fix(sub): sub fix', 'sub/CHANGES');
    await git('tag', 'sub/v1.1.0');
    const [thing, rootOnly, subFix] = await Promise.all(
      ['HEAD~2', 'HEAD~1', 'HEAD'].map((rev) => short(rev)),
    );
    const sub = await crossgo(['-C', path.join(dir, 'sub'), 'changelog'], { env: env() });
    expect(sub.code, sub.stderr).toBe(0);
    const subLog = [
      '## Changelog',
      '### Features',
      `* ${thing} feat(sub): sub thing`,
      '### Bug fixes',
      `* ${subFix} fix(sub): sub fix`,
      '',
    ].join('\n');
    expect(sub.stdout).toBe(subLog);
    expect(sub.stderr).toMatch(/from sub\/v1\.0\.0 to HEAD/);
    // --since without the folder prefix names the module's own tag.
    const named = await crossgo(['-C', path.join(dir, 'sub'), 'changelog', '--since', 'v1.0.0'], {
      env: env(),
    });
    expect(named.code, named.stderr).toBe(0);
    expect(named.stdout).toBe(subLog);
    const root = await crossgo(['-C', dir, 'changelog'], { env: env() });
    expect(root.code, root.stderr).toBe(0);
    expect(root.stdout).toBe(
      [
        '## Changelog',
        '### Features',
        `* ${thing} feat(sub): sub thing`,
        '### Bug fixes',
        `* ${subFix} fix(sub): sub fix`,
        `* ${rootOnly} fix: root only`,
        '',
      ].join('\n'),
    );
    expect(root.stderr).toMatch(/from v0\.9\.0 to HEAD/);
  });
});

describe('crossgo package writes CHANGELOG.md', () => {
  it('equal to crossgo changelog --until <the built commit>, listed in the manifest with its sha256', async () => {
    const goos = (await runTool('go', ['env', 'GOOS'], { env: env() })).stdout.trim();
    const goarch = (await runTool('go', ['env', 'GOARCH'], { env: env() })).stdout.trim();
    const built = await crossgo(['-C', repo, 'build', '-t', `${goos}/${goarch}`, '--package'], {
      env: env(),
    });
    expect(built.code, built.stderr).toBe(0);
    const dist = path.join(repo, 'dist');
    const manifest = JSON.parse(await readFile(path.join(dist, 'manifest.json'), 'utf8')) as Manifest;
    const expected = await changelog('--until', manifest.source.commit);
    expect(expected.code, expected.stderr).toBe(0);
    expect(await readFile(path.join(dist, 'CHANGELOG.md'), 'utf8')).toBe(expected.stdout);
    const records = manifest.artifacts.filter((a) => a.kind === 'changelog');
    expect(records).toHaveLength(1);
    const record = records[0] as Manifest['artifacts'][number];
    expect(record.path).toBe('CHANGELOG.md');
    expect(record.from).toEqual([]);
    const sums = path.join(await tempDir(), 'SUMS');
    await writeFile(sums, `${record.sha256}  CHANGELOG.md\n`);
    const check = await runTool('sha256sum', ['-c', sums], { cwd: dist });
    expect(check.code, check.stderr).toBe(0);
    expect(check.stdout).toBe('CHANGELOG.md: OK\n');
  });

  it('package.changelog: false makes none', async () => {
    const file = path.join(configs, 'off.yaml');
    await writeFile(file, 'package:\n  changelog: false\n  sbom: false\n');
    const packaged = await crossgo(['-C', repo, 'package', '--config', file, '--json'], { env: env() });
    expect(packaged.code, packaged.stderr).toBe(0);
    const manifest = JSON.parse(packaged.stdout) as Manifest;
    expect(manifest.artifacts.filter((a) => a.kind === 'changelog')).toEqual([]);
    // The previous run's CHANGELOG.md was crossgo's: this release no longer has it.
    const ls = await runTool('ls', [path.join(repo, 'dist')]);
    expect(ls.stdout.split('\n')).not.toContain('CHANGELOG.md');
  });

  it('none outside a git repository: the build output packaged where there is no history', async () => {
    const elsewhere = await tempDir();
    await cp(path.join(repo, 'dist'), path.join(elsewhere, 'dist'), { recursive: true });
    // The copy keeps its ownership journal: the previous release's files are crossgo's to replace.
    const packaged = await crossgo(['-C', elsewhere, 'package', '--no-sbom', '--json'], { env: env() });
    expect(packaged.code, packaged.stderr).toBe(0);
    const manifest = JSON.parse(packaged.stdout) as Manifest;
    expect(manifest.source.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(manifest.artifacts.filter((a) => a.kind === 'changelog')).toEqual([]);
  });
});
