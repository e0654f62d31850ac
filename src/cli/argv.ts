import type { Command, Option } from 'commander';

/**
 * Rewrites `-o=out` as `-o out` for short options that take a value, as Go's flag package reads
 * `-flag=value` (flag.FlagSet.parseOne): commander would take "=out" as the value and make a
 * folder named "=out". Long options (`--out=dist`) commander already splits. Words that are the
 * value of an option (`--ldflags -X=…`) and everything after `--` are left as they are.
 */
export function splitShortAssignments(argv: readonly string[], program: Command): string[] {
  const out: string[] = [];
  let command: Command | undefined;
  const find = (flag: string): Option | undefined =>
    [...program.options, ...(command?.options ?? [])].find((o) => o.short === flag || o.long === flag);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') {
      out.push(...argv.slice(i));
      break;
    }
    const assignment = /^(-[A-Za-z])=(.*)$/s.exec(arg);
    const short = assignment ? find(assignment[1] as string) : undefined;
    if (assignment && short && (short.required || short.optional)) {
      out.push(assignment[1] as string, assignment[2] as string);
      continue;
    }
    out.push(arg);
    if (arg.startsWith('-')) {
      // A separate value word is the option's, whatever it looks like.
      if (find(arg)?.required && i + 1 < argv.length) out.push(argv[++i] as string);
    } else if (!command) {
      command = program.commands.find((c) => c.name() === arg || c.aliases().includes(arg));
    }
  }
  return out;
}
