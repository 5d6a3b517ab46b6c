#include "convolution.hpp"

#include <tbb/parallel_for.h>

#include <algorithm>
#include <utility>
#include <vector>

#include "narrow_backward_data.hpp"
#include "plans.hpp"
#include "primitive_cache.hpp"
#include "split.hpp"
#include "threads.hpp"

namespace lumen::cpu_onednn {
namespace {

using dnnl::memory;

/// Weights reordered to a primitive's layout, one memory per channel slice.
struct KeptWeights {
  memory::desc layout;
  std::vector<memory> slices;
};

/// FNV-1a over this backend's tag, the slicing and the layout's descriptor bytes.
std::uint64_t layout_key(const memory::desc& layout, Index chunks) {
  std::uint64_t hash = 14695981039346656037ULL;
  const auto mix = [&](const void* bytes, std::size_t size) {
    for (std::size_t i = 0; i < size; ++i) {
      hash ^= static_cast<const unsigned char*>(bytes)[i];
      hash *= 1099511628211ULL;
    }
  };
  static constexpr char tag[] = "cpu-onednn weights";
  mix(tag, sizeof tag);
  mix(&chunks, sizeof chunks);
  mix(&layout.data, sizeof layout.data);
  return hash;
}

void run_reorder(const Operand& op, const memory& from, const memory& to,
                 const dnnl::engine& engine, dnnl::stream& stream) {
  memory scratch(op.convert_scratchpad, engine);
  op.convert->execute(stream,
                      {{DNNL_ARG_FROM, from}, {DNNL_ARG_TO, to}, {DNNL_ARG_SCRATCHPAD, scratch}});
}

/// `data` (lumen's layout) as the primitive wants it: the same memory, or a reordered copy.
memory into_primitive(const Operand& op, const float* data, const dnnl::engine& engine,
                      dnnl::stream& stream) {
  memory plain(op.plain, engine, const_cast<float*>(data));
  if (!op.convert) return plain;
  memory internal(op.internal, engine);
  run_reorder(op, plain, internal, engine, stream);
  return internal;
}

/// Runs `plan` with `args` (inputs bound) and writes its one output `out_arg` to `out`.
void execute(const Plan& plan, std::unordered_map<int, memory> args, int out_arg, float* out,
             const dnnl::engine& engine, dnnl::stream& stream) {
  const Operand& op = plan.operands.at(out_arg);
  memory plain(op.plain, engine, out);
  memory result = op.convert ? memory(op.internal, engine) : plain;
  args[out_arg] = result;
  args[DNNL_ARG_SCRATCHPAD] = memory(plan.scratchpad, engine);
  plan.primitive.execute(stream, args);
  if (op.convert) run_reorder(op, result, plain, engine, stream);
}

/// The weights of every channel slice in the layout `plan` wants, from `cache` when it kept them
/// (Note [weights kept in oneDNN's layout]); `slice(c)` points at slice c in lumen's layout.
template <typename SliceOf>
std::shared_ptr<const KeptWeights> weights_for(const Plan& plan, Index chunks, SliceOf slice,
                                               const WeightCache* cache,
                                               const dnnl::engine& engine) {
  const Operand& op = plan.operands.at(DNNL_ARG_WEIGHTS);
  const std::uint64_t key = layout_key(op.internal, chunks);
  if (cache) {
    auto kept = std::static_pointer_cast<const KeptWeights>(cache->find(key));
    if (kept && kept->layout == op.internal && static_cast<Index>(kept->slices.size()) == chunks) {
      return kept;
    }
  }
  auto made = std::make_shared<KeptWeights>(KeptWeights{op.internal, {}});
  made->slices.resize(static_cast<std::size_t>(chunks));
  tbb::parallel_for(Index{0}, chunks, [&](Index c) {
    const OmpThreads one(1);
    dnnl::stream stream(engine);
    made->slices[static_cast<std::size_t>(c)] = into_primitive(op, slice(c), engine, stream);
    stream.wait();
  });
  if (cache) cache->keep(key, made);
  return made;
}

enum : int { forward_kernel, backward_data_kernel, backward_weights_kernel };

/// A part's plan depends on the part's geometry and on the whole's channels and plane sizes
/// (its operands are views into the whole's tensors).
PrimitiveCache<Plan>::Key key_of(int kernel, const Conv2dGeometry& g, const Conv2dGeometry& whole,
                                 bool bias) {
  return {kernel,        g.batch,
          g.in_channels, g.in_h,
          g.in_w,        g.out_channels,
          g.out_h,       g.out_w,
          g.kernel_h,    g.kernel_w,
          g.stride_h,    g.stride_w,
          g.pad_top,     g.pad_left,
          g.pad_bottom,  g.pad_right,
          g.dilation_h,  g.dilation_w,
          g.groups,      whole.in_channels,
          whole.in_h,    whole.out_channels,
          whole.out_h,   bias ? 1 : 0};
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
  const Split s = split_of(g, g.out_channels, true);
  const Index in_sample = g.in_channels * g.in_h * g.in_w;
  const Index out_sample = g.out_channels * g.out_h * g.out_w;
  const Index weights_per_slice = s.chunk * (g.in_channels / g.groups) * g.kernel_h * g.kernel_w;
  const Index blocks = (g.batch + s.block - 1) / s.block;
  // Weights that change between calls are reordered once per call, not once per task.
  const WeightCache this_call;
  const WeightCache* kept = cache ? cache : &this_call;
  tbb::parallel_for(Index{0}, blocks * s.bands, [&](Index task) {
    const OmpThreads one(1);
    const Index b = task / s.bands, r = task % s.bands;
    const Index n0 = b * s.block, count = std::min(s.block, g.batch - n0);
    const Band band = band_of(g, s, r, true);
    Conv2dGeometry part = band_geometry(g, band, true);
    part.batch = count;
    part.out_channels = s.chunk;
    const auto plan = plans_->cache.get(key_of(forward_kernel, part, g, bias != nullptr), [&] {
      return forward_plan(part, g, bias != nullptr, engine_);
    });
    const auto weights = weights_for(
        *plan, s.chunks, [&](Index c) { return w + c * weights_per_slice; }, kept, engine_);
    dnnl::stream stream(engine_);
    const memory src =
        into_primitive(plan->operands.at(DNNL_ARG_SRC),
                       x + n0 * in_sample + band.read_first * g.in_w, engine_, stream);
    stream.wait();
    tbb::parallel_for(Index{0}, s.chunks, [&](Index c) {
      const OmpThreads single(1);
      dnnl::stream slice_stream(engine_);
      std::unordered_map<int, memory> args{
          {DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, weights->slices[static_cast<std::size_t>(c)]}};
      if (bias) {
        args[DNNL_ARG_BIAS] = memory(plan->operands.at(DNNL_ARG_BIAS).plain, engine_,
                                     const_cast<float*>(bias + c * s.chunk));
      }
      execute(*plan, std::move(args), DNNL_ARG_DST,
              y + n0 * out_sample + c * s.chunk * g.out_h * g.out_w + band.first * g.out_w, engine_,
              slice_stream);
      slice_stream.wait();
    });
  });
}

void Convolutions::backward_data(const Conv2dGeometry& g, const float* dy, const float* w,
                                 const WeightCache* cache, float* dx) const {
  if (is_narrow_backward_data(g)) {
    backward_data_by_gemm(g, dy, w, dx);
    return;
  }
  const Split s = split_of(g, g.in_channels, false);
  const Index in_sample = g.in_channels * g.in_h * g.in_w;
  const Index out_sample = g.out_channels * g.out_h * g.out_w;
  const Index taps = g.kernel_h * g.kernel_w;
  const Index blocks = (g.batch + s.block - 1) / s.block;
  // Weights that change between calls are reordered once per call, not once per task.
  const WeightCache this_call;
  const WeightCache* kept = cache ? cache : &this_call;
  tbb::parallel_for(Index{0}, blocks * s.bands, [&](Index task) {
    const OmpThreads one(1);
    const Index b = task / s.bands, r = task % s.bands;
    const Index n0 = b * s.block, count = std::min(s.block, g.batch - n0);
    const Band band = band_of(g, s, r, false);
    Conv2dGeometry part = band_geometry(g, band, false);
    part.batch = count;
    part.in_channels = s.chunk;
    const auto plan = plans_->cache.get(key_of(backward_data_kernel, part, g, false),
                                        [&] { return backward_data_plan(part, g, engine_); });
    // Slice c of the weights is w[:, c * chunk : (c + 1) * chunk] (strided, for groups == 1).
    const auto weights = weights_for(
        *plan, s.chunks, [&](Index c) { return w + c * s.chunk * taps; }, kept, engine_);
    dnnl::stream stream(engine_);
    const memory diff_dst =
        into_primitive(plan->operands.at(DNNL_ARG_DIFF_DST),
                       dy + n0 * out_sample + band.read_first * g.out_w, engine_, stream);
    stream.wait();
    tbb::parallel_for(Index{0}, s.chunks, [&](Index c) {
      const OmpThreads single(1);
      dnnl::stream slice_stream(engine_);
      execute(*plan,
              {{DNNL_ARG_DIFF_DST, diff_dst},
               {DNNL_ARG_WEIGHTS, weights->slices[static_cast<std::size_t>(c)]}},
              DNNL_ARG_DIFF_SRC,
              dx + n0 * in_sample + c * s.chunk * g.in_h * g.in_w + band.first * g.in_w, engine_,
              slice_stream);
      slice_stream.wait();
    });
  });
}

void Convolutions::backward_weights(const Conv2dGeometry& g, const float* x, const float* dy,
                                    float* dw, float* db) const {
  // Note [deterministic weight gradients]: oneDNN would split this reduction (over the batch and
  // the output positions) among threads, so the order of the sums would follow the thread count.
  // One call on one thread keeps it fixed; training parallelises over micro-batches instead.
  const OmpThreads one(1);
  const bool bias = db != nullptr;
  const auto plan = plans_->cache.get(key_of(backward_weights_kernel, g, g, bias),
                                      [&] { return backward_weights_plan(g, bias, engine_); });
  dnnl::stream stream(engine_);
  std::unordered_map<int, memory> args{
      {DNNL_ARG_SRC, into_primitive(plan->operands.at(DNNL_ARG_SRC), x, engine_, stream)},
      {DNNL_ARG_DIFF_DST,
       into_primitive(plan->operands.at(DNNL_ARG_DIFF_DST), dy, engine_, stream)}};
  if (bias) {
    const Operand& op = plan->operands.at(DNNL_ARG_DIFF_BIAS);
    args[DNNL_ARG_DIFF_BIAS] = memory(op.plain, engine_, db);
  }
  execute(*plan, std::move(args), DNNL_ARG_DIFF_WEIGHTS, dw, engine_, stream);
  stream.wait();
}

}  // namespace lumen::cpu_onednn
