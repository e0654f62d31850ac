import { RE2JS } from 're2js';
import type { ChangelogConfig } from '../config/types.js';
import { ConfigError } from '../errors.js';

/**
 * The changelog's grouping and filters, compiled once from the config. Regexps are RE2 syntax, as
 * GoReleaser's (Go's regexp package is RE2), and run on re2js: a pure JavaScript port of RE2 that
 * matches in time linear in the subject, so no regexp a config holds — `(a+)+$` included — can
 * keep crossgo busy, as a backtracking engine (JavaScript's own RegExp) would.
 */

/** A commit subject matcher; `test` is true when the regexp matches anywhere in the subject. */
export interface SubjectMatcher {
  source: string;
  test(subject: string): boolean;
}

export interface ChangelogGroup {
  title: string;
  /** Null: the group takes every commit no earlier group took. */
  regexp: SubjectMatcher | null;
  order: number;
}

export interface ChangelogRules {
  /** In the order commits are matched and groups printed: by `order`, then as listed. Empty: one flat list. */
  groups: ChangelogGroup[];
  include: SubjectMatcher[];
  exclude: SubjectMatcher[];
  sort: 'asc' | 'desc';
  abbrev: number;
}

export const DEFAULT_ABBREV = 7;

/** A conventional-commit type and its optional scope: `feat`, `fix(cli)`; case-insensitive, as the spec says. */
const typed = (type: string, bang = '') => `(?i)^${type}(\\([^)]*\\))?${bang}:`;

/**
 * Conventional commits (conventionalcommits.org 1.0.0): a `!` before the colon marks a breaking
 * change whatever the type, then feat, fix and perf; the rest (docs, test, chore, ci, refactor,
 * and subjects of no type) under Others. A `BREAKING CHANGE:` footer is not read: only subjects.
 */
export const DEFAULT_GROUPS: readonly { title: string; regexp?: string; order: number }[] = [
  { title: 'Breaking changes', regexp: typed('[a-z]+', '!'), order: 0 },
  { title: 'Features', regexp: typed('feat'), order: 10 },
  { title: 'Bug fixes', regexp: typed('fix'), order: 20 },
  { title: 'Performance', regexp: typed('perf'), order: 30 },
  { title: 'Others', order: 9999 },
];

/** Compiles the config's `changelog` block; a bad regexp is a ConfigError naming its key path. */
export function changelogRules(config: ChangelogConfig = {}, file = 'crossgo.yaml'): ChangelogRules {
  const listed = config.groups ?? DEFAULT_GROUPS;
  const groups = listed
    .map((g, i) => ({
      title: g.title,
      regexp: g.regexp === undefined ? null : matcher(g.regexp, file, `changelog.groups[${i}].regexp`),
      order: g.order ?? 0,
      index: i,
    }))
    // Array.prototype.sort is stable: equal orders keep the list's order.
    .sort((a, b) => a.order - b.order)
    .map(({ index: _index, ...group }) => group);
  return {
    groups,
    include: (config.include ?? []).map((r, i) => matcher(r, file, `changelog.include[${i}]`)),
    exclude: (config.exclude ?? []).map((r, i) => matcher(r, file, `changelog.exclude[${i}]`)),
    sort: config.sort ?? 'desc',
    abbrev: config.abbrev ?? DEFAULT_ABBREV,
  };
}

function matcher(source: string, file: string, keyPath: string): SubjectMatcher {
  let re: RE2JS;
  try {
    re = RE2JS.compile(source);
  } catch (error) {
    // re2js words its errors as Go does: "error parsing regexp: missing closing ): `feat(`".
    const message =
      error instanceof Error ? error.message.replace(/^error parsing regexp: /, '') : String(error);
    throw new ConfigError(
      file,
      keyPath,
      `${JSON.stringify(source)} is not an RE2 regexp (${message}): see https://github.com/google/re2/wiki/Syntax`,
    );
  }
  return { source, test: (subject) => re.test(subject) };
}

/** Whether a subject is kept: it matches an include (when there are any) and no exclude. */
export function keeps(rules: ChangelogRules, subject: string): boolean {
  if (rules.include.length > 0 && !rules.include.some((m) => m.test(subject))) return false;
  return !rules.exclude.some((m) => m.test(subject));
}

/** The index in rules.groups of the group a subject goes to, or -1 when none takes it. */
export function groupOf(rules: ChangelogRules, subject: string): number {
  return rules.groups.findIndex((g) => g.regexp === null || g.regexp.test(subject));
}
