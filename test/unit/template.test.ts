import { beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import {
  checkTemplate,
  DEFAULT_OUTPUT_TEMPLATE,
  executableExtension,
  renderOutputName,
} from '../../src/stages/build/template.js';
import { expandTargets, type Target } from '../../src/targets/parse.js';
import type { Port } from '../../src/targets/ports.js';
import { realPorts } from './support/ports.js';

let ports: Port[];
beforeAll(() => {
  ports = realPorts();
});
const target = (spec: string) => expandTargets(spec, ports)[0] as Target;
const render = (spec: string, template = DEFAULT_OUTPUT_TEMPLATE) =>
  renderOutputName(template, { name: 'hello', version: 'v1.2.3', target: target(spec) });

describe('executableExtension', () => {
  it('is .exe on windows, .wasm on wasm and nothing elsewhere', () => {
    expect(executableExtension('windows', 'amd64')).toBe('.exe');
    expect(executableExtension('windows', 'arm64')).toBe('.exe');
    expect(executableExtension('js', 'wasm')).toBe('.wasm');
    expect(executableExtension('wasip1', 'wasm')).toBe('.wasm');
    expect(executableExtension('linux', 'amd64')).toBe('');
    expect(executableExtension('darwin', 'arm64')).toBe('');
  });
});

describe('renderOutputName with the default template', () => {
  it('is the documented default', () => {
    expect(DEFAULT_OUTPUT_TEMPLATE).toBe('{name}-{goos}-{goarch}{-variant}{ext}');
  });

  it.each([
    ['linux/amd64', 'hello-linux-amd64'],
    ['darwin/arm64', 'hello-darwin-arm64'],
    ['windows/386', 'hello-windows-386.exe'],
    ['js/wasm', 'hello-js-wasm.wasm'],
    ['wasip1/wasm', 'hello-wasip1-wasm.wasm'],
    ['linux/amd64/v3', 'hello-linux-amd64-v3'],
    ['linux/arm/7', 'hello-linux-arm-7'],
    ['linux/arm64/v8.2', 'hello-linux-arm64-v8.2'],
    ['windows/386/softfloat', 'hello-windows-386-softfloat.exe'],
  ])('%s → %s', (spec, name) => {
    expect(render(spec)).toBe(name);
  });

  it('gives every target of all a distinct name', () => {
    const names = expandTargets('all', ports).map((t) =>
      renderOutputName(DEFAULT_OUTPUT_TEMPLATE, { name: 'hello', version: 'dev', target: t }),
    );
    expect(new Set(names).size).toBe(names.length);
  });
});

describe('renderOutputName with other templates', () => {
  it('fills {version} and {variant}, empty when there is no variant', () => {
    const template = '{version}/{name}_{goos}_{goarch}_{variant}{ext}';
    expect(render('linux/amd64/v2', template)).toBe('v1.2.3/hello_linux_amd64_v2');
    expect(render('linux/amd64', template)).toBe('v1.2.3/hello_linux_amd64_');
    expect(render('windows/amd64', template)).toBe('v1.2.3/hello_windows_amd64_.exe');
  });

  it('keeps literal text and repeated placeholders', () => {
    expect(render('linux/riscv64', 'bin/{goos}/{goarch}/{name}-{name}')).toBe(
      'bin/linux/riscv64/hello-hello',
    );
  });
});

describe('checkTemplate', () => {
  it('accepts every known placeholder and plain text', () => {
    expect(() => checkTemplate(DEFAULT_OUTPUT_TEMPLATE)).not.toThrow();
    expect(() => checkTemplate('{name}{goos}{goarch}{variant}{-variant}{ext}{version}')).not.toThrow();
    expect(() => checkTemplate('static-name')).not.toThrow();
  });

  it('refuses an unknown placeholder and lists the known ones', () => {
    expect(() => checkTemplate('{name}-{os}')).toThrow(UsageError);
    expect(() => checkTemplate('{name}-{os}')).toThrow(
      'output template "{name}-{os}": unknown placeholder {os} (use {name} {goos} {goarch} {variant} {-variant} {ext} {version})',
    );
  });

  it('refuses an empty placeholder and wrong case', () => {
    expect(() => checkTemplate('{}')).toThrow('unknown placeholder {}');
    expect(() => checkTemplate('{name}-{goos')).toThrow(
      'output template "{name}-{goos": a "{" without its pair (placeholders are {name}, {goos}, …)',
    );
    expect(() => checkTemplate('{name}}')).toThrow('a "}" without its pair');
    expect(() => checkTemplate('{Name}')).toThrow('unknown placeholder {Name}');
  });
});
