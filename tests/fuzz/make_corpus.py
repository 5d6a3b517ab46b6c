#!/usr/bin/python3
"""Writes the seed corpus of the fuzz harnesses (tests/fuzz/corpus/<target>/): small valid inputs
of each format, plus a few near misses the readers refuse. Run from the repository root:

    /usr/bin/python3 tests/fuzz/make_corpus.py [--plugin build/tests/plugin_fixtures/liblumen-fixture-good.so]

It needs Debian's python3-onnx, python3-numpy and python3-pil (scripts/setup.sh --with-fuzz), and
a C compiler for the minimal shared library. The output is deterministic and committed; rerun it
only to change the seeds.
"""
import argparse
import io
import pathlib
import struct
import subprocess
import tempfile

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from PIL import Image

ROOT = pathlib.Path(__file__).resolve().parent / "corpus"
rng = np.random.default_rng(14)


def write(target, name, data):
    d = ROOT / target
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_bytes(data)


def weights(name, *shape):
    return numpy_helper.from_array(rng.standard_normal(shape).astype(np.float32), name)


def ints(name, values):
    return numpy_helper.from_array(np.array(values, dtype=np.int64), name)


def model(nodes, inits, input_shape, output_shape, opset, metadata=None):
    graph = helper.make_graph(
        nodes, "seed", [helper.make_tensor_value_info("x", TensorProto.FLOAT, input_shape)],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, output_shape)], inits)
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)],
                          producer_name="lumen-fuzz-seed")
    m.ir_version = 7
    if metadata:
        helper.set_model_props(m, metadata)
    onnx.checker.check_model(m)
    return m.SerializeToString()


def onnx_seeds():
    n = helper.make_node
    write("onnx_import", "lenet.onnx", model(
        [n("Conv", ["x", "w1", "b1"], ["c"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
         n("Relu", ["c"], ["r"]),
         n("MaxPool", ["r"], ["p"], kernel_shape=[2, 2], strides=[2, 2]),
         n("Flatten", ["p"], ["f"]),
         n("Gemm", ["f", "w2", "b2"], ["g"], transB=1),
         n("Softmax", ["g"], ["y"], axis=1)],
        [weights("w1", 2, 1, 3, 3), weights("b1", 2), weights("w2", 3, 8), weights("b2", 3)],
        [1, 1, 4, 4], [1, 3], 13,
        {"lumen.labels": "a,b,c", "lumen.mean": "0.5", "lumen.std": "0.25"}))
    write("onnx_import", "residual.onnx", model(
        [n("Conv", ["x", "w1"], ["c"], kernel_shape=[1, 1], strides=[1, 1]),
         n("BatchNormalization", ["c", "s", "bb", "m", "v"], ["bn"]),
         n("Relu", ["bn"], ["r"]),
         n("Add", ["r", "x"], ["a"]),
         n("GlobalAveragePool", ["a"], ["gap"]),
         n("Flatten", ["gap"], ["f"]),
         n("Gemm", ["f", "w2"], ["y"], transB=1)],
        [weights("w1", 2, 2, 1, 1), weights("s", 2), weights("bb", 2), weights("m", 2),
         numpy_helper.from_array(np.array([1.0, 2.0], dtype=np.float32), "v"),
         weights("w2", 2, 2)],
        [1, 2, 3, 3], [1, 2], 11))
    write("onnx_import", "windows.onnx", model(
        [n("Pad", ["x", "pads"], ["pd"], mode="constant"),
         n("AveragePool", ["pd"], ["ap"], kernel_shape=[2, 2], count_include_pad=1),
         n("LRN", ["ap"], ["l"], size=3),
         n("LeakyRelu", ["l"], ["lr"], alpha=0.1),
         n("Concat", ["lr", "lr"], ["cc"], axis=1),
         n("ReduceMean", ["cc"], ["rm"], axes=[2, 3], keepdims=0),
         n("Sigmoid", ["rm"], ["y"])],
        [ints("pads", [0, 0, 1, 1, 0, 0, 1, 1])],
        [1, 2, 3, 3], [1, 4], 13))
    write("onnx_import", "dynamic_flatten.onnx", model(
        [n("Shape", ["x"], ["sh"]),
         n("Gather", ["sh", "zero"], ["batch"], axis=0),
         n("Unsqueeze", ["batch"], ["b1"], axes=[0]),
         n("Concat", ["b1", "minus_one"], ["shape"], axis=0),
         n("Reshape", ["x", "shape"], ["f"]),
         n("MatMul", ["f", "w"], ["mm"]),
         n("Add", ["mm", "b"], ["t"]),
         n("Tanh", ["t"], ["y"])],
        [ints("zero", 0), ints("minus_one", [-1]), weights("w", 4, 2), weights("b", 2)],
        [1, 1, 2, 2], [1, 2], 9))
    write("onnx_import", "nhwc.onnx", model(
        [n("Transpose", ["x"], ["nchw"], perm=[0, 3, 1, 2]),
         n("Conv", ["nchw", "w"], ["c"], kernel_shape=[2, 2], auto_pad="SAME_UPPER"),
         n("Transpose", ["c"], ["nhwc"], perm=[0, 2, 3, 1]),
         n("Reshape", ["nhwc", "flat"], ["f"]),
         n("Sub", ["f", "k"], ["s"]),
         n("Mul", ["s", "k"], ["mu"]),
         n("Div", ["mu", "k"], ["d"]),
         n("Identity", ["d"], ["i"]),
         n("Dropout", ["i"], ["y"])],
        [weights("w", 2, 3, 2, 2), ints("flat", [-1, 8]),
         numpy_helper.from_array(np.array([2.0], dtype=np.float32), "k")],
        [1, 2, 2, 3], [1, 8], 17))


def npy_bytes(array, version=None):
    out = io.BytesIO()
    if version is None:
        np.save(out, array)
    else:
        np.lib.format.write_array(out, array, version=version)
    return out.getvalue()


def npy_seeds():
    write("npy", "f4_image.npy", npy_bytes(rng.random((1, 1, 4, 4), dtype=np.float32)))
    write("npy", "f4_scalar.npy", npy_bytes(np.float32(1.5)))
    write("npy", "f4_vector.npy", npy_bytes(np.arange(3, dtype=np.float32)))
    write("npy", "f4_empty.npy", npy_bytes(np.zeros((0, 3), dtype=np.float32)))
    write("npy", "f8_matrix.npy", npy_bytes(rng.random((2, 3))))
    write("npy", "f4_version2.npy", npy_bytes(np.ones((2, 2), dtype=np.float32), (2, 0)))
    write("npy", "f4_version3.npy", npy_bytes(np.ones((1, 2), dtype=np.float32), (3, 0)))
    write("npy", "i4_refused.npy", npy_bytes(np.arange(4, dtype=np.int32)))
    write("npy", "fortran_refused.npy",
          npy_bytes(np.asfortranarray(np.ones((2, 3), dtype=np.float32))))


def image_bytes(image, fmt, **options):
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def image_seeds():
    grey = Image.fromarray((rng.random((4, 4)) * 255).astype(np.uint8), "L")
    rgb = Image.fromarray((rng.random((3, 5, 3)) * 255).astype(np.uint8), "RGB")
    write("image", "grey.png", image_bytes(grey, "PNG"))
    write("image", "grey_alpha.png", image_bytes(grey.convert("LA"), "PNG"))
    write("image", "rgb.png", image_bytes(rgb, "PNG"))
    write("image", "rgba_interlaced.png", image_bytes(rgb.convert("RGBA"), "PNG", interlace=1))
    write("image", "palette.png", image_bytes(rgb.convert("P"), "PNG"))
    write("image", "grey16.png", image_bytes(grey.convert("I;16"), "PNG"))
    write("image", "grey.jpg", image_bytes(grey.resize((8, 8)), "JPEG", quality=90))
    write("image", "rgb.jpg", image_bytes(rgb.resize((16, 8)), "JPEG", quality=75))
    write("image", "rgb_progressive.jpg",
          image_bytes(rgb.resize((8, 8)), "JPEG", progressive=True, subsampling=2))


def phoenix(rows, columns, native=0, target="T72"):
    def header(length):
        fields = [("PhoenixHeaderLength", f"{length:06d}"), ("native_header_length", str(native)),
                  ("NumberOfRows", str(rows)), ("NumberOfColumns", str(columns)),
                  ("TargetType", target), ("DesiredDepression", "17")]
        return ("[PhoenixHeaderVer01.04]\n" + "".join(f"{k}= {v}\n" for k, v in fields) +
                "[EndofPhoenixHeader]\n").encode()
    length = len(header(0))
    data = header(length) + b"\x7f" * native
    magnitude = rng.random(rows * columns).astype(np.float32) * 3
    phase = (rng.random(rows * columns).astype(np.float32) - 0.5) * 6
    return data + magnitude.astype(">f4").tobytes() + phase.astype(">f4").tobytes()


def mstar_seeds():
    write("mstar", "chip_4x4.000", phoenix(4, 4))
    write("mstar", "chip_3x5_native.001", phoenix(3, 5, native=24, target="BMP2"))
    write("mstar", "chip_1x1.002", phoenix(1, 1))


def plugin_seeds(plugin):
    with tempfile.TemporaryDirectory() as tmp:
        source = pathlib.Path(tmp) / "tiny.c"
        source.write_text("int lumen_fuzz_seed(void) { return 14; }\n")
        library = pathlib.Path(tmp) / "tiny.so"
        subprocess.run(["cc", "-shared", "-fPIC", "-nostdlib", "-s", "-O2",
                        "-Wl,-z,noseparate-code", "-Wl,--build-id=none", "-o", library, source],
                       check=True)
        write("plugin_elf", "tiny.so", library.read_bytes())
    if plugin:
        write("plugin_elf", "plugin_cut_4096.so", pathlib.Path(plugin).read_bytes()[:4096])
    write("plugin_elf", "not_elf.so", b"not an ELF file\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plugin", help="a built plugin, whose first 4096 bytes become a seed")
    args = parser.parse_args()
    onnx_seeds()
    npy_seeds()
    image_seeds()
    mstar_seeds()
    plugin_seeds(args.plugin)


if __name__ == "__main__":
    main()
