import type { Target } from './parse.js';

/** An environment for go commands about one target: GOOS, GOARCH, its level variable and CGO_ENABLED. */
export function goEnvForTarget(base: NodeJS.ProcessEnv, target: Target, cgo: boolean): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...base,
    GOOS: target.goos,
    GOARCH: target.goarch,
    CGO_ENABLED: cgo ? '1' : '0',
  };
  if (target.level) env[target.level.name] = target.level.value;
  return env;
}
