# The architecture's 100 MHz clock.
create_clock -name clk -period 10.000 [get_ports clk]
