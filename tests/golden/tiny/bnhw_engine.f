bnhw_div.v
bnhw_dq.v
bnhw_engine.v
bnhw_mac_array.v
bnhw_qbuf.v
bnhw_qelem.v
bnhw_wmem.v
bnhw_xbuf.v
