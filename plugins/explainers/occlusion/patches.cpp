#include "patches.hpp"

namespace lumen::occlusion {

namespace {

// What the geometries of a convolution and a pooling over the crop `in` share: the batch of `x`,
// the crop's and the outputs' sizes, the window, and the crop's missing top and left border (the
// layer's zero padding, cut to what these outputs reach).
template <typename Geometry>
Geometry window_geometry(const LocalLayer& l, const InputRect& in, const Rect& out,
                         const Tensor& x) {
  Geometry g;
  g.batch = x.dim(0);
  g.in_h = in.rect.rows.size();
  g.in_w = in.rect.cols.size();
  g.out_h = out.rows.size();
  g.out_w = out.cols.size();
  g.kernel_h = l.axes[0].kernel;
  g.kernel_w = l.axes[1].kernel;
  g.stride_h = l.axes[0].stride;
  g.stride_w = l.axes[1].stride;
  g.dilation_h = l.axes[0].dilation;
  g.dilation_w = l.axes[1].dilation;
  g.pad_top = in.pads[0];
  g.pad_left = in.pads[2];
  return g;
}

Tensor conv_patches(const LocalLayer& l, const InputRect& in, const Rect& out, const Tensor& x,
                    const Backend& backend) {
  auto g = window_geometry<Conv2dGeometry>(l, in, out, x);
  g.in_channels = l.in_channels;
  g.out_channels = l.channels;
  g.pad_bottom = in.pads[1];
  g.pad_right = in.pads[3];
  g.groups = l.groups;
  Tensor y({g.batch, g.out_channels, g.out_h, g.out_w});
  backend.conv2d_forward_cached(g, x.data(), l.weight, *l.weight_cache, l.bias, y.data());
  return y;
}

Pool2dGeometry pool_geometry(const LocalLayer& l, const InputRect& in, const Rect& out,
                             const Tensor& x) {
  auto g = window_geometry<Pool2dGeometry>(l, in, out, x);
  g.channels = l.channels;
  g.count_include_pad = false;  // the divisor is fixed by average_factor
  return g;
}

// The taps of output o's window inside the input, and those PyTorch's count_include_pad counts
// (the padding too, not the ceil-mode overhang past it).
std::pair<std::int64_t, std::int64_t> tap_counts(const WindowAxis& a, std::int64_t o,
                                                 std::int64_t pad_after) {
  std::int64_t inside = 0, counted = 0;
  for (std::int64_t j = 0; j < a.kernel; ++j) {
    const std::int64_t i = o * a.stride - a.pad + j * a.dilation;
    inside += i >= 0 && i < a.in_size;
    counted += i < a.in_size + pad_after;
  }
  return {inside, counted};
}

// What AveragePool multiplies the backend's average (over the taps inside the input) by at output
// (oh, ow), computed as the layer computes it (core's Note [average pooling as a linear layer]).
float average_factor(const LocalLayer& l, std::int64_t oh, std::int64_t ow) {
  const auto [inside_h, counted_h] = tap_counts(l.axes[0], oh, l.pad_after[0]);
  const auto [inside_w, counted_w] = tap_counts(l.axes[1], ow, l.pad_after[1]);
  const std::int64_t inside = inside_h * inside_w;
  const std::int64_t divisor = l.count_include_pad ? counted_h * counted_w : inside;
  if (inside == 0) return 0.0F;
  return static_cast<float>(static_cast<double>(inside) / static_cast<double>(divisor));
}

Tensor pool_patches(const LocalLayer& l, const InputRect& in, const std::vector<Rect>& outs,
                    const Tensor& x, const Backend& backend) {
  const Pool2dGeometry g = pool_geometry(l, in, outs[0], x);
  Tensor y({g.batch, g.channels, g.out_h, g.out_w});
  if (l.op == WindowOp::max_pool) {
    backend.max_pool2d_forward(g, x.data(), y.data(), nullptr);
    return y;
  }
  backend.avg_pool2d_forward(g, x.data(), y.data());
  const std::int64_t plane = g.out_h * g.out_w;
  for (std::int64_t n = 0; n < g.batch; ++n) {
    const Rect& out = outs[static_cast<std::size_t>(n)];
    for (std::int64_t oh = 0; oh < g.out_h; ++oh) {
      for (std::int64_t ow = 0; ow < g.out_w; ++ow) {
        const float f = average_factor(l, out.rows.begin + oh, out.cols.begin + ow);
        if (f == 1.0F) continue;
        for (std::int64_t c = 0; c < g.channels; ++c) {
          y[(n * g.channels + c) * plane + oh * g.out_w + ow] *= f;
        }
      }
    }
  }
  return y;
}

}  // namespace

Tensor layer_patches(const Node& node, const LocalLayer& layer, const std::vector<Rect>& outs,
                     const std::vector<Tensor>& crops, const Backend& backend) {
  if (layer.kind == LocalKind::window) {
    const InputRect in = input_rect(layer, outs[0]);
    if (layer.op == WindowOp::conv) return conv_patches(layer, in, outs[0], crops[0], backend);
    return pool_patches(layer, in, outs, crops[0], backend);
  }
  std::vector<const Tensor*> args;
  args.reserve(crops.size());
  for (const Tensor& c : crops) args.push_back(&c);
  return node.layer->forward(args, backend, nullptr);
}

}  // namespace lumen::occlusion
