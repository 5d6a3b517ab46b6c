// ConvTranspose: values against a direct scatter loop, input and parameter gradients against
// finite differences, the adjoint and the weight transforms, and the refusals.
#include <catch2/catch.hpp>
#include <vector>

#include "layer_test_helpers.hpp"
#include "lumen/conv_transpose.hpp"
#include "lumen/error.hpp"

using namespace lumen;
using lumen::testing::check_linear_backward;
using lumen::testing::check_transformed_weights;
using lumen::testing::forward_of;
using lumen::testing::max_abs_difference;
using lumen::testing::naive_backend;
using lumen::testing::random_tensor;

namespace {

using I = std::int64_t;

// Every input value scattered through the kernel (ConvTranspose's definition), then cropped.
Tensor reference(const Tensor& x, const ConvTranspose2dParams& p) {
  const auto& w = p.weight;
  const I n = x.dim(0), cin = x.dim(1), h = x.dim(2), wd = x.dim(3);
  const I cout_g = w.dim(1), cin_g = cin / p.groups, kh = w.dim(2), kw = w.dim(3);
  const I full_h = p.stride[0] * (h - 1) + p.output_padding[0] + p.dilation[0] * (kh - 1) + 1;
  const I full_w = p.stride[1] * (wd - 1) + p.output_padding[1] + p.dilation[1] * (kw - 1) + 1;
  const I oh = full_h - p.pads[0] - p.pads[2], ow = full_w - p.pads[1] - p.pads[3];
  Tensor y({n, cout_g * p.groups, oh, ow});
  for (I b = 0; b < n; ++b) {
    for (I ci = 0; ci < cin; ++ci) {
      const I group = ci / cin_g;
      for (I co = 0; co < cout_g; ++co) {
        const I c = group * cout_g + co;
        for (I i = 0; i < h; ++i) {
          for (I j = 0; j < wd; ++j) {
            for (I a = 0; a < kh; ++a) {
              for (I e = 0; e < kw; ++e) {
                const I r = i * p.stride[0] + a * p.dilation[0] - p.pads[0];
                const I s = j * p.stride[1] + e * p.dilation[1] - p.pads[1];
                if (r < 0 || r >= oh || s < 0 || s >= ow) continue;
                y[((b * y.dim(1) + c) * oh + r) * ow + s] +=
                    x[((b * cin + ci) * h + i) * wd + j] *
                    w[((ci * cout_g + co) * kh + a) * kw + e];
              }
            }
          }
        }
      }
    }
  }
  if (p.bias) {
    for (I i = 0; i < y.size(); ++i) y[i] += (*p.bias)[(i / (oh * ow)) % y.dim(1)];
  }
  return y;
}

struct Case {
  ConvTranspose2dParams params;
  Shape input;
};

std::vector<Case> cases() {
  std::vector<Case> out;
  ConvTranspose2dParams p;
  p.weight = random_tensor({2, 3, 3, 3}, 1);
  p.bias = random_tensor({3}, 2);
  out.push_back({p, {2, 2, 3, 4}});
  // PyTorch's ConvTranspose2d(4, 4, 3, stride 2, padding 1, output_padding 1, groups 2,
  // dilation 2).
  p.weight = random_tensor({4, 2, 3, 3}, 3);
  p.bias = random_tensor({4}, 4);
  p.stride = {2, 2};
  p.pads = {1, 1, 1, 1};
  p.output_padding = {1, 1};
  p.groups = 2;
  p.dilation = {2, 2};
  out.push_back({p, {2, 4, 3, 3}});
  // Uneven everything, no bias.
  p.weight = random_tensor({3, 1, 2, 3}, 5);
  p.bias.reset();
  p.stride = {3, 1};
  p.pads = {0, 2, 2, 1};
  p.output_padding = {2, 0};
  p.groups = 3;
  p.dilation = {1, 2};
  out.push_back({p, {1, 3, 2, 4}});
  return out;
}

}  // namespace

TEST_CASE("ConvTranspose matches a direct scatter loop", "[layers]") {
  for (const auto& c : cases()) {
    const auto layer = make_conv_transpose2d(c.params);
    INFO(layer->describe());
    const Tensor x = random_tensor(c.input, 7);
    const Tensor want = reference(x, c.params);
    CHECK(layer->output_shape(std::vector<Shape>{c.input}) == want.shape());
    CHECK(max_abs_difference(forward_of(*layer, {x}, *naive_backend()), want) < 1e-5);
    CHECK(layer->kind() == LayerKind::linear);
    CHECK(layer->parameter_count() ==
          c.params.weight.size() + (c.params.bias ? c.params.bias->size() : 0));
  }
}

TEST_CASE("ConvTranspose gradients match finite differences and hooks transform the weights",
          "[layers]") {
  for (const auto& c : cases()) {
    const auto layer = make_conv_transpose2d(c.params);
    INFO(layer->describe());
    auto unbiased = c.params;  // the adjoint check needs y linear in x
    unbiased.bias.reset();
    check_linear_backward(*make_conv_transpose2d(unbiased), random_tensor(c.input, 11), 11);
    check_transformed_weights(*layer->as_linear(), Shape{1, c.input[1], c.input[2], c.input[3]},
                              13);
    // Parameter gradients: d sum(g * y) / dW by central differences on a few weights.
    const Tensor x = random_tensor(c.input, 17);
    const Tensor* refs[] = {&x};
    const Tensor y = forward_of(*layer, {x}, *naive_backend());
    const Tensor g = random_tensor(y.shape(), 19);
    const auto grads = layer->parameter_gradients(refs, y, nullptr, g, *naive_backend());
    REQUIRE(grads.size() == layer->parameters().size());
    for (std::size_t k = 0; k < grads.size(); ++k) {
      for (I i = 0; i < grads[k].size(); i += 5) {
        auto values = std::vector<Tensor>{};
        for (const auto* t : layer->parameters()) values.push_back(*t);
        const float step = 1e-2F;
        values[k][i] += step;
        const double up = lumen::testing::dot(
            forward_of(*layer->with_parameters(values), {x}, *naive_backend()), g);
        values[k][i] -= 2 * step;
        const double down = lumen::testing::dot(
            forward_of(*layer->with_parameters(values), {x}, *naive_backend()), g);
        CHECK(grads[k][i] == Approx((up - down) / (2 * step)).margin(2e-3));
      }
    }
  }
}

TEST_CASE("ConvTranspose refuses bad parameters and inputs", "[layers]") {
  ConvTranspose2dParams p;
  p.weight = random_tensor({2, 3, 3, 3}, 1);
  p.stride = {2, 2};
  p.output_padding = {2, 0};
  CHECK_THROWS_WITH(make_conv_transpose2d(p),
                    Catch::Matchers::Contains("output_padding 2 must be >= 0 and smaller than"));
  p.output_padding = {1, 1};
  p.groups = 3;
  CHECK_THROWS_AS(make_conv_transpose2d(p), InvalidArgument);
  p.groups = 1;
  p.bias = random_tensor({2}, 2);
  CHECK_THROWS_WITH(make_conv_transpose2d(p), Catch::Matchers::Contains("3 output channels"));
  p.bias.reset();
  p.pads = {0, 0, 9, 0};
  const auto layer = make_conv_transpose2d(p);
  CHECK_THROWS_WITH(layer->output_shape(std::vector<Shape>{{1, 2, 2, 2}}),
                    Catch::Matchers::Contains("no position"));
  CHECK_THROWS_WITH(layer->output_shape(std::vector<Shape>{{1, 3, 2, 2}}),
                    Catch::Matchers::Contains("expects 2"));
}
