#include "plans.hpp"

namespace lumen::cpu_onednn {
namespace {

using dnnl::memory;
using Tag = memory::format_tag;
using Dims = memory::dims;
constexpr auto f32 = memory::data_type::f32;

// Every call passes its own scratchpad, so one primitive can run on several threads at once.
dnnl::primitive_attr user_scratchpad() {
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  return attr;
}

/// A plain NCHW (or OIHW) tensor of `dims` inside one of `channels` planes of `height` x `width`.
memory::desc plain_view(const Dims& dims, std::int64_t channels, std::int64_t height,
                        std::int64_t width) {
  return memory::desc(dims, f32, Dims{channels * height * width, height * width, width, 1});
}

struct ConvDescs {
  Dims src, weights, dst;
  memory::desc any_src, any_weights, any_dst, bias;
  Dims strides, dilates, pad_l, pad_r;
};

ConvDescs descs_of(const Conv2dGeometry& g) {
  ConvDescs d;
  d.src = {g.batch, g.in_channels, g.in_h, g.in_w};
  d.dst = {g.batch, g.out_channels, g.out_h, g.out_w};
  // lumen's [C_out, C_in/groups, KH, KW] is oneDNN's goihw with the group dimension split off.
  d.weights = g.groups == 1 ? Dims{g.out_channels, g.in_channels, g.kernel_h, g.kernel_w}
                            : Dims{g.groups, g.out_channels / g.groups, g.in_channels / g.groups,
                                   g.kernel_h, g.kernel_w};
  d.any_src = memory::desc(d.src, f32, Tag::any);
  d.any_dst = memory::desc(d.dst, f32, Tag::any);
  d.any_weights = memory::desc(d.weights, f32, Tag::any);
  d.bias = memory::desc({g.out_channels}, f32, Tag::x);
  d.strides = {g.stride_h, g.stride_w};
  d.dilates = {g.dilation_h - 1, g.dilation_w - 1};  // oneDNN counts the holes
  d.pad_l = {g.pad_top, g.pad_left};
  // The right padding oneDNN needs for exactly out_h x out_w (ONNX's floor rule may declare more
  // than the last window uses).
  const auto extent = [](std::int64_t kernel, std::int64_t dilation) {
    return (kernel - 1) * dilation + 1;
  };
  d.pad_r = {(g.out_h - 1) * g.stride_h + extent(g.kernel_h, g.dilation_h) - g.in_h - g.pad_top,
             (g.out_w - 1) * g.stride_w + extent(g.kernel_w, g.dilation_w) - g.in_w - g.pad_left};
  return d;
}

memory::desc plain_weights(const ConvDescs& d, const Conv2dGeometry& g, std::int64_t in_channels) {
  if (g.groups != 1) return memory::desc(d.weights, f32, Tag::goihw);
  return plain_view(d.weights, in_channels, g.kernel_h, g.kernel_w);
}

dnnl::convolution_forward::primitive_desc forward_desc(const ConvDescs& d, bool bias,
                                                       dnnl::prop_kind kind,
                                                       const dnnl::engine& engine) {
  const auto algorithm = dnnl::algorithm::convolution_direct;
  const auto desc =
      bias ? dnnl::convolution_forward::desc(kind, algorithm, d.any_src, d.any_weights, d.bias,
                                             d.any_dst, d.strides, d.dilates, d.pad_l, d.pad_r)
           : dnnl::convolution_forward::desc(kind, algorithm, d.any_src, d.any_weights, d.any_dst,
                                             d.strides, d.dilates, d.pad_l, d.pad_r);
  return {desc, user_scratchpad(), engine};
}

Operand operand(const memory::desc& plain, const memory::desc& internal, bool into_primitive,
                const dnnl::engine& engine) {
  Operand o{plain, internal, std::nullopt, {}};
  if (plain != internal) {
    const dnnl::reorder::primitive_desc pd(engine, into_primitive ? plain : internal, engine,
                                           into_primitive ? internal : plain, user_scratchpad());
    o.convert = dnnl::reorder(pd);
    o.convert_scratchpad = pd.scratchpad_desc();
  }
  return o;
}

}  // namespace

Plan forward_plan(const Conv2dGeometry& part, const Conv2dGeometry& whole, bool bias,
                  const dnnl::engine& engine) {
  const ConvDescs d = descs_of(part);
  const auto pd = forward_desc(d, bias, dnnl::prop_kind::forward_inference, engine);
  Plan plan{dnnl::convolution_forward(pd), pd.scratchpad_desc(), {}};
  plan.operands.emplace(DNNL_ARG_SRC,
                        operand(plain_view(d.src, whole.in_channels, whole.in_h, whole.in_w),
                                pd.src_desc(), true, engine));
  plan.operands.emplace(DNNL_ARG_WEIGHTS, operand(plain_weights(d, part, part.in_channels),
                                                  pd.weights_desc(), true, engine));
  if (bias) plan.operands.emplace(DNNL_ARG_BIAS, operand(d.bias, d.bias, true, engine));
  plan.operands.emplace(DNNL_ARG_DST,
                        operand(plain_view(d.dst, whole.out_channels, whole.out_h, whole.out_w),
                                pd.dst_desc(), false, engine));
  return plan;
}

Plan backward_data_plan(const Conv2dGeometry& part, const Conv2dGeometry& whole,
                        const dnnl::engine& engine) {
  const ConvDescs d = descs_of(part);
  const auto hint = forward_desc(d, false, dnnl::prop_kind::forward_training, engine);
  const dnnl::convolution_backward_data::desc desc(dnnl::algorithm::convolution_direct, d.any_src,
                                                   d.any_weights, d.any_dst, d.strides, d.dilates,
                                                   d.pad_l, d.pad_r);
  const dnnl::convolution_backward_data::primitive_desc pd(desc, user_scratchpad(), engine, hint);
  Plan plan{dnnl::convolution_backward_data(pd), pd.scratchpad_desc(), {}};
  plan.operands.emplace(DNNL_ARG_DIFF_DST,
                        operand(plain_view(d.dst, whole.out_channels, whole.out_h, whole.out_w),
                                pd.diff_dst_desc(), true, engine));
  plan.operands.emplace(DNNL_ARG_WEIGHTS, operand(plain_weights(d, part, whole.in_channels),
                                                  pd.weights_desc(), true, engine));
  plan.operands.emplace(DNNL_ARG_DIFF_SRC,
                        operand(plain_view(d.src, whole.in_channels, whole.in_h, whole.in_w),
                                pd.diff_src_desc(), false, engine));
  return plan;
}

Plan backward_weights_plan(const Conv2dGeometry& g, bool bias, const dnnl::engine& engine) {
  const ConvDescs d = descs_of(g);
  const auto hint = forward_desc(d, bias, dnnl::prop_kind::forward_training, engine);
  const auto algorithm = dnnl::algorithm::convolution_direct;
  const auto desc =
      bias
          ? dnnl::convolution_backward_weights::desc(algorithm, d.any_src, d.any_weights, d.bias,
                                                     d.any_dst, d.strides, d.dilates, d.pad_l,
                                                     d.pad_r)
          : dnnl::convolution_backward_weights::desc(algorithm, d.any_src, d.any_weights, d.any_dst,
                                                     d.strides, d.dilates, d.pad_l, d.pad_r);
  const dnnl::convolution_backward_weights::primitive_desc pd(desc, user_scratchpad(), engine,
                                                              hint);
  Plan plan{dnnl::convolution_backward_weights(pd), pd.scratchpad_desc(), {}};
  plan.operands.emplace(DNNL_ARG_SRC, operand(plain_view(d.src, g.in_channels, g.in_h, g.in_w),
                                              pd.src_desc(), true, engine));
  plan.operands.emplace(DNNL_ARG_DIFF_DST,
                        operand(plain_view(d.dst, g.out_channels, g.out_h, g.out_w),
                                pd.diff_dst_desc(), true, engine));
  plan.operands.emplace(DNNL_ARG_DIFF_WEIGHTS, operand(plain_weights(d, g, g.in_channels),
                                                       pd.diff_weights_desc(), false, engine));
  if (bias) plan.operands.emplace(DNNL_ARG_DIFF_BIAS, operand(d.bias, d.bias, false, engine));
  return plan;
}

}  // namespace lumen::cpu_onednn
