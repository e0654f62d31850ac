import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { githubWorkflow } from '../../src/ci/github.js';
import { gitlabImage, gitlabPipeline } from '../../src/ci/gitlab.js';
import { markerState, withMarker } from '../../src/ci/marker.js';
import { type CiPlan, plainPath } from '../../src/ci/plan.js';
import { shardCount } from '../../src/commands/ci.js';
import { UsageError } from '../../src/errors.js';

const plan = (over: Partial<CiPlan> = {}): CiPlan => ({
  shards: 3,
  targets: 8,
  crossgoVersion: '1.2.3',
  moduleDir: '.',
  out: 'dist',
  config: null,
  goVersion: '1.25.4',
  ...over,
});

describe('the marker', () => {
  const text = withMarker('a: 1\n', 'crossgo ci github --shards 3', '1.2.3');
  it('recognises its own unedited file, and nothing else', () => {
    expect(markerState(text)).toBe('crossgo');
    expect(markerState(text.replace('a: 1', 'a: 2'))).toBe('edited');
    expect(markerState(`${text}# one more line\n`)).toBe('edited');
    expect(markerState(text.replace(/sha256:[0-9a-f]{4}/, 'sha256:0000'))).toBe('edited');
    expect(markerState('name: mine\n')).toBe('foreign');
    expect(markerState('')).toBe('foreign');
    expect(markerState('# Written by crossgo 1.2.3')).toBe('foreign');
  });
});

describe('the generators', () => {
  it('are pure: the same plan gives the same bytes, and each parses as YAML', () => {
    for (const make of [githubWorkflow, gitlabPipeline]) {
      expect(make(plan())).toBe(make(plan()));
      expect(markerState(make(plan()))).toBe('crossgo');
      expect(() => parse(make(plan({ moduleDir: 'tools/app', config: 'release.yaml' })))).not.toThrow();
    }
  });
  it('GitLab: one shard is a plain job with --shard 1/1 (parallel: 1 needs GitLab 16)', () => {
    const one = parse(gitlabPipeline(plan({ shards: 1 }))) as Record<
      string,
      { parallel?: number; script: string[] }
    >;
    expect(one['crossgo-shard']?.parallel).toBeUndefined();
    expect(one['crossgo-shard']?.script.join('\n')).toContain('build --shard 1/1');
    const three = parse(gitlabPipeline(plan())) as Record<string, { parallel?: number }>;
    expect(three['crossgo-shard']?.parallel).toBe(3);
  });
  it('GitLab: a module in sub/ is released by its sub/v tags', () => {
    expect(gitlabPipeline(plan({ moduleDir: 'sub/app' }))).toContain(
      'if: $CI_COMMIT_TAG =~ /^sub\\/app\\/v/',
    );
  });
  it('GitLab image: go.mod major.minor on trixie, at least 1.24', () => {
    expect(gitlabImage('1.25.4')).toBe('golang:1.25-trixie');
    expect(gitlabImage('1.21')).toBe('golang:1.24-trixie');
    expect(gitlabImage('1.26')).toBe('golang:1.26-trixie');
  });
});

describe('inputs', () => {
  it('--shards: 1 to the target count; default one per 4 targets, rounded up', () => {
    expect(shardCount(undefined, 3)).toBe(1);
    expect(shardCount(undefined, 16)).toBe(4);
    expect(shardCount(undefined, 17)).toBe(5);
    expect(shardCount('auto', 8)).toBe(2);
    expect(shardCount('8', 8)).toBe(8);
    for (const bad of ['0', '9', '1e1', ' 2', '2.0', '', '-1'])
      expect(() => shardCount(bad, 8), bad).toThrow(UsageError);
  });
  it('paths written into YAML and shell are plain', () => {
    expect(plainPath('tools/app', 'x')).toBe('tools/app');
    for (const bad of ['../x', 'a b', 'a/../b', "it's", '$(id)', 'a//b', '/abs', 'a\nb'])
      expect(() => plainPath(bad, 'x'), bad).toThrow(UsageError);
  });
});
