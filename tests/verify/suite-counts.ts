/**
 * Random operands per fp unit and random terms per reduction lane in the test suite's cocotb
 * benches: 1e5 on Verilator; on Icarus, some ten times slower per cycle, 2e4, so the suite stays
 * inside its time budget. `npm run verify:units` (scripts/units-long.ts) runs every bench with 1e5
 * on both simulators; the README's figures come from it.
 */
export const SUITE_COUNT = { verilator: 100_000, icarus: 20_000 } as const;

/**
 * Random operands per instruction kind in the suite's benches of the scratchpad units (vector,
 * special-function, head, KV and attention units), on both simulators: 2e4. Their cocotb benches
 * pay Python time per instruction and per scratchpad line, and at 1e5 they held the suite above
 * its 25-minute budget; `npm run verify:units` (scripts/units-long.ts) runs each at 1e5 on both
 * simulators, and the README's figures come from it.
 */
export const UNIT_SUITE_COUNT = 20_000;
