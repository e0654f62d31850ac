import { describe, expect, it } from 'vitest';
import { groupCommits, markdownSubject, plainSubject, renderChangelog } from '../../src/release/changelog.js';
import { changelogRules, groupOf } from '../../src/release/changelogRules.js';

/** The pure parts of the changelog: default groups, regexp errors, subjects as Markdown. */

const titleOf = (subject: string) => {
  const rules = changelogRules();
  return rules.groups[groupOf(rules, subject)]?.title;
};

describe('the default conventional-commit groups', () => {
  it('puts a ! before the colon first, whatever the type, then feat, fix, perf, and the rest under Others', () => {
    expect(titleOf('feat!: drop z')).toBe('Breaking changes');
    expect(titleOf('refactor(api)!: rename')).toBe('Breaking changes');
    expect(titleOf('feat: add x')).toBe('Features');
    expect(titleOf('FEAT(cli): shout')).toBe('Features');
    expect(titleOf('fix(cli): y')).toBe('Bug fixes');
    expect(titleOf('perf: faster')).toBe('Performance');
    // Not a type: "feature:" and "fixup" are no feat or fix.
    expect(titleOf('feature: z')).toBe('Others');
    expect(titleOf('fixup! feat: x')).toBe('Others');
    expect(titleOf('docs: readme')).toBe('Others');
    expect(titleOf('no type at all')).toBe('Others');
  });

  it('a config without a catch-all group drops what no group takes; groups: [] is one list', () => {
    const commits = [
      { hash: 'a'.repeat(40), short: 'aaaaaaa', subject: 'feat: a' },
      { hash: 'b'.repeat(40), short: 'bbbbbbb', subject: 'chore: b' },
    ];
    const onlyFeat = changelogRules({ groups: [{ title: 'New', regexp: '^feat' }] });
    expect(renderChangelog(groupCommits(commits, onlyFeat))).toBe(
      '## Changelog\n### New\n* aaaaaaa feat: a\n',
    );
    const flat = changelogRules({ groups: [], sort: 'asc' });
    expect(renderChangelog(groupCommits(commits, flat))).toBe(
      '## Changelog\n* bbbbbbb chore: b\n* aaaaaaa feat: a\n',
    );
  });
});

describe('regexps from the config', () => {
  it('are RE2: a bad one is a ConfigError naming its key path and the problem', () => {
    expect(() => changelogRules({ exclude: ['^docs:', '(?<=x)y'] }, 'ci.yaml')).toThrow(
      'ci.yaml: changelog.exclude[1]: "(?<=x)y" is not an RE2 regexp (invalid named capture: `(?<=x)y`)',
    );
    expect(() => changelogRules({ include: ['a{2000}'] })).toThrow(
      'crossgo.yaml: changelog.include[0]: "a{2000}" is not an RE2 regexp (invalid repeat count: `{2000}`)',
    );
    // Backreferences are not RE2 either.
    expect(() => changelogRules({ groups: [{ title: 'x', regexp: '(a)\\1' }] })).toThrow(
      /changelog\.groups\[0\]\.regexp: .*invalid escape sequence/,
    );
  });
});

describe('subjects', () => {
  it('lose control characters, line separators and bidirectional overrides; whitespace runs become one space', () => {
    expect(plainSubject('fix:\tred \u001b[31mtext\u001b[0m\r\n  \u202eevil\u2066 \u2028x ')).toBe(
      'fix: red [31mtext[0m evil x',
    );
  });

  it('are escaped where they would start a block, and shown when empty', () => {
    expect(markdownSubject('# heading')).toBe('\\# heading');
    expect(markdownSubject('> quote')).toBe('\\> quote');
    expect(markdownSubject('- item')).toBe('\\- item');
    expect(markdownSubject('1. first')).toBe('1\\. first');
    expect(markdownSubject('fix: `code` and #12')).toBe('fix: `code` and #12');
    expect(markdownSubject('')).toBe('(no subject)');
  });
});
