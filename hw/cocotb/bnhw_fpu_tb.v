`timescale 1ns / 1ps
// The cocotb top of the fp32 unit benches (test_fpu.py): the four generated units side by side,
// each with its own ports, so one simulator build checks them all. The clock is made here, not
// by cocotb: a Python clock costs two scheduler wakes per cycle, which would bound the iterative
// units' benches (tens of cycles per operation) to about ten thousand cycles a second; here only
// the triggers the bench awaits cost Python time. Rising edges at 10, 20, ... ns, as with cocotb's
// Clock(10 ns) started high.
module bnhw_fpu_tb (
  output reg         clk,
  input  wire        rst,
  input  wire        add_in_v,
  input  wire [31:0] add_a,
  input  wire [31:0] add_b,
  output wire        add_out_v,
  output wire [31:0] add_y,
  input  wire        mul_in_v,
  input  wire [31:0] mul_a,
  input  wire [31:0] mul_b,
  output wire        mul_out_v,
  output wire [31:0] mul_y,
  input  wire        div_in_v,
  input  wire [31:0] div_a,
  input  wire [31:0] div_b,
  output wire        div_busy,
  output wire        div_out_v,
  output wire [31:0] div_y,
  input  wire        sqrt_in_v,
  input  wire [31:0] sqrt_a,
  output wire        sqrt_busy,
  output wire        sqrt_out_v,
  output wire [31:0] sqrt_y
);
  initial clk = 1'b1;
  always #5 clk = ~clk;

  bnhw_fadd u_add (.clk(clk), .rst(rst), .in_v(add_in_v), .in_a(add_a), .in_b(add_b), .out_v(add_out_v), .out_y(add_y));
  bnhw_fmul u_mul (.clk(clk), .rst(rst), .in_v(mul_in_v), .in_a(mul_a), .in_b(mul_b), .out_v(mul_out_v), .out_y(mul_y));
  bnhw_fdiv u_div (.clk(clk), .rst(rst), .in_v(div_in_v), .in_a(div_a), .in_b(div_b), .busy(div_busy), .out_v(div_out_v), .out_y(div_y));
  bnhw_fsqrt u_sqrt (.clk(clk), .rst(rst), .in_v(sqrt_in_v), .in_a(sqrt_a), .busy(sqrt_busy), .out_v(sqrt_out_v), .out_y(sqrt_y));
endmodule
