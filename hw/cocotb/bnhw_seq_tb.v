`timescale 1ns / 1ps
// The cocotb top of the sequencer's bench (test_seq.py): bnhw_seq with its clock made here (rising
// edges at 10, 20, ... ns), so the bench's per-cycle unit models cost no Python clock.
module bnhw_seq_tb (
  output reg          clk,
  input  wire         rst,
  input  wire         run,
  input  wire         logits,
  input  wire         engine_done,
  input  wire         vector_done,
  input  wire         sfu_done,
  input  wire         attention_done,
  input  wire         head_done,
  input  wire         kv_done,
  output wire         engine_issue,
  output wire         vector_issue,
  output wire         sfu_issue,
  output wire         attention_issue,
  output wire         head_issue,
  output wire         kv_issue,
  output wire         running,
  output wire         done,
  output wire         issue_v,
  output wire [15:0]  issue_pc,
  output wire [255:0] issue_word
);
  initial clk = 1'b1;
  always #5 clk = ~clk;
  bnhw_seq u_seq (
    .clk(clk), .rst(rst), .run(run), .logits(logits),
    .engine_done(engine_done), .engine_issue(engine_issue),
    .vector_done(vector_done), .vector_issue(vector_issue),
    .sfu_done(sfu_done), .sfu_issue(sfu_issue),
    .attention_done(attention_done), .attention_issue(attention_issue),
    .head_done(head_done), .head_issue(head_issue),
    .kv_done(kv_done), .kv_issue(kv_issue),
    .running(running), .done(done), .issue_v(issue_v), .issue_pc(issue_pc), .issue_word(issue_word)
  );
endmodule
