"""bitnet_train: QAT of small BitNets and the PyTorch reference used to cross-check bitnet-hw."""
