/**
 * The Verilog templates (templates/verilog/*.v.hbs) and their partials, read and compiled once:
 * every generator renders through here, and hashes the same texts into its configuration hash.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Handlebars from 'handlebars';
import { packageRoot } from '../util/paths.js';

/** A template's text (for configuration hashes). */
export function verilogTemplateSource(name: string): string {
  return fs.readFileSync(path.join(packageRoot(), 'templates', 'verilog', `${name}.v.hbs`), 'utf8');
}

/** A partial's text (templates/verilog/partials). */
export function verilogPartialSource(name: string): string {
  return fs.readFileSync(path.join(packageRoot(), 'templates', 'verilog', 'partials', `${name}.v.hbs`), 'utf8');
}

const compiled = new Map<string, Handlebars.TemplateDelegate>();

/** A compiled template (strict: a missing view field is an error), its partials registered. */
export function verilogTemplate(name: string, partials: readonly string[] = []): Handlebars.TemplateDelegate {
  let t = compiled.get(name);
  if (!t) {
    for (const p of partials) Handlebars.registerPartial(p, verilogPartialSource(p));
    t = Handlebars.compile(verilogTemplateSource(name), { noEscape: true, strict: true });
    compiled.set(name, t);
  }
  return t;
}
