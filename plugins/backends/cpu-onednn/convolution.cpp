#include "convolution.hpp"

#include <optional>
#include <unordered_map>
#include <utility>

#include "primitive_cache.hpp"
#include "threads.hpp"

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

struct ConvDescs {
  memory::desc src, weights, bias, dst;  // lumen's plain layouts
  memory::desc any_src, any_weights, any_dst;
  Dims strides, dilates, pad_l, pad_r;
};

ConvDescs descs_of(const Conv2dGeometry& g) {
  ConvDescs d;
  const Dims src{g.batch, g.in_channels, g.in_h, g.in_w};
  const Dims dst{g.batch, g.out_channels, g.out_h, g.out_w};
  // lumen's [C_out, C_in/groups, KH, KW] is oneDNN's goihw with the group dimension split off.
  const Dims weights = g.groups == 1 ? Dims{g.out_channels, g.in_channels, g.kernel_h, g.kernel_w}
                                     : Dims{g.groups, g.out_channels / g.groups,
                                            g.in_channels / g.groups, g.kernel_h, g.kernel_w};
  d.src = memory::desc(src, f32, Tag::nchw);
  d.dst = memory::desc(dst, f32, Tag::nchw);
  d.weights = memory::desc(weights, f32, g.groups == 1 ? Tag::oihw : Tag::goihw);
  d.bias = memory::desc({g.out_channels}, f32, Tag::x);
  d.any_src = memory::desc(src, f32, Tag::any);
  d.any_dst = memory::desc(dst, f32, Tag::any);
  d.any_weights = memory::desc(weights, f32, Tag::any);
  d.strides = {g.stride_h, g.stride_w};
  d.dilates = {g.dilation_h - 1, g.dilation_w - 1};  // oneDNN counts the holes
  d.pad_l = {g.pad_top, g.pad_left};
  // The right padding oneDNN needs for exactly out_h x out_w (ONNX's floor rule may declare more
  // than is used).
  const auto extent = [](std::int64_t kernel, std::int64_t dilation) {
    return (kernel - 1) * dilation + 1;
  };
  d.pad_r = {(g.out_h - 1) * g.stride_h + extent(g.kernel_h, g.dilation_h) - g.in_h - g.pad_top,
             (g.out_w - 1) * g.stride_w + extent(g.kernel_w, g.dilation_w) - g.in_w - g.pad_left};
  return d;
}

dnnl::convolution_forward::primitive_desc forward_desc(const ConvDescs& d, bool bias,
                                                       dnnl::prop_kind kind,
                                                       const dnnl::engine& engine) {
  const auto desc = bias ? dnnl::convolution_forward::desc(
                               kind, dnnl::algorithm::convolution_direct, d.any_src, d.any_weights,
                               d.bias, d.any_dst, d.strides, d.dilates, d.pad_l, d.pad_r)
                         : dnnl::convolution_forward::desc(
                               kind, dnnl::algorithm::convolution_direct, d.any_src, d.any_weights,
                               d.any_dst, d.strides, d.dilates, d.pad_l, d.pad_r);
  return {desc, user_scratchpad(), engine};
}

/// One operand of a primitive: lumen's plain layout and, when the primitive wants another, the
/// reorder between the two (in the direction the data flows).
struct Operand {
  memory::desc plain, internal;
  std::optional<dnnl::reorder> convert;
  memory::desc convert_scratchpad;

  static Operand input(const memory::desc& plain, const memory::desc& internal,
                       const dnnl::engine& engine) {
    return make(plain, internal, plain, internal, engine);
  }
  static Operand output(const memory::desc& plain, const memory::desc& internal,
                        const dnnl::engine& engine) {
    return make(plain, internal, internal, plain, engine);
  }

 private:
  static Operand make(const memory::desc& plain, const memory::desc& internal,
                      const memory::desc& from, const memory::desc& to,
                      const dnnl::engine& engine) {
    Operand o{plain, internal, std::nullopt, {}};
    if (plain != internal) {
      const dnnl::reorder::primitive_desc pd(engine, from, engine, to, user_scratchpad());
      o.convert = dnnl::reorder(pd);
      o.convert_scratchpad = pd.scratchpad_desc();
    }
    return o;
  }
};

/// Weights reordered to a primitive's layout, kept in a WeightCache.
struct KeptWeights {
  memory::desc layout;
  memory values;
};

/// FNV-1a over this backend's tag and the layout's descriptor bytes.
std::uint64_t layout_key(const memory::desc& layout) {
  std::uint64_t hash = 14695981039346656037ULL;
  const auto mix = [&](const void* bytes, std::size_t size) {
    for (std::size_t i = 0; i < size; ++i) {
      hash ^= static_cast<const unsigned char*>(bytes)[i];
      hash *= 1099511628211ULL;
    }
  };
  static constexpr char tag[] = "cpu-onednn weights";
  mix(tag, sizeof tag);
  mix(&layout.data, sizeof layout.data);
  return hash;
}

struct Plan {
  dnnl::primitive primitive;
  memory::desc scratchpad;
  std::unordered_map<int, Operand> operands;  // by DNNL_ARG_*
};

/// Runs a plan on lumen's buffers (plain layouts, given by argument id): converts the inputs the
/// primitive wants in another layout, runs it, converts its outputs back.
class Execution {
 public:
  Execution(const Plan& plan, const dnnl::engine& engine)
      : plan_(plan), engine_(engine), stream_(engine) {}

  void input(int arg, const float* data) { bind(arg, const_cast<float*>(data), true); }

  // Note [weights kept in oneDNN's layout]: reordering a layer's weights to the primitive's
  // blocked layout took a fifth of a ResNet-18 forward and backward pass. Constant weights come
  // with their owner's WeightCache: the reordered copy is kept there, under a key made from the
  // layout (a different geometry may want another), and checked on every hit.
  void constant_input(int arg, const float* data, const WeightCache* cache) {
    const Operand& op = plan_.operands.at(arg);
    if (!cache || !op.convert) {
      input(arg, data);
      return;
    }
    const std::uint64_t key = layout_key(op.internal);
    auto kept = std::static_pointer_cast<const KeptWeights>(cache->find(key));
    if (!kept || kept->layout != op.internal) {
      auto made =
          std::make_shared<KeptWeights>(KeptWeights{op.internal, memory(op.internal, engine_)});
      run_reorder(op, memory(op.plain, engine_, const_cast<float*>(data)), made->values);
      kept = made;
      cache->keep(key, kept);
    }
    kept_.push_back(kept);
    args_[arg] = kept->values;
  }
  void output(int arg, float* data) { bind(arg, data, false); }

  void run() {
    memory scratch(plan_.scratchpad, engine_);
    args_[DNNL_ARG_SCRATCHPAD] = scratch;
    plan_.primitive.execute(stream_, args_);
    for (auto& [arg, plain] : pending_outputs_) {
      const Operand& op = plan_.operands.at(arg);
      run_reorder(op, args_.at(arg), plain);
    }
    stream_.wait();
  }

 private:
  void bind(int arg, float* data, bool is_input) {
    const Operand& op = plan_.operands.at(arg);
    memory plain(op.plain, engine_, data);
    if (!op.convert) {
      args_[arg] = plain;
      return;
    }
    memory internal(op.internal, engine_);
    if (is_input) {
      run_reorder(op, plain, internal);
    } else {
      pending_outputs_.emplace_back(arg, plain);
    }
    args_[arg] = internal;
  }

  void run_reorder(const Operand& op, const memory& from, const memory& to) {
    memory scratch(op.convert_scratchpad, engine_);
    op.convert->execute(stream_,
                        {{DNNL_ARG_FROM, from}, {DNNL_ARG_TO, to}, {DNNL_ARG_SCRATCHPAD, scratch}});
  }

  const Plan& plan_;
  const dnnl::engine& engine_;
  dnnl::stream stream_;
  std::unordered_map<int, memory> args_;
  std::vector<std::pair<int, memory>> pending_outputs_;
  std::vector<std::shared_ptr<const KeptWeights>> kept_;  // alive until the call ends
};

PrimitiveCache<Plan>::Key key_of(int kernel, const Conv2dGeometry& g, bool bias, int threads) {
  return {kernel,    g.batch,      g.in_channels, g.in_h,      g.in_w,       g.out_channels,
          g.out_h,   g.out_w,      g.kernel_h,    g.kernel_w,  g.stride_h,   g.stride_w,
          g.pad_top, g.pad_left,   g.pad_bottom,  g.pad_right, g.dilation_h, g.dilation_w,
          g.groups,  bias ? 1 : 0, threads};
}

Plan forward_plan(const Conv2dGeometry& g, bool bias, const dnnl::engine& engine) {
  const ConvDescs d = descs_of(g);
  const auto pd = forward_desc(d, bias, dnnl::prop_kind::forward_inference, engine);
  Plan plan{dnnl::convolution_forward(pd), pd.scratchpad_desc(), {}};
  plan.operands.emplace(DNNL_ARG_SRC, Operand::input(d.src, pd.src_desc(), engine));
  plan.operands.emplace(DNNL_ARG_WEIGHTS, Operand::input(d.weights, pd.weights_desc(), engine));
  if (bias) plan.operands.emplace(DNNL_ARG_BIAS, Operand::input(d.bias, d.bias, engine));
  plan.operands.emplace(DNNL_ARG_DST, Operand::output(d.dst, pd.dst_desc(), engine));
  return plan;
}

Plan backward_data_plan(const Conv2dGeometry& g, const dnnl::engine& engine) {
  const ConvDescs d = descs_of(g);
  const auto hint = forward_desc(d, false, dnnl::prop_kind::forward_training, engine);
  const dnnl::convolution_backward_data::desc desc(dnnl::algorithm::convolution_direct, d.any_src,
                                                   d.any_weights, d.any_dst, d.strides, d.dilates,
                                                   d.pad_l, d.pad_r);
  const dnnl::convolution_backward_data::primitive_desc pd(desc, user_scratchpad(), engine, hint);
  Plan plan{dnnl::convolution_backward_data(pd), pd.scratchpad_desc(), {}};
  plan.operands.emplace(DNNL_ARG_DIFF_DST, Operand::input(d.dst, pd.diff_dst_desc(), engine));
  plan.operands.emplace(DNNL_ARG_WEIGHTS, Operand::input(d.weights, pd.weights_desc(), engine));
  plan.operands.emplace(DNNL_ARG_DIFF_SRC, Operand::output(d.src, pd.diff_src_desc(), engine));
  return plan;
}

Plan backward_weights_plan(const Conv2dGeometry& g, bool bias, const dnnl::engine& engine) {
  const ConvDescs d = descs_of(g);
  const auto hint = forward_desc(d, bias, dnnl::prop_kind::forward_training, engine);
  const auto desc = bias ? dnnl::convolution_backward_weights::desc(
                               dnnl::algorithm::convolution_direct, d.any_src, d.any_weights,
                               d.bias, d.any_dst, d.strides, d.dilates, d.pad_l, d.pad_r)
                         : dnnl::convolution_backward_weights::desc(
                               dnnl::algorithm::convolution_direct, d.any_src, d.any_weights,
                               d.any_dst, d.strides, d.dilates, d.pad_l, d.pad_r);
  const dnnl::convolution_backward_weights::primitive_desc pd(desc, user_scratchpad(), engine,
                                                              hint);
  Plan plan{dnnl::convolution_backward_weights(pd), pd.scratchpad_desc(), {}};
  plan.operands.emplace(DNNL_ARG_SRC, Operand::input(d.src, pd.src_desc(), engine));
  plan.operands.emplace(DNNL_ARG_DIFF_DST, Operand::input(d.dst, pd.diff_dst_desc(), engine));
  plan.operands.emplace(DNNL_ARG_DIFF_WEIGHTS,
                        Operand::output(d.weights, pd.diff_weights_desc(), engine));
  if (bias) plan.operands.emplace(DNNL_ARG_DIFF_BIAS, Operand::output(d.bias, d.bias, engine));
  return plan;
}

enum : int { forward_kernel, backward_data_kernel, backward_weights_kernel };

// Note [small convolutions run alone]: an OpenMP team costs a barrier per call, and on a loaded
// machine a barrier waits for a descheduled thread (milliseconds). Convolutions too small to pay
// for that run on the calling thread.
int threads_for(const Conv2dGeometry& g) {
  constexpr std::int64_t team_worthy_flops = 20'000'000;
  const std::int64_t flops = 2 * g.batch * g.out_channels * g.out_h * g.out_w *
                             (g.in_channels / g.groups) * g.kernel_h * g.kernel_w;
  return flops < team_worthy_flops ? 1 : kernel_threads();
}

}  // namespace

struct Convolutions::Plans {
  PrimitiveCache<Plan> cache;
};

Convolutions::Convolutions()
    : engine_(dnnl::engine::kind::cpu, 0), plans_(std::make_unique<Plans>()) {}

Convolutions::~Convolutions() = default;

void Convolutions::forward(const Conv2dGeometry& g, const float* x, const float* w,
                           const WeightCache* cache, const float* bias, float* y) const {
  const OmpThreads threads(threads_for(g));
  const auto plan = plans_->cache.get(key_of(forward_kernel, g, bias, threads.count()),
                                      [&] { return forward_plan(g, bias, engine_); });
  Execution run(*plan, engine_);
  run.input(DNNL_ARG_SRC, x);
  run.constant_input(DNNL_ARG_WEIGHTS, w, cache);
  if (bias) run.input(DNNL_ARG_BIAS, bias);
  run.output(DNNL_ARG_DST, y);
  run.run();
}

void Convolutions::backward_data(const Conv2dGeometry& g, const float* dy, const float* w,
                                 const WeightCache* cache, float* dx) const {
  const OmpThreads threads(threads_for(g));
  const auto plan = plans_->cache.get(key_of(backward_data_kernel, g, false, threads.count()),
                                      [&] { return backward_data_plan(g, engine_); });
  Execution run(*plan, engine_);
  run.input(DNNL_ARG_DIFF_DST, dy);
  run.constant_input(DNNL_ARG_WEIGHTS, w, cache);
  run.output(DNNL_ARG_DIFF_SRC, dx);
  run.run();
}

void Convolutions::backward_weights(const Conv2dGeometry& g, const float* x, const float* dy,
                                    float* dw, float* db) const {
  // Note [deterministic weight gradients]: oneDNN splits this reduction (over the batch and the
  // output positions) among its threads, so the sums' order, and the rounding, would follow the
  // thread count. One thread keeps it fixed; training parallelises over micro-batches instead.
  const OmpThreads threads(1);
  const bool bias = db != nullptr;
  const auto plan = plans_->cache.get(key_of(backward_weights_kernel, g, bias, threads.count()),
                                      [&] { return backward_weights_plan(g, bias, engine_); });
  Execution run(*plan, engine_);
  run.input(DNNL_ARG_SRC, x);
  run.input(DNNL_ARG_DIFF_DST, dy);
  run.output(DNNL_ARG_DIFF_WEIGHTS, dw);
  if (bias) run.output(DNNL_ARG_DIFF_BIAS, db);
  run.run();
}

}  // namespace lumen::cpu_onednn
