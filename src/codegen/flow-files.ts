/**
 * The files a design folder carries for the tools downstream of it: a file list (`.f`, the
 * sources in compile order, for Verilator, Icarus and most vendor tools), the clock constraint
 * (an ECP5 `.lpf` for nextpnr and an `.sdc` for tools that read SDC) and the Yosys script that
 * `bitnet-hw impl` itself runs.
 *
 * Needs: the manifest's top and sources, and the architecture's clock.
 * Guarantees: `yosysSynthScript` is the one definition of the synthesis commands; `impl` runs
 * exactly these commands, so the script in the folder reproduces its netlist.
 */

/** Yosys commands: read every source, then synth_ecp5 of the top into a JSON netlist. */
export function yosysSynthScript(sources: readonly string[], top: string, jsonOut: string): string[] {
  return [...sources.map((s) => `read_verilog ${s}`), `synth_ecp5 -top ${top} -json ${jsonOut}`];
}

/** Yosys synthesis for ECP5 with the hierarchy kept, its `stat` written to `statOut`: each unit's cells. */
export function yosysUnitsScript(sources: readonly string[], top: string, statOut: string): string[] {
  return [...sources.map((s) => `read_verilog ${s}`), `synth_ecp5 -noflatten -top ${top}`, `tee -o ${statOut} stat`];
}

export function flowFiles(top: string, sources: readonly string[], clockMHz: number): Map<string, string> {
  const period = (1000 / clockMHz).toFixed(3);
  return new Map([
    [`${top}.f`, sources.join('\n') + '\n'],
    [`${top}.lpf`, `# Clock constraint for nextpnr-ecp5 (--lpf ${top}.lpf): the architecture's ${clockMHz} MHz clock.\nFREQUENCY PORT "clk" ${clockMHz} MHz;\n`],
    [`${top}.sdc`, `# The architecture's ${clockMHz} MHz clock.\ncreate_clock -name clk -period ${period} [get_ports clk]\n`],
    ['synth_ecp5.ys', `# Yosys synthesis for ECP5, as \`bitnet-hw impl\` runs it: yosys -s synth_ecp5.ys\n${yosysSynthScript(sources, top, `${top}.json`).join('\n')}\n`],
  ]);
}
