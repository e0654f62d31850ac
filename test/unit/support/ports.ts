import { execFileSync } from 'node:child_process';
import { type Port, parseDistList } from '../../../src/targets/ports.js';

let cached: Port[] | undefined;

/** The real port list of the Go toolchain on PATH, broken ports included (`go tool dist list -json -broken`). */
export function realPorts(): Port[] {
  cached ??= parseDistList(
    execFileSync('go', ['tool', 'dist', 'list', '-json', '-broken'], { encoding: 'utf8' }),
  );
  return cached;
}
