// Keras networks as tf2onnx writes them (NHWC input and Transposes around the convolutions,
// Rescaling and Normalization as arithmetic, Flatten in NHWC order, GlobalAveragePooling2D as
// ReduceMean), imported and compared with plain loops computed on the NHWC layout.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <functional>

#include "gradcheck.hpp"
#include "onnx_test_util.hpp"

using namespace lumen;
using namespace lumen::onnx_test;
using lumen::testing::random_tensor;

namespace {

using I = std::int64_t;

// Element [a, b, c, d] of a rank-4 tensor.
float& at(Tensor& t, I a, I b, I c, I d) {
  const auto& s = t.shape();
  return t[((a * s[1] + b) * s[2] + c) * s[3] + d];
}
float at(const Tensor& t, I a, I b, I c, I d) {
  const auto& s = t.shape();
  return t[((a * s[1] + b) * s[2] + c) * s[3] + d];
}

// The NCHW tensor lumen is fed for the NHWC tensor x.
Tensor nchw_of(const Tensor& x) {
  const auto& s = x.shape();
  Tensor y({s[0], s[3], s[1], s[2]});
  for (I n = 0; n < s[0]; ++n) {
    for (I h = 0; h < s[1]; ++h) {
      for (I w = 0; w < s[2]; ++w) {
        for (I c = 0; c < s[3]; ++c) at(y, n, c, h, w) = at(x, n, h, w, c);
      }
    }
  }
  return y;
}

// Keras Conv2D on NHWC x with an HWIO kernel, stride 1; padding "same" (TensorFlow puts the odd
// padding after, like ONNX SAME_UPPER) or "valid".
Tensor conv_nhwc(const Tensor& x, const Tensor& kernel, const Tensor& bias, bool same) {
  const auto& s = x.shape();
  const I kh = kernel.dim(0), kw = kernel.dim(1), ci = kernel.dim(2), co = kernel.dim(3);
  const I oh = same ? s[1] : s[1] - kh + 1, ow = same ? s[2] : s[2] - kw + 1;
  const I top = same ? (kh - 1) / 2 : 0, left = same ? (kw - 1) / 2 : 0;
  Tensor y({s[0], oh, ow, co});
  for (I n = 0; n < s[0]; ++n) {
    for (I i = 0; i < oh; ++i) {
      for (I j = 0; j < ow; ++j) {
        for (I o = 0; o < co; ++o) {
          double sum = bias[o];
          for (I a = 0; a < kh; ++a) {
            for (I b = 0; b < kw; ++b) {
              const I h = i - top + a, w = j - left + b;
              if (h < 0 || h >= s[1] || w < 0 || w >= s[2]) continue;
              for (I c = 0; c < ci; ++c) sum += double(at(x, n, h, w, c)) * at(kernel, a, b, c, o);
            }
          }
          at(y, n, i, j, o) = static_cast<float>(sum);
        }
      }
    }
  }
  return y;
}

// 2x2 max-pooling with stride 2 ("valid") on NHWC.
Tensor max_pool_nhwc(const Tensor& x) {
  const auto& s = x.shape();
  Tensor y({s[0], s[1] / 2, s[2] / 2, s[3]});
  for (I n = 0; n < s[0]; ++n) {
    for (I i = 0; i < s[1] / 2; ++i) {
      for (I j = 0; j < s[2] / 2; ++j) {
        for (I c = 0; c < s[3]; ++c) {
          at(y, n, i, j, c) =
              std::max({at(x, n, 2 * i, 2 * j, c), at(x, n, 2 * i + 1, 2 * j, c),
                        at(x, n, 2 * i, 2 * j + 1, c), at(x, n, 2 * i + 1, 2 * j + 1, c)});
        }
      }
    }
  }
  return y;
}

// Keras GlobalAveragePooling2D: [N, H, W, C] -> [N, C].
Tensor mean_hw_nhwc(const Tensor& x) {
  const auto& s = x.shape();
  Tensor y({s[0], s[3]});
  for (I n = 0; n < s[0]; ++n) {
    for (I c = 0; c < s[3]; ++c) {
      double sum = 0.0;
      for (I h = 0; h < s[1]; ++h) {
        for (I w = 0; w < s[2]; ++w) sum += at(x, n, h, w, c);
      }
      y[n * s[3] + c] = static_cast<float>(sum / double(s[1] * s[2]));
    }
  }
  return y;
}

// f(value, channel) applied to every element of an NHWC tensor (channel = last axis).
Tensor per_channel(const Tensor& x, const std::function<double(double, I)>& f) {
  Tensor y = x;
  const I c = x.shape().back();
  for (I i = 0; i < y.size(); ++i) y[i] = static_cast<float>(f(x[i], i % c));
  return y;
}

// Keras Dense: x [N, K] times a kernel [K, M] plus a bias [M].
Tensor dense(const Tensor& x, const Tensor& kernel, const Tensor& bias) {
  const I n = x.dim(0), k = x.dim(1), m = kernel.dim(1);
  Tensor y({n, m});
  for (I i = 0; i < n; ++i) {
    for (I j = 0; j < m; ++j) {
      double sum = bias[j];
      for (I p = 0; p < k; ++p) sum += double(x[i * k + p]) * kernel[p * m + j];
      y[i * m + j] = static_cast<float>(sum);
    }
  }
  return y;
}

// Keras Flatten of an NHWC tensor: its values in memory order.
Tensor flatten_nhwc(const Tensor& x) { return x.reshaped({x.dim(0), x.size() / x.dim(0)}); }

const onnx_writer::Attribute to_oihw{"perm", Ints{3, 2, 0, 1}};

// A Keras Conv2D as tf2onnx writes it: the HWIO kernel transposed to OIHW (by a Transpose of the
// initializer, which lumen folds), then Conv.
void add_conv(ModelBuilder& b, const std::string& name, const std::string& in,
              const std::string& out, const Tensor& kernel, const Tensor& bias,
              const std::string& padding) {
  b.add_initializer(name + "_kernel", kernel)
      .add_initializer(name + "_bias", bias)
      .add_node("Transpose", {name + "_kernel"}, {name + "_w"}, {to_oihw})
      .add_node("Conv", {in, name + "_w", name + "_bias"}, {out},
                {{"auto_pad", padding},
                 {"kernel_shape", Ints{kernel.dim(0), kernel.dim(1)}},
                 {"strides", Ints{1, 1}},
                 {"dilations", Ints{1, 1}}},
                name);
}

void add_dense(ModelBuilder& b, const std::string& name, const std::string& in,
               const std::string& out, const Tensor& kernel, const Tensor& bias) {
  b.add_initializer(name + "_kernel", kernel)
      .add_initializer(name + "_bias", bias)
      .add_node("MatMul", {in, name + "_kernel"}, {name + "_mm"}, {}, name + "/MatMul")
      .add_node("Add", {name + "_mm", name + "_bias"}, {out}, {}, name + "/BiasAdd");
}

const onnx_writer::Attribute pool_kernel{"kernel_shape", Ints{2, 2}};
const onnx_writer::Attribute pool_strides{"strides", Ints{2, 2}};

}  // namespace

TEST_CASE("a Keras LeNet exported by tf2onnx matches a direct NHWC computation", "[onnx]") {
  const auto k1 = random_tensor({3, 3, 2, 4}, 101), b1 = random_tensor({4}, 102);
  const auto k2 = random_tensor({3, 3, 4, 6}, 103), b2 = random_tensor({6}, 104);
  const auto d1 = random_tensor({24, 10}, 105), d1_b = random_tensor({10}, 106);
  const auto d2 = random_tensor({10, 3}, 107), d2_b = random_tensor({3}, 108);

  ModelBuilder b(13);
  b.add_input("input_1", {"unk__12", 12, 12, 2})
      .add_node("Transpose", {"input_1"}, {"input_nchw"}, {{"perm", Ints{0, 3, 1, 2}}},
                "sequential/conv2d/Conv2D__6");
  add_conv(b, "conv2d", "input_nchw", "c1", k1, b1, "SAME_UPPER");
  b.add_node("Relu", {"c1"}, {"r1"}, {}, "conv2d/Relu")
      .add_node("MaxPool", {"r1"}, {"p1"}, {pool_kernel, pool_strides, {"auto_pad", "VALID"}},
                "max_pooling2d");
  add_conv(b, "conv2d_1", "p1", "c2", k2, b2, "VALID");
  b.add_node("Relu", {"c2"}, {"r2"}, {}, "conv2d_1/Relu")
      .add_node("MaxPool", {"r2"}, {"p2"}, {pool_kernel, pool_strides, {"auto_pad", "VALID"}},
                "max_pooling2d_1")
      .add_node("Transpose", {"p2"}, {"p2_nhwc"}, {{"perm", Ints{0, 2, 3, 1}}},
                "max_pooling2d_1__20")
      .add_initializer("flatten_shape", IntTensor{{2}, Ints{-1, 24}})
      .add_node("Reshape", {"p2_nhwc", "flatten_shape"}, {"flat"}, {}, "flatten/Reshape");
  add_dense(b, "dense", "flat", "h", d1, d1_b);
  b.add_node("Relu", {"h"}, {"h_relu"}, {}, "dense/Relu");
  add_dense(b, "dense_1", "h_relu", "logits", d2, d2_b);
  b.add_node("Softmax", {"logits"}, {"dense_1_out"}, {{"axis", 1}}, "dense_1/Softmax")
      .add_output("dense_1_out", {"unk__13", 3});
  b.check();
  const Model model = import_model(b);

  // The input is fed as NCHW; its Transpose and the kernel Transposes leave no node.
  CHECK(model.input_spec().sample_shape == Shape{2, 12, 12});
  CHECK(op_types(model) == std::vector<std::string>{"Input", "Conv", "Relu", "MaxPool", "Conv",
                                                    "Relu", "MaxPool", "Transpose", "Reshape",
                                                    "Gemm", "Relu", "Gemm", "Softmax"});
  CHECK_FALSE(model.graph().find("sequential/conv2d/Conv2D__6"));
  CHECK(model.graph().node(model.graph().at("conv2d")).inputs ==
        std::vector<NodeId>{model.graph().input()});
  CHECK(model.graph().at("dense_1/MatMul") == model.logits_node());

  const auto x = random_tensor({3, 12, 12, 2}, 109, 0.0F, 1.0F);
  auto h = max_pool_nhwc(ref::relu(conv_nhwc(x, k1, b1, true)));
  h = max_pool_nhwc(ref::relu(conv_nhwc(h, k2, b2, false)));
  h = ref::relu(dense(flatten_nhwc(h), d1, d1_b));
  const auto expected = dense(h, d2, d2_b);
  check_close(logits(model, nchw_of(x)), expected);
  check_close(run(model, nchw_of(x)), ref::softmax_rows(expected));
}

TEST_CASE("a grayscale Keras LeNet whose input Transpose tf2onnx wrote as a Reshape", "[onnx]") {
  // With C == 1 tf2onnx replaces Transpose [0,3,1,2] by Reshape [-1, 1, H, W] (same values).
  const auto k = random_tensor({3, 3, 1, 2}, 111), bias = random_tensor({2}, 112);
  const auto d = random_tensor({72, 3}, 113), d_b = random_tensor({3}, 114);
  ModelBuilder b(13);
  b.add_input("input_1", {"N", 8, 8, 1})
      .add_initializer("to_nchw", IntTensor{{4}, Ints{-1, 1, 8, 8}})
      .add_node("Reshape", {"input_1", "to_nchw"}, {"x_nchw"}, {}, "conv2d/Conv2D__5");
  add_conv(b, "conv2d", "x_nchw", "c", k, bias, "VALID");
  b.add_node("Relu", {"c"}, {"r"})
      .add_node("Transpose", {"r"}, {"r_nhwc"}, {{"perm", Ints{0, 2, 3, 1}}})
      .add_initializer("flatten_shape", IntTensor{{2}, Ints{-1, 72}})
      .add_node("Reshape", {"r_nhwc", "flatten_shape"}, {"flat"});
  add_dense(b, "dense", "flat", "scores", d, d_b);
  b.add_output("scores");
  b.check();
  const Model model = import_model(b);

  CHECK(model.input_spec().sample_shape == Shape{1, 8, 8});
  CHECK(op_types(model) ==
        std::vector<std::string>{"Input", "Conv", "Relu", "Transpose", "Reshape", "Gemm"});
  const auto x = random_tensor({2, 8, 8, 1}, 115, 0.0F, 1.0F);
  const auto expected = dense(flatten_nhwc(ref::relu(conv_nhwc(x, k, bias, false))), d, d_b);
  check_close(run(model, nchw_of(x)), expected);
}

TEST_CASE("a Keras VGG-like network with Rescaling, Normalization and GAP matches NHWC loops",
          "[onnx]") {
  const auto k1 = random_tensor({3, 3, 3, 4}, 121), b1 = random_tensor({4}, 122);
  const auto k2 = random_tensor({3, 3, 4, 4}, 123), b2 = random_tensor({4}, 124);
  const std::vector<Tensor> bn{random_tensor({4}, 125, 0.5F, 1.5F), random_tensor({4}, 126),
                               random_tensor({4}, 127), random_tensor({4}, 128, 0.5F, 1.5F)};
  const auto d = random_tensor({4, 5}, 129), d_b = random_tensor({5}, 130);
  const Tensor mean({3}, {0.485F, 0.456F, 0.406F}), std_dev({3}, {0.229F, 0.224F, 0.225F});

  // How GlobalAveragePooling2D appears: ReduceMean over NCHW [2,3] (after tf2onnx's transpose
  // optimiser), or over NHWC [1,2] behind a Transpose, keeping the dims and squeezing them after.
  enum class Gap { nchw, nhwc, nhwc_keepdims };
  for (const auto gap : {Gap::nchw, Gap::nhwc, Gap::nhwc_keepdims}) {
    INFO("GAP variant " << static_cast<int>(gap));
    ModelBuilder b(13);
    b.add_input("input_1", {"N", 6, 6, 3})
        .add_initializer("scale", Tensor(Shape{}, std::vector<float>{1.0F / 255.0F}))
        .add_initializer("mean_int", IntTensor{{3}, Ints{0, 0, 0}})
        .add_initializer("mean_offset", mean)
        .add_initializer("std", std_dev)
        .add_node("Mul", {"input_1", "scale"}, {"scaled"}, {}, "rescaling/mul")
        // The mean arrives through Cast and Add folding, as constant chains do in exports.
        .add_node("Cast", {"mean_int"}, {"mean_zero"}, {{"to", 1}})
        .add_node("Add", {"mean_zero", "mean_offset"}, {"mean"})
        .add_node("Sub", {"scaled", "mean"}, {"centred"}, {}, "normalization/sub")
        .add_node("Div", {"centred", "std"}, {"normalised"}, {}, "normalization/truediv")
        .add_node("Identity", {"normalised"}, {"normalised_id"})
        .add_node("Transpose", {"normalised_id"}, {"x_nchw"}, {{"perm", Ints{0, 3, 1, 2}}});
    add_conv(b, "block1_conv1", "x_nchw", "c1", k1, b1, "SAME_UPPER");
    b.add_node("Relu", {"c1"}, {"r1"});
    const char* bn_names[] = {"bn_scale", "bn_bias", "bn_mean", "bn_var"};
    for (std::size_t i = 0; i < 4; ++i) b.add_initializer(bn_names[i], bn[i]);
    b.add_node("BatchNormalization", {"r1", "bn_scale", "bn_bias", "bn_mean", "bn_var"}, {"n1"},
               {{"epsilon", 0.001}});
    add_conv(b, "block1_conv2", "n1", "c2", k2, b2, "SAME_UPPER");
    b.add_node("Relu", {"c2"}, {"r2"})
        .add_node("MaxPool", {"r2"}, {"p"}, {pool_kernel, pool_strides}, "block1_pool");
    if (gap == Gap::nchw) {
      b.add_node("ReduceMean", {"p"}, {"gap"}, {{"axes", Ints{2, 3}}, {"keepdims", 0}},
                 "global_average_pooling2d/Mean");
    } else {
      b.add_node("Transpose", {"p"}, {"p_nhwc"}, {{"perm", Ints{0, 2, 3, 1}}}, "block1_pool__30");
      if (gap == Gap::nhwc) {
        b.add_node("ReduceMean", {"p_nhwc"}, {"gap"}, {{"axes", Ints{1, 2}}, {"keepdims", 0}},
                   "gap");
      } else {
        b.add_initializer("squeeze_axes", IntTensor{{2}, Ints{1, 2}})
            .add_node("ReduceMean", {"p_nhwc"}, {"gap_4d"}, {{"axes", Ints{-3, -2}}},
                      "global_average_pooling2d/Mean")
            .add_node("Squeeze", {"gap_4d", "squeeze_axes"}, {"gap"}, {}, "squeeze");
      }
    }
    add_dense(b, "predictions", "gap", "logits", d, d_b);
    b.add_node("Softmax", {"logits"}, {"probs"}).add_output("probs");
    b.check();
    const Model model = import_model(b);

    CHECK(model.input_spec().sample_shape == Shape{3, 6, 6});
    std::vector<std::string> ops{"Input",    "Mul",  "Add",     "Mul",
                                 "Identity", "Conv", "Relu",    "BatchNormalization",
                                 "Conv",     "Relu", "MaxPool", "GlobalAveragePool"};
    for (const char* op : gap == Gap::nhwc_keepdims ? std::vector<const char*>{"Reshape", "Reshape"}
                                                    : std::vector<const char*>{"Flatten"}) {
      ops.push_back(op);
    }
    ops.push_back("Gemm");
    ops.push_back("Softmax");
    CHECK(op_types(model) == ops);

    const auto x = random_tensor({2, 6, 6, 3}, 131, 0.0F, 255.0F);
    auto h =
        per_channel(x, [&](double v, I c) { return (v * (1.0F / 255.0F) - mean[c]) / std_dev[c]; });
    h = ref::relu(conv_nhwc(h, k1, b1, true));
    h = per_channel(h, [&](double v, I c) {
      return bn[0][c] * (v - bn[2][c]) / std::sqrt(double(bn[3][c]) + 0.001) + bn[1][c];
    });
    h = max_pool_nhwc(ref::relu(conv_nhwc(h, k2, b2, true)));
    const auto expected = dense(mean_hw_nhwc(h), d, d_b);
    check_close(logits(model, nchw_of(x)), expected, 2e-5);
    check_close(run(model, nchw_of(x)), ref::softmax_rows(expected));
  }
}
