"""Minimal safetensors reader/writer (the format is an 8-byte header length, JSON, raw data), so
the package needs nothing beyond torch and numpy."""
import json
import struct

import numpy as np

_NP = {"F32": np.float32, "F64": np.float64, "U8": np.uint8, "I8": np.int8, "I32": np.int32, "F16": np.float16, "I64": np.int64}


def save(path, tensors):
    """tensors: dict name -> numpy array (F32, U8, ...). Sorted names, contiguous offsets."""
    header, blobs, off = {}, [], 0
    rev = {v: k for k, v in _NP.items()}
    for name in sorted(tensors):
        a = np.ascontiguousarray(tensors[name])
        b = a.tobytes()
        header[name] = {"dtype": rev[a.dtype.type], "shape": list(a.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - (len(h) + 8) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def load(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        if e["dtype"] == "BF16":
            raw = np.frombuffer(data[e["data_offsets"][0] : e["data_offsets"][1]], dtype=np.uint16).astype(np.uint32) << 16
            out[name] = raw.view(np.float32).reshape(e["shape"])
        else:
            out[name] = np.frombuffer(data[e["data_offsets"][0] : e["data_offsets"][1]], dtype=_NP[e["dtype"]]).reshape(e["shape"])
    return out
