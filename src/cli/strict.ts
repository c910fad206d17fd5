/**
 * Strict command lines: citty parses leniently (unknown flags and extra positionals are ignored),
 * so every command line is first checked against the command's declared arguments with Node's
 * own strict `util.parseArgs`. A misspelt flag (`--arhc tiny`) is an error, never a silent default.
 */
import { parseArgs } from 'node:util';
import type { ArgsDef } from 'citty';
import { fail } from '../util/diagnostics.js';

export function checkArgs(rawArgs: readonly string[], def: ArgsDef, command: string): void {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = {};
  const booleans = new Set<string>();
  let positionals = 0;
  for (const [name, a] of Object.entries(def)) {
    if (a.type === 'positional') {
      positionals++;
      continue;
    }
    const type = a.type === 'boolean' ? 'boolean' : 'string';
    options[name] = { type };
    if (type === 'boolean') booleans.add(name);
    const aliases = 'alias' in a && a.alias !== undefined ? (Array.isArray(a.alias) ? a.alias : [a.alias]) : [];
    for (const al of aliases as string[]) {
      if (al.length === 1) options[name] = { ...options[name]!, short: al };
      else {
        options[al] = { type };
        if (type === 'boolean') booleans.add(al);
      }
    }
  }
  options['help'] = { type: 'boolean', short: 'h' };
  // Negated booleans (--no-x) are citty's convention; util.parseArgs on Node 20 has no such form.
  const args = rawArgs.filter((a) => !(a.startsWith('--no-') && booleans.has(a.slice(5))));
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (e) {
    const msg = (e as Error).message.split('\n')[0]!;
    fail('CLI030', command, msg.replace(/\. To specify a positional argument.*$/, ''), `run \`bitnet-hw ${command} --help\` for the valid flags`);
  }
  if (parsed.positionals.length > positionals) {
    const extra = parsed.positionals.slice(positionals).map((p) => JSON.stringify(p)).join(', ');
    fail('CLI031', command, `unexpected argument${parsed.positionals.length - positionals > 1 ? 's' : ''} ${extra}`, `\`bitnet-hw ${command}\` takes ${positionals === 0 ? 'no positional arguments' : positionals === 1 ? 'one positional argument' : `${positionals} positional arguments`}; see --help`);
  }
}
