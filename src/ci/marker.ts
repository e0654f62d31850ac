import { createHash } from 'node:crypto';

/*
 * A file crossgo writes starts with two comment lines: who wrote it and how to make it again,
 * then the sha256 of everything after them. A file whose digest still matches is crossgo's own
 * and unedited, so writing it again is safe; anything else (another tool's file, a hand-written
 * one, crossgo's file after an edit) is the user's and is replaced only with --force.
 */

const DIGEST_PREFIX = '# crossgo-digest: sha256:';

/** The whole file: the two header lines, then the body (which ends with a newline). */
export function withMarker(body: string, regenerate: string, version: string): string {
  if (!body.endsWith('\n')) throw new Error('bug: a generated body must end with a newline');
  return `# Written by crossgo ${version}; regenerate it with \`${regenerate}\` (an edited file is kept unless --force).\n${DIGEST_PREFIX}${sha256(body)}\n${body}`;
}

/** What an existing file is: crossgo's and unedited, crossgo's but edited, or someone else's. */
export function markerState(text: string): 'crossgo' | 'edited' | 'foreign' {
  const first = text.indexOf('\n');
  const second = first < 0 ? -1 : text.indexOf('\n', first + 1);
  if (second < 0 || !text.startsWith('# Written by crossgo ')) return 'foreign';
  const digestLine = text.slice(first + 1, second);
  if (!digestLine.startsWith(DIGEST_PREFIX)) return 'edited';
  return digestLine.slice(DIGEST_PREFIX.length) === sha256(text.slice(second + 1)) ? 'crossgo' : 'edited';
}

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
