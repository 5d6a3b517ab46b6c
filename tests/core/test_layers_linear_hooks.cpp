// The LinearLayer hooks: forward_with / backward_with against plain layers and direct formulas.
#include <catch2/catch.hpp>
#include <cmath>
#include <string>
#include <vector>

#include "gradcheck.hpp"
#include "lumen/conv_transpose.hpp"
#include "lumen/layers.hpp"
#include "lumen/resize.hpp"
#include "naive_backend.hpp"

using namespace lumen;
using lumen::testing::dot;
using lumen::testing::forward_of;
using lumen::testing::max_abs_difference;
using lumen::testing::naive_backend;
using lumen::testing::random_tensor;

namespace {

using Kind = WeightTransform::Kind;

std::vector<WeightTransform> all_transforms() {
  return {{Kind::identity, 0.0F}, {Kind::positive, 0.0F}, {Kind::negative, 0.0F},
          {Kind::gamma, 0.25F},   {Kind::square, 0.0F},   {Kind::flat, 0.0F}};
}

std::string name_of(const WeightTransform& t) {
  const char* names[] = {"identity", "positive", "negative", "gamma", "square", "flat"};
  return names[static_cast<int>(t.kind)];
}

Tensor transformed(const Tensor& w, const WeightTransform& t) {
  Tensor out(w.shape());
  for (std::int64_t i = 0; i < w.size(); ++i) out[i] = t(w[i]);
  return out;
}

struct LinearCase {
  std::string name;
  std::shared_ptr<const Layer> layer;
  Shape input;
};

Conv2dParams conv_params(std::uint64_t seed, std::int64_t groups, bool bias) {
  Conv2dParams p;
  p.weight = random_tensor({4, 4 / groups, 3, 2}, seed);
  if (bias) p.bias = random_tensor({4}, seed + 1);
  p.stride = {2, 1};
  p.dilation = {1, 2};
  p.pads = {1, 0, 2, 1};
  p.groups = groups;
  return p;
}

ConvTranspose2dParams conv_transpose_params() {
  ConvTranspose2dParams p;
  p.weight = random_tensor({4, 2, 3, 3}, 11);
  p.bias = random_tensor({4}, 12);
  p.stride = {2, 2};
  p.pads = {1, 1, 1, 1};
  p.output_padding = {1, 1};
  p.dilation = {2, 2};
  p.groups = 2;
  return p;
}

std::vector<LinearCase> linear_cases() {
  Pool2dParams ceil_pool{{3, 3}, {2, 2}, {1, 1}, {1, 1, 1, 1}, true, true};
  Pool2dParams exclude_pool{{2, 3}, {1, 2}, {2, 1}, {1, 0, 0, 2}, false, false};
  return {
      {"conv", make_conv2d(conv_params(1, 1, true)), {2, 4, 6, 5}},
      {"grouped conv", make_conv2d(conv_params(3, 2, false)), {3, 4, 5, 5}},
      {"linear", make_linear(random_tensor({3, 6}, 5), random_tensor({3}, 6)), {2, 6}},
      {"avg pool ceil include pad", make_avg_pool2d(ceil_pool), {2, 2, 6, 7}},
      {"avg pool exclude pad", make_avg_pool2d(exclude_pool), {1, 3, 7, 6}},
      {"global average pool", make_global_average_pool(), {2, 3, 4, 3}},
      {"batch norm",
       make_batch_norm(random_tensor({3}, 7), random_tensor({3}, 8), random_tensor({3}, 9),
                       random_tensor({3}, 10, 0.5F, 1.0F), 1e-5F),
       {2, 3, 2, 2}},
      {"bilinear resize",
       make_resize("Resize", {ResizeMode::linear,
                              ResizeCoordinates::pytorch_half_pixel,
                              NearestRounding::floor,
                              {1.7, 0.6},
                              std::nullopt}),
       {2, 3, 4, 5}},
      {"nearest upsample",
       make_resize("Upsample", {ResizeMode::nearest,
                                ResizeCoordinates::asymmetric,
                                NearestRounding::legacy,
                                {2.0, 3.0},
                                std::nullopt}),
       {1, 2, 3, 2}},
      {"conv transpose", make_conv_transpose2d(conv_transpose_params()), {2, 4, 3, 3}},
  };
}

// The dense matrix of an average pooling of one plane, from the definition (PyTorch's divisor:
// with count_include_pad, window positions inside input or padding; otherwise inside the input).
struct DensePool {
  std::int64_t out_h, out_w;
  std::vector<std::vector<double>> weights;  // [out_h * out_w][in_h * in_w]
};

DensePool dense_avg_pool(const Pool2dParams& p, std::int64_t in_h, std::int64_t in_w) {
  auto out_size = [&](std::int64_t in, int axis) {
    const auto extent = p.dilation[axis] * (p.kernel[axis] - 1) + 1;
    const double span = double(in + p.pads[axis] + p.pads[axis + 2] - extent) / p.stride[axis];
    auto out = static_cast<std::int64_t>(p.ceil_mode ? std::ceil(span) : std::floor(span)) + 1;
    if (p.ceil_mode && (out - 1) * p.stride[axis] >= in + p.pads[axis]) --out;
    return out;
  };
  DensePool d{out_size(in_h, 0), out_size(in_w, 1), {}};
  for (std::int64_t oh = 0; oh < d.out_h; ++oh) {
    for (std::int64_t ow = 0; ow < d.out_w; ++ow) {
      std::vector<double> row(static_cast<std::size_t>(in_h * in_w));
      std::vector<std::int64_t> members;
      std::int64_t counted = 0;
      for (std::int64_t kh = 0; kh < p.kernel[0]; ++kh) {
        for (std::int64_t kw = 0; kw < p.kernel[1]; ++kw) {
          const auto h = oh * p.stride[0] - p.pads[0] + kh * p.dilation[0];
          const auto w = ow * p.stride[1] - p.pads[1] + kw * p.dilation[1];
          const bool inside = h >= 0 && h < in_h && w >= 0 && w < in_w;
          if (inside) members.push_back(h * in_w + w);
          const bool in_padded = h < in_h + p.pads[2] && w < in_w + p.pads[3];
          counted += p.count_include_pad ? in_padded : inside;
        }
      }
      for (auto m : members) row[static_cast<std::size_t>(m)] = 1.0 / double(counted);
      d.weights.push_back(row);
    }
  }
  return d;
}

}  // namespace

TEST_CASE("forward_with and backward_with with the identity equal forward and backward",
          "[layers]") {
  for (const auto& c : linear_cases()) {
    INFO(c.name);
    const auto* linear = c.layer->as_linear();
    REQUIRE(linear != nullptr);
    const Tensor x = random_tensor(c.input, 21);
    const Tensor y = forward_of(*c.layer, {x}, *naive_backend());
    CHECK(max_abs_difference(linear->forward_with(x, {}, true, *naive_backend()), y) == 0.0);
    const Tensor g = random_tensor(y.shape(), 22);
    const Tensor* refs[] = {&x};
    const auto grads = c.layer->backward(refs, y, nullptr, g, *naive_backend());
    CHECK(max_abs_difference(linear->backward_with(g, x.shape(), {}, *naive_backend()),
                             grads.at(0)) == 0.0);
  }
}

TEST_CASE("backward_with is the transpose of forward_with for every transform", "[layers]") {
  for (const auto& c : linear_cases()) {
    const auto* linear = c.layer->as_linear();
    REQUIRE(linear != nullptr);
    for (const auto& t : all_transforms()) {
      INFO(c.name << " with " << name_of(t));
      const Tensor x = random_tensor(c.input, 31);
      const Tensor y = linear->forward_with(x, t, false, *naive_backend());
      const Tensor g = random_tensor(y.shape(), 32);
      const Tensor dx = linear->backward_with(g, x.shape(), t, *naive_backend());
      REQUIRE(dx.shape() == x.shape());
      CHECK(dot(dx, x) == Approx(dot(y, g)).epsilon(1e-5).margin(1e-6));
    }
  }
}

TEST_CASE("forward_with on conv and linear equals a layer built from transformed weights",
          "[layers]") {
  for (const auto& t : all_transforms()) {
    for (std::int64_t groups : {1, 2}) {
      INFO("conv with " << name_of(t) << ", groups " << groups);
      const auto p = conv_params(41, groups, true);
      const auto conv_layer = make_conv2d(p);
      const auto* conv = conv_layer->as_linear();
      const Tensor x = random_tensor({2, 4, 6, 5}, 43);
      auto without_bias = p;
      without_bias.weight = transformed(p.weight, t);
      without_bias.bias.reset();
      CHECK(max_abs_difference(conv->forward_with(x, t, false, *naive_backend()),
                               forward_of(*make_conv2d(without_bias), {x}, *naive_backend())) <
            1e-6);
      auto with_bias = without_bias;
      with_bias.bias = transformed(*p.bias, t);
      CHECK(max_abs_difference(conv->forward_with(x, t, true, *naive_backend()),
                               forward_of(*make_conv2d(with_bias), {x}, *naive_backend())) < 1e-6);
    }
    INFO("linear with " << name_of(t));
    const Tensor w = random_tensor({3, 6}, 44), b = random_tensor({3}, 45);
    const auto linear_layer = make_linear(w, b);
    const auto* linear = linear_layer->as_linear();
    const Tensor x = random_tensor({4, 6}, 46);
    CHECK(max_abs_difference(linear->forward_with(x, t, false, *naive_backend()),
                             forward_of(*make_linear(transformed(w, t), std::nullopt), {x},
                                        *naive_backend())) < 1e-6);
    CHECK(max_abs_difference(linear->forward_with(x, t, true, *naive_backend()),
                             forward_of(*make_linear(transformed(w, t), transformed(b, t)), {x},
                                        *naive_backend())) < 1e-6);
  }
}

TEST_CASE("average pooling forward_with applies the transform to the implicit weights",
          "[layers]") {
  const Pool2dParams configurations[] = {
      {{3, 3}, {2, 2}, {1, 1}, {1, 1, 1, 1}, true, true},  // ceil overhang past the padding
      {{3, 3}, {2, 2}, {1, 1}, {1, 1, 1, 1}, true, false},
      {{2, 3}, {1, 2}, {2, 1}, {1, 0, 0, 2}, false, true},
      {{2, 2}, {2, 2}, {1, 1}, {0, 0, 1, 1}, false, false},
  };
  const std::int64_t in_h = 6, in_w = 7, planes = 2 * 3;
  for (const auto& p : configurations) {
    const auto pool_layer = make_avg_pool2d(p);
    const auto* pool = pool_layer->as_linear();
    const auto dense = dense_avg_pool(p, in_h, in_w);
    const Tensor x = random_tensor({2, 3, in_h, in_w}, 51);
    for (const auto& t : all_transforms()) {
      INFO(pool->describe() << " with " << name_of(t));
      const Tensor y = pool->forward_with(x, t, false, *naive_backend());
      REQUIRE(y.shape() == Shape{2, 3, dense.out_h, dense.out_w});
      const auto out_plane = dense.out_h * dense.out_w;
      for (std::int64_t plane = 0; plane < planes; ++plane) {
        for (std::int64_t o = 0; o < out_plane; ++o) {
          double expected = 0.0;
          const auto& row = dense.weights[static_cast<std::size_t>(o)];
          for (std::int64_t i = 0; i < in_h * in_w; ++i) {
            const double w = row[static_cast<std::size_t>(i)];
            if (w != 0.0) expected += t(static_cast<float>(w)) * x[plane * in_h * in_w + i];
          }
          CHECK(y[plane * out_plane + o] == Approx(expected).margin(1e-5));
        }
      }
    }
  }
}

TEST_CASE("global average pool and batch norm forward_with follow their formulas", "[layers]") {
  const Tensor x = random_tensor({2, 3, 2, 2}, 61);
  const auto gap_layer = make_global_average_pool();
  const auto* gap = gap_layer->as_linear();
  const Tensor scale = random_tensor({3}, 62), bias = random_tensor({3}, 63),
               mean = random_tensor({3}, 64), var = random_tensor({3}, 65, 0.5F, 1.5F);
  const float eps = 0.01F;
  const auto bn_layer = make_batch_norm(scale, bias, mean, var, eps);
  const auto* bn = bn_layer->as_linear();
  for (const auto& t : all_transforms()) {
    INFO(name_of(t));
    const Tensor pooled = gap->forward_with(x, t, true, *naive_backend());
    REQUIRE(pooled.shape() == Shape{2, 3, 1, 1});
    for (std::int64_t plane = 0; plane < 6; ++plane) {
      double sum = 0.0;
      for (std::int64_t i = 0; i < 4; ++i) sum += x[plane * 4 + i];
      CHECK(pooled[plane] == Approx(t(0.25F) * sum).margin(1e-6));
    }
    for (bool with_bias : {false, true}) {
      const Tensor y = bn->forward_with(x, t, with_bias, *naive_backend());
      for (std::int64_t i = 0; i < x.size(); ++i) {
        const auto c = (i / 4) % 3;
        const double a = scale[c] / std::sqrt(double(var[c]) + eps);
        const double b = bias[c] - mean[c] * a;
        const double expected = t(float(a)) * x[i] + (with_bias ? t(float(b)) : 0.0F);
        CHECK(y[i] == Approx(expected).margin(1e-5));
      }
    }
  }
}

TEST_CASE("only linear layers expose the linear hooks", "[layers]") {
  for (const auto& c : linear_cases()) CHECK(c.layer->as_linear() != nullptr);
  for (const auto& layer : {make_relu(), make_max_pool2d({}), make_lrn(3, 1, 1, 1), make_add(),
                            make_softmax(1), make_flatten(1)}) {
    CHECK(layer->as_linear() == nullptr);
  }
}
