"""An ArcFace-shaped iResNet in ONNX with random weights, for when no real ONNX
face model is at hand: same layer shapes and cost as insightface's R18/R34/R50/R100
(3x3 convs, 4 stages of 64..512 channels, BN-flatten-FC to 512), not its accuracy.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

LAYERS = {"r18": (2, 2, 2, 2), "r34": (3, 4, 6, 3), "r50": (3, 4, 14, 3), "r100": (3, 13, 30, 3)}


class _Graph:
    def __init__(self, seed: int):
        self.rng = np.random.default_rng(seed)
        self.nodes, self.inits, self.count = [], [], 0

    def name(self, prefix: str) -> str:
        self.count += 1
        return f"{prefix}{self.count}"

    def const(self, array: np.ndarray, prefix: str) -> str:
        from onnx import numpy_helper

        name = self.name(prefix)
        self.inits.append(numpy_helper.from_array(array.astype(np.float32), name))
        return name

    def node(self, op: str, inputs: list[str], **attrs) -> str:
        from onnx import helper

        out = self.name(op.lower())
        self.nodes.append(helper.make_node(op, inputs, [out], **attrs))
        return out

    def conv(self, x: str, cin: int, cout: int, stride: int = 1, kernel: int = 3) -> str:
        w = self.rng.standard_normal((cout, cin, kernel, kernel)) * np.sqrt(2.0 / (cin * kernel * kernel))
        return self.node("Conv", [x, self.const(w, "w")], kernel_shape=[kernel, kernel],
                         strides=[stride, stride], pads=[kernel // 2] * 4)

    def bn(self, x: str, channels: int, gamma: float = 1.0) -> str:
        ones, zeros = np.ones(channels), np.zeros(channels)
        return self.node("BatchNormalization", [x, self.const(ones * gamma, "g"), self.const(zeros, "b"),
                                                self.const(zeros, "m"), self.const(ones, "v")])


def build_iresnet(path: str | Path, depth: str = "r18", size: int = 112, seed: int = 0) -> Path:
    import onnx
    from onnx import TensorProto, helper

    g = _Graph(seed)
    # Each residual branch ends in a BatchNorm scaled by 1/sqrt(blocks): with random weights the
    # branches otherwise add up to embeddings near 1e12, past fp16's range (65504); scaled they
    # stay below ~100, so precision: fp16 can be measured on these nets as on trained ones.
    branch_gamma = 1.0 / np.sqrt(sum(LAYERS[depth]))
    x = g.node("PRelu", [g.bn(g.conv("input", 3, 64), 64), g.const(np.full((64, 1, 1), 0.25), "a")])
    cin = 64
    for stage, (blocks, cout) in enumerate(zip(LAYERS[depth], (64, 128, 256, 512))):
        for block in range(blocks):
            stride = 2 if block == 0 else 1
            y = g.bn(x, cin)
            y = g.conv(y, cin, cout)
            y = g.node("PRelu", [g.bn(y, cout), g.const(np.full((cout, 1, 1), 0.25), "a")])
            y = g.bn(g.conv(y, cout, cout, stride), cout, branch_gamma)
            shortcut = x if (stride == 1 and cin == cout) else g.bn(g.conv(x, cin, cout, stride, 1), cout)
            x = g.node("Add", [y, shortcut])
            cin = cout
    x = g.bn(x, 512)
    side = size // 16
    flat = g.node("Flatten", [x], axis=1)
    fc = g.node("Gemm", [flat, g.const(g.rng.standard_normal((512 * side * side, 512)) / np.sqrt(512 * side * side), "fc"),
                         g.const(np.zeros(512), "fcb")])
    g.nodes[-1].output[0] = "embedding"
    graph = helper.make_graph(g.nodes, f"iresnet_{depth}_random",
                              [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", 3, size, size])],
                              [helper.make_tensor_value_info("embedding", TensorProto.FLOAT, ["N", 512])],
                              initializer=g.inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 10  # onnxruntime 1.31 refuses onnx 1.23's default IR 14
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return Path(path)
