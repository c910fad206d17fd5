`timescale 1ns / 1ps
// The cocotb top of the exp unit's bench (test_fpu.py): bnhw_fexp alone, with its clock made here
// as in bnhw_fpu_tb. Apart from the four other units because the exp is larger than all four
// together: beside the iterative units' long runs, an idle exp would still cost Icarus its
// pipeline's evaluation in every cycle.
module bnhw_fexp_tb (
  output reg         clk,
  input  wire        rst,
  input  wire        exp_in_v,
  input  wire [31:0] exp_a,
  output wire        exp_out_v,
  output wire [31:0] exp_y
);
  initial clk = 1'b1;
  always #5 clk = ~clk;

  bnhw_fexp u_exp (.clk(clk), .rst(rst), .in_v(exp_in_v), .in_a(exp_a), .out_v(exp_out_v), .out_y(exp_y));
endmodule
