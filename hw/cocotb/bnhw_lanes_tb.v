`timescale 1ns / 1ps
// The cocotb top of the reduction lanes' bench (test_lanes.py): bnhw_fsum and bnhw_fdot side by
// side, each with its own ports; the clock is made here as in bnhw_fpu_tb (rising edges at 10,
// 20, ... ns).
module bnhw_lanes_tb (
  output reg         clk,
  input  wire        rst,
  input  wire        sum_in_v,
  input  wire [31:0] sum_a,
  input  wire        sum_last,
  output wire        sum_ready,
  output wire        sum_out_v,
  output wire [31:0] sum_y,
  input  wire        dot_in_v,
  input  wire [31:0] dot_a,
  input  wire [31:0] dot_b,
  input  wire        dot_last,
  output wire        dot_ready,
  output wire        dot_out_v,
  output wire [31:0] dot_y
);
  initial clk = 1'b1;
  always #5 clk = ~clk;

  bnhw_fsum u_sum (.clk(clk), .rst(rst), .in_v(sum_in_v), .in_a(sum_a), .in_last(sum_last), .in_ready(sum_ready), .out_v(sum_out_v), .out_y(sum_y));
  bnhw_fdot u_dot (.clk(clk), .rst(rst), .in_v(dot_in_v), .in_a(dot_a), .in_b(dot_b), .in_last(dot_last), .in_ready(dot_ready), .out_v(dot_out_v), .out_y(dot_y));
endmodule
