`timescale 1ns / 1ps
// Waveform dump for Icarus runs (`verify --sim icarus --trace F`, the sequencer's bench): a second
// root module that writes a VCD of the bench's top (BNHW_DUMP_TOP, bnhw_engine unless defined)
// between +bnhw_vcd_from and +bnhw_vcd_to (ns).
`ifndef BNHW_DUMP_TOP
`define BNHW_DUMP_TOP bnhw_engine
`endif
module bnhw_dump;
  reg [8*1024-1:0] file;
  integer from_ns;
  integer to_ns;
  initial begin
    if ($value$plusargs("bnhw_vcd=%s", file)) begin
      if (!$value$plusargs("bnhw_vcd_from=%d", from_ns)) from_ns = 0;
      if (!$value$plusargs("bnhw_vcd_to=%d", to_ns)) to_ns = 0;
      $dumpfile(file);
      #(from_ns) $dumpvars(0, `BNHW_DUMP_TOP);
      if (to_ns > from_ns) begin
        #(to_ns - from_ns) $dumpoff;
      end
    end
  end
endmodule
