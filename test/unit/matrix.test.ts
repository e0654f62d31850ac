import { beforeAll, describe, expect, it } from 'vitest';
import { configTargets } from '../../src/stages/build/plan/targets.js';
import { expandMatrix, targetsList } from '../../src/targets/matrix.js';
import type { Port } from '../../src/targets/ports.js';
import { realPorts } from './support/ports.js';

/*
 * Expected lists written by hand from GoReleaser's documentation of builds (goos × goarch, goarm
 * and goamd64 lists, ignore entries that match on every field they give, pairs Go has no port
 * for skipped), against the port list of the real go on PATH.
 */

let ports: Port[];
beforeAll(() => {
  ports = realPorts();
});

describe('expandMatrix', () => {
  it('crosses goos and goarch in order, skipping pairs that are no port (darwin/386, windows/s390x)', () => {
    expect(
      expandMatrix({ goos: ['linux', 'darwin', 'windows'], goarch: ['amd64', '386', 's390x'] }, ports),
    ).toEqual(['linux/amd64', 'linux/386', 'linux/s390x', 'darwin/amd64', 'windows/amd64', 'windows/386']);
  });

  it('multiplies an architecture by its own level list only (goarm for arm, goamd64 for amd64)', () => {
    expect(
      expandMatrix(
        { goos: ['linux'], goarch: ['arm', 'amd64', 'arm64'], goarm: ['6', '7'], goamd64: ['v1', 'v3'] },
        ports,
      ),
    ).toEqual(['linux/arm/6', 'linux/arm/7', 'linux/amd64/v1', 'linux/amd64/v3', 'linux/arm64']);
  });

  it('leaves out what an ignore entry matches in every field it gives', () => {
    const matrix = {
      goos: ['linux', 'windows', 'freebsd'],
      goarch: ['amd64', 'arm', 'arm64'],
      goarm: ['6', '7'],
      ignore: [
        { goos: 'windows', goarch: 'arm' }, // every goarm of windows/arm
        { goos: 'linux', goarch: 'arm', goarm: '6' }, // only linux/arm/6
        { goarch: 'arm64' }, // every goos
        { goos: 'freebsd' },
      ],
    };
    expect(expandMatrix(matrix, ports)).toEqual(['linux/amd64', 'linux/arm/7', 'windows/amd64']);
  });

  it('does not let a level field of another architecture match (goamd64 never matches arm)', () => {
    const matrix = {
      goos: ['linux'],
      goarch: ['arm', 'amd64'],
      goarm: ['7'],
      goamd64: ['v2'],
      ignore: [{ goamd64: 'v2' }],
    };
    expect(expandMatrix(matrix, ports)).toEqual(['linux/arm/7']);
  });

  it('gives nothing for a matrix whose pairs are all left out or no port', () => {
    expect(expandMatrix({ goos: ['darwin'], goarch: ['386'] }, ports)).toEqual([]);
    expect(expandMatrix({ goos: ['linux'], goarch: ['amd64'], ignore: [{ goos: 'linux' }] }, ports)).toEqual(
      [],
    );
  });
});

describe('targetsList and the builds union', () => {
  it('keeps a list or a string as written and expands a matrix', () => {
    expect(targetsList('linux/amd64,windows/386', ports)).toBe('linux/amd64,windows/386');
    expect(targetsList(['linux/amd64'], ports)).toEqual(['linux/amd64']);
    expect(targetsList({ goos: ['linux'], goarch: ['riscv64'] }, ports)).toEqual(['linux/riscv64']);
  });

  it("is every build's targets in order without repeats, skipped builds left out (doctor, test)", () => {
    const cfg = {
      targets: ['linux/amd64'],
      builds: [
        { main: './cmd/a', targets: { goos: ['linux', 'windows'], goarch: ['amd64'] } },
        { main: './cmd/b' }, // the top level's targets
        { main: './cmd/c', targets: 'darwin/arm64', skip: true },
        { main: './cmd/d', targets: 'linux/arm64, linux/amd64' },
      ],
    };
    expect(configTargets(cfg, ports)).toEqual(['linux/amd64', 'windows/amd64', 'linux/arm64']);
    expect(configTargets({ targets: 'linux/386' }, ports)).toBe('linux/386');
  });
});
